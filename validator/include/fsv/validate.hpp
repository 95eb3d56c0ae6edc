// SPDX-License-Identifier: Apache-2.0
// One validation pass (scan, match, evaluate, count) and the --wait loop.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "fsv/config.hpp"
#include "fsv/facts.hpp"
#include "fsv/result.hpp"
#include "fsv/rules.hpp"
#include "fsv/source.hpp"

namespace fsv {

/// What the caller expects to be discovered.
struct Expectation {
  enum class Kind {
    any,    ///< at least one discovered and none failed
    exact,  ///< --expect N
    min,    ///< --expect-min N
  };
  Kind kind = Kind::any;
  unsigned count = 0;
};

struct DeviceReport {
  DeviceFacts facts;
  Selector selector;
  Evaluation evaluation;
};

struct Summary {
  unsigned matched = 0;
  unsigned discovered = 0;
  unsigned skipped = 0;
  unsigned failed = 0;
};

struct Report {
  RuleSet rules = RuleSet::kubevirt;
  std::string source_kind;
  std::string sysfs_root;
  std::string dev_root;
  std::vector<Selector> selectors;    ///< all, external ones included
  std::vector<DeviceReport> devices;  ///< matched devices, by address
  Summary summary;
  Expectation expectation;
  bool expectation_met = false;
  std::string expectation_message;  ///< e.g. "expected exactly 4 discovered, found 3"
  unsigned scans = 1;               ///< passes made (more than one with --wait)
};

struct ValidateOptions {
  RuleSet rules = RuleSet::kubevirt;
  std::vector<Selector> selectors;
  Expectation expectation;
};

/// Whether `s` meets `e`, with a one-line explanation.
bool expectation_holds(const Expectation& e, const Summary& s, std::string* message);

/// One pass: list devices, match PCI_ID against the non-external selectors, evaluate.
Result<Report> validate_once(DeviceSource& source, const FactReader& reader,
                             const ValidateOptions& options);

/// Repeats validate_once until the expectation holds or `wait` has passed. It
/// re-evaluates on every change event and at least every `recheck` (sysfs
/// attribute writes and /dev nodes raise no uevent).
Result<Report> validate_waiting(DeviceSource& source, const FactReader& reader,
                                const ValidateOptions& options, std::chrono::milliseconds wait,
                                std::chrono::milliseconds recheck = std::chrono::seconds(1));

}  // namespace fsv
