// SPDX-License-Identifier: Apache-2.0
// The rules engine: pure functions from DeviceFacts to verdicts. It knows
// nothing about libudev, files or terminals.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fsv/facts.hpp"
#include "fsv/result.hpp"

namespace fsv {

/// Which KubeVirt to model: its discovery rules and what its Allocate hands
/// the VM (docs/validator.md, "Rule sets", says where each comes from).
enum class RuleSet {
  kubevirt_1_9_0,  ///< KubeVirt v1.9.0 as shipped
  kubevirt_main,   ///< KubeVirt main with pull request #18905 (the #18895 fix)
  pr16710,         ///< KubeVirt pull request #16710, its last head
};

/// One name --rules accepts. The only list of rule-set names: the CLI's
/// option check and help, the reports and the tests all read it.
struct RuleSetName {
  std::string_view name;
  RuleSet rules;
  bool alias;                    ///< another name for a set listed under its own name
  std::string_view description;  ///< what it models, one short line for --help
};

/// Every accepted name, canonical names first, then the aliases.
std::span<const RuleSetName> rule_set_names();
/// The canonical name of a set ("kubevirt-1.9.0", ...).
std::string_view to_string(RuleSet rules);
/// A name or alias; the error says what is allowed.
Result<RuleSet> parse_rule_set(std::string_view name);

/// The name used when --rules is not given: the alias of the newest KubeVirt
/// release this project has checked.
inline constexpr std::string_view kDefaultRuleSetName = "kubevirt";

/// Which KubeVirt device path to check: pciHostDevices (PCI functions,
/// SR-IOV VFs) or mediatedDevices (mdev instances).
enum class DevicePath { pci, mdev };

/// One name --path accepts. The only list of path names: the CLI's option
/// check and help, the reports and the tests all read it.
struct DevicePathName {
  std::string_view name;
  DevicePath path;
  std::string_view description;  ///< one short line for --help
};

std::span<const DevicePathName> device_path_names();
std::string_view to_string(DevicePath path);
/// A path name; the error says what is allowed.
Result<DevicePath> parse_device_path(std::string_view name);

/// The path used when --path is not given.
inline constexpr std::string_view kDefaultDevicePathName = "pci";

enum class Outcome { pass, fail, not_applicable };
std::string_view to_string(Outcome outcome);

/// The result of one rule on one device.
struct RuleResult {
  std::string id;  ///< stable identifier, e.g. "driver-allowed"
  Outcome outcome = Outcome::pass;
  std::string reason;  ///< plain reason when it failed, empty otherwise
};

enum class Verdict {
  discovered,  ///< KubeVirt advertises it and its health check passes
  skipped,     ///< KubeVirt leaves it out on purpose (a PF, a VF without a vGPU type)
  failed,      ///< meant to be a vGPU VF but would not be advertised, or unhealthy
};
std::string_view to_string(Verdict verdict);

/// What the device plugin's Allocate would put in the pod spec for a device,
/// and whether every host path of it exists (containerd refuses the pod
/// otherwise).
struct Allocation {
  /// False when KubeVirt never allocates the device (skipped, or no IOMMU
  /// group to name it by); the rest is then empty.
  bool applicable = false;
  std::vector<std::string> host_paths;  ///< the device specs' host paths, in Allocate's order
  std::vector<std::string> missing;     ///< those of host_paths that do not exist
  std::vector<std::string> left_out;    ///< cdev paths the rule set leaves out (kubevirt-main)
  std::vector<std::string> reasons;     ///< one per missing path
  RuleResult rule;                      ///< [allocate-host-paths]; its reason joins `reasons`
  [[nodiscard]] bool allocatable() const { return applicable && missing.empty(); }
};

struct Evaluation {
  Verdict verdict = Verdict::failed;
  std::vector<RuleResult> rules;              ///< every discovery/health rule, in order
  std::vector<std::string> reasons;           ///< reasons of the failed rules
  std::optional<std::string> vgpu_type_name;  ///< from creatable_vgpu_types, when listed
  bool passthrough = false;                   ///< bound to vfio-pci
  Allocation allocation;                      ///< what Allocate would hand the VM
};

// One function per rule. Rule identifiers are in brackets.
RuleResult rule_driver_bound(const DeviceFacts& d);                   // [driver-bound]
RuleResult rule_driver_allowed(const DeviceFacts& d, RuleSet rules);  // [driver-allowed]
RuleResult rule_not_pf(const DeviceFacts& d, RuleSet rules);          // [not-pf]
RuleResult rule_vgpu_type(const DeviceFacts& d);                      // [vgpu-type]
RuleResult rule_iommu_group(const DeviceFacts& d);                    // [iommu-group]
RuleResult rule_vfio_group_node(const DeviceFacts& d);                // [vfio-group-node]
RuleResult rule_vfio_dev_nodes(const DeviceFacts& d);                 // [vfio-dev-nodes]
RuleResult rule_iommu_group_exclusive(const DeviceFacts& d);          // [iommu-group-exclusive]

/// The host paths of the device specs Allocate returns for `d` under `rules`
/// (left_out: the cdev paths the set checks for and omits), and the rule
/// [allocate-host-paths]: every one of them exists. `verdict` is the
/// discovery verdict: a skipped device is never allocated.
Allocation rule_allocate_host_paths(const DeviceFacts& d, RuleSet rules, Verdict verdict);

/// Applies every rule, decides the verdict and predicts Allocate.
Evaluation evaluate(const DeviceFacts& d, RuleSet rules);

/// The name of vGPU type `type` in a creatable_vgpu_types listing, if listed.
std::optional<std::string> lookup_vgpu_type_name(std::string_view creatable, std::string_view type);

}  // namespace fsv
