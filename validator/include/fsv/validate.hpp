// SPDX-License-Identifier: Apache-2.0
// One validation pass (scan, match, evaluate, count) and the --wait loop.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fsv/config.hpp"
#include "fsv/facts.hpp"
#include "fsv/mdev.hpp"
#include "fsv/result.hpp"
#include "fsv/rules.hpp"
#include "fsv/source.hpp"

namespace fsv {

/// What the caller expects: counts are of devices that are discovered and
/// allocatable (Allocate's pod spec names only host paths that exist).
struct Expectation {
  enum class Kind {
    any,    ///< at least one discovered and allocatable, none failed or not allocatable
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

/// One mdev instance of the report (the mdev path).
struct MdevReport {
  MdevFacts facts;
  MdevSelector selector;  ///< the selector it matched (all instances: its own type name)
  Evaluation evaluation;
  std::string env_var;  ///< MDEV_PCI_RESOURCE_<NAME>, the variable Allocate sets to the UUIDs
};

/// What the mediated device plugin's Allocate names the resource's variable:
/// util.ResourceNameToEnvVar("MDEV_PCI_RESOURCE", name).
std::string mdev_env_var(std::string_view resource_name);

struct Summary {
  unsigned matched = 0;
  unsigned discovered = 0;
  unsigned skipped = 0;
  unsigned failed = 0;
  unsigned allocatable = 0;      ///< discovered and allocatable: what --expect counts
  unsigned not_allocatable = 0;  ///< discovered, but Allocate names a host path that is absent
};

struct Report {
  DevicePath path = DevicePath::pci;
  RuleSet rules = RuleSet::kubevirt_1_9_0;
  std::string rules_name{kDefaultRuleSetName};  ///< the name asked for (maybe an alias)
  std::string source_kind;
  std::string sysfs_root;
  std::string dev_root;
  std::vector<Selector> selectors;    ///< all, external ones included
  std::vector<DeviceReport> devices;  ///< matched devices, by address
  Summary summary;
  Expectation expectation;
  bool expectation_met = false;
  std::string
      expectation_message;  ///< e.g. "expected exactly 4 discovered and allocatable, found 3"
  unsigned scans = 1;       ///< passes made (more than one with --wait)
  /// Seconds validate_waiting waited (--wait given); unset for one pass.
  std::optional<double> waited_s;
  /// Why nothing may have matched (set by the caller for the live system,
  /// see no_match_hint); empty when there is no hint.
  std::string hint;
  // The mdev path (path == DevicePath::mdev); empty otherwise.
  std::vector<MdevSelector> mdev_selectors;  ///< all, external ones included
  bool mdev_all = false;                     ///< no selector: every instance is checked
  std::vector<MdevReport> mdevs;             ///< matched instances, by UUID
  std::vector<MdevTypeSummary> mdev_types;   ///< every type of the node
  /// Checks of the CR and the node (mdev-resource-name, mdev-desired-type);
  /// a failed one fails the expectation.
  std::vector<NodeCheck> checks;
};

struct ValidateOptions {
  DevicePath path = DevicePath::pci;
  RuleSet rules = RuleSet::kubevirt_1_9_0;
  std::string rules_name{kDefaultRuleSetName};  ///< as given to --rules, for the reports
  std::vector<Selector> selectors;
  Expectation expectation;
  // The mdev path: --mdev-name selectors, and the CR's part (when given).
  std::vector<MdevSelector> mdev_names;
  std::optional<MdevConfig> mdev_cr;
};

/// Whether `s` meets `e`, with a one-line explanation.
bool expectation_holds(const Expectation& e, const Summary& s, std::string* message);

/// One pass: list devices, match PCI_ID against the non-external selectors,
/// evaluate; on the mdev path list /sys/bus/mdev/devices and the types,
/// match type names, evaluate and run the node checks.
Result<Report> validate_once(DeviceSource& source, const FactReader& reader,
                             const ValidateOptions& options);

/// When nothing matched (no PCI device, or no mdev instance on the mdev
/// path): a line saying why that may be so on a live node (module not
/// loaded, no mdev instance created), naming the selectors; "" otherwise.
std::string no_match_hint(const Report& report);

/// Called after each pass of validate_waiting with the report and the time
/// waited so far.
using WaitProgress = std::function<void(const Report&, std::chrono::milliseconds waited)>;

/// Repeats validate_once until the expectation holds or `wait` has passed. It
/// re-evaluates on every change event and at least every `recheck` (sysfs
/// attribute writes and /dev nodes raise no uevent). The report's waited_s
/// says how long it waited; `progress`, when set, is called after each pass.
Result<Report> validate_waiting(DeviceSource& source, const FactReader& reader,
                                const ValidateOptions& options, std::chrono::milliseconds wait,
                                std::chrono::milliseconds recheck = std::chrono::seconds(1),
                                const WaitProgress& progress = {});

}  // namespace fsv
