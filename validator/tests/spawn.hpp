// SPDX-License-Identifier: Apache-2.0
// Runs a program for the tests without a shell: no quoting, no command
// processor between the test and the program it checks.
#pragma once

#include <string>
#include <vector>

namespace fsv::test {

struct Spawned {
  int rc = -1;      ///< exit status; -1 when it could not start or was killed
  std::string out;  ///< its stdout
  std::string err;  ///< its stderr
};

/// Runs argv[0] (searched in PATH when it has no '/') with argv, its
/// environment that of the test plus env ("NAME=VALUE" entries, replacing
/// any of the same NAME), and waits for it.
Spawned spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

/// Splits a command line on blanks (no quoting: the tests' paths have none).
std::vector<std::string> split_args(const std::string& line);

}  // namespace fsv::test
