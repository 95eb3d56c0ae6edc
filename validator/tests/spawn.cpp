// SPDX-License-Identifier: Apache-2.0
#include "spawn.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/wait.h>

namespace fsv::test {

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& file) {
  std::ifstream f(file);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string name_of(const std::string& entry) { return entry.substr(0, entry.find('=')); }

}  // namespace

std::vector<std::string> split_args(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) {
    words.push_back(w);
  }
  return words;
}

Spawned spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  Spawned r;
  if (argv.empty()) {
    return r;
  }
  // Per process and call: ctest runs test cases in parallel processes.
  static int calls = 0;
  const fs::path base = fs::temp_directory_path() /
                        ("fsv-spawn-" + std::to_string(::getpid()) + "-" + std::to_string(++calls));
  const std::string out_file = base.string() + ".out";
  const std::string err_file = base.string() + ".err";

  std::vector<std::string> args = argv;
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    bool replaced = false;
    for (const auto& x : env) {
      replaced = replaced || name_of(x) == name_of(entry);
    }
    if (!replaced) {
      envs.push_back(entry);
    }
  }
  envs.insert(envs.end(), env.begin(), env.end());
  std::vector<char*> c_argv;
  std::vector<char*> c_envp;
  c_argv.reserve(args.size() + 1);
  c_envp.reserve(envs.size() + 1);
  for (auto& a : args) {
    c_argv.push_back(a.data());
  }
  c_argv.push_back(nullptr);
  for (auto& e : envs) {
    c_envp.push_back(e.data());
  }
  c_envp.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  ::posix_spawn_file_actions_init(&fa);
  ::posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, c_argv[0], &fa, nullptr, c_argv.data(), c_envp.data());
  ::posix_spawn_file_actions_destroy(&fa);
  if (rc == 0) {
    int status = 0;
    pid_t w = -1;
    do {
      w = ::waitpid(pid, &status, 0);
    } while (w < 0 && errno == EINTR);
    if (w == pid && WIFEXITED(status)) {
      r.rc = WEXITSTATUS(status);
    }
  }
  r.out = slurp(out_file);
  r.err = slurp(err_file);
  std::error_code ec;
  fs::remove(out_file, ec);
  fs::remove(err_file, ec);
  return r;
}

}  // namespace fsv::test
