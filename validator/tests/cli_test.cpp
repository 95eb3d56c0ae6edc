// SPDX-License-Identifier: Apache-2.0
// The built binary as a subprocess: exit codes, formats, --version, --help, --wait.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "tree.hpp"

namespace {

using namespace std::chrono_literals;

struct Run {
  int rc = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Run run(const std::string& args) {
  // Per process and call: ctest runs test cases in parallel processes.
  static int calls = 0;
  const std::string err_file = ::testing::TempDir() + "fsv-cli-stderr-" +
                               std::to_string(::getpid()) + "-" + std::to_string(++calls) + ".txt";
  const std::string cmd =
      std::string("NO_COLOR= ") + FSV_VALIDATE_BIN + " " + args + " 2>" + err_file;
  Run r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    return r;
  }
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) {
    r.out.append(buf, n);
  }
  const int status = ::pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err_file);
  std::remove(err_file.c_str());
  return r;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 4; ++i) {
      tree_.add(fsv::test::vf(i));
    }
  }
  std::string roots() const {
    return "--sysfs-root " + tree_.sys().string() + " --dev-root " + tree_.dev().string() + " ";
  }
  fsv::test::Tree tree_;
};

TEST_F(Cli, ExitZeroWhenExpectationHolds) {
  auto r = run(roots() + "--expect 4");
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS: expected exactly 4 discovered"), std::string::npos);
  EXPECT_EQ(run(roots() + "--expect-min 3").rc, 0);
  EXPECT_EQ(run(roots()).rc, 0);
}

TEST_F(Cli, ExitOneWhenExpectationFails) {
  EXPECT_EQ(run(roots() + "--expect 5").rc, 1);
  EXPECT_EQ(run(roots() + "--expect-min 5").rc, 1);
  EXPECT_EQ(run(roots() + "--selector 10de:2236").rc, 1);  // nothing discovered
  auto spec = fsv::test::vf(4);
  spec.group.reset();
  tree_.add(spec);
  auto r = run(roots());  // default: none may fail
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("    - no iommu_group"), std::string::npos) << r.out;
}

TEST_F(Cli, ExitTwoForUsageAndEnvironmentErrors) {
  auto r = run("--bogus");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("fakesriov-validate:"), std::string::npos);
  EXPECT_EQ(run(roots() + "--expect 1 --expect-min 1").rc, 2);
  EXPECT_EQ(run(roots() + "--selector nvidia").rc, 2);
  EXPECT_EQ(run(roots() + "--rules nope").rc, 2);
  EXPECT_EQ(run(roots() + "--format xml").rc, 2);
  r = run("--sysfs-root /nonexistent");
  EXPECT_EQ(r.rc, 2);
  r = run("--sysfs-root " + tree_.root().string());  // no bus/pci/devices there
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("bus/pci/devices"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  r = run(roots() + "--kubevirt-cr /nonexistent.yaml");
  EXPECT_EQ(r.rc, 2);
  const std::string bad = tree_.root().string() + "/bad.yaml";
  std::ofstream(bad) << "spec: [unclosed\n";
  r = run(roots() + "--kubevirt-cr " + bad);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("bad KubeVirt CR"), std::string::npos) << r.err;
  r = run(roots() + "--snapshot " + tree_.root().string());  // not empty
  EXPECT_EQ(r.rc, 2);
}

TEST_F(Cli, KubevirtCrGivesResourceNamesAndExternalSelectors) {
  const std::string cr = tree_.root().string() + "/cr.yaml";
  std::ofstream(cr) << "kind: KubeVirt\nspec:\n  configuration:\n    permittedHostDevices:\n"
                       "      pciHostDevices:\n"
                       "      - {pciVendorSelector: 10DE:1EB8, resourceName: nvidia.com/T4}\n"
                       "      - {pciVendorSelector: 10de:2236, resourceName: nvidia.com/A10, "
                       "externalResourceProvider: true}\n";
  auto r = run(roots() + "--kubevirt-cr " + cr + " --format json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["devices"][0]["resource_name"], "nvidia.com/T4");
  EXPECT_EQ(j["selectors"][1]["checked"], false);
}

TEST_F(Cli, FormatsAreComplete) {
  auto r = run(roots() + "--expect 4 --format json");
  ASSERT_EQ(r.rc, 0);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["summary"]["discovered"], 4);
  EXPECT_EQ(j["tool"]["version"], FSV_VERSION_STRING);
  r = run(roots() + "--format junit");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("<testsuites"), std::string::npos);
  r = run(roots() + "--quiet");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, "");
  r = run(roots() + "--color always");
  EXPECT_NE(r.out.find('\033'), std::string::npos);
  r = run(roots());
  EXPECT_EQ(r.out.find('\033'), std::string::npos);  // not a TTY
}

TEST_F(Cli, RulesOption) {
  auto spec = fsv::test::vf(4);
  spec.driver = "nouveau";
  tree_.add(spec);
  EXPECT_EQ(run(roots() + "--expect 5").rc, 1);
  EXPECT_EQ(run(roots() + "--expect 5 --rules pr16710").rc, 0);
}

TEST_F(Cli, VersionAndHelp) {
  auto r = run("--version");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, std::string("fakesriov-validate ") + FSV_VERSION_STRING + "\n");
  r = run("--help");
  EXPECT_EQ(r.rc, 0);
  for (const char* section : {"Usage:", "EXIT STATUS", "RULES", "EXAMPLES", "--kubevirt-cr"}) {
    EXPECT_NE(r.out.find(section), std::string::npos) << section;
  }
}

TEST_F(Cli, WaitForLateDevices) {
  std::thread late([this] {
    std::this_thread::sleep_for(500ms);
    tree_.add(fsv::test::vf(4));
  });
  auto r = run(roots() + "--expect 5 --wait 20");
  late.join();
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  r = run(roots() + "--expect 6 --wait 0.3");
  EXPECT_EQ(r.rc, 1);
}

TEST_F(Cli, SnapshotRoundTrip) {
  const std::string snap = tree_.root().string() + "/snap";
  auto r = run(roots() + "--snapshot " + snap + " --format json");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto again = run("--sysfs-root " + snap + "/sys --dev-root " + snap + "/dev --format json");
  ASSERT_EQ(again.rc, 0) << again.err;
  auto a = nlohmann::json::parse(r.out);
  auto b = nlohmann::json::parse(again.out);
  EXPECT_EQ(a["summary"], b["summary"]);
}

}  // namespace
