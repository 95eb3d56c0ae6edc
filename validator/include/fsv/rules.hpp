// SPDX-License-Identifier: Apache-2.0
// The rules engine: pure functions from DeviceFacts to verdicts. It knows
// nothing about libudev, files or terminals.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fsv/facts.hpp"
#include "fsv/result.hpp"

namespace fsv {

/// Which discovery rules to apply.
enum class RuleSet {
  kubevirt,  ///< KubeVirt v1.9 as shipped
  pr16710,   ///< KubeVirt pull request #16710 (the seed's target)
};

std::string_view to_string(RuleSet rules);
Result<RuleSet> parse_rule_set(std::string_view name);

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

struct Evaluation {
  Verdict verdict = Verdict::failed;
  std::vector<RuleResult> rules;              ///< every rule, in evaluation order
  std::vector<std::string> reasons;           ///< reasons of the failed rules
  std::optional<std::string> vgpu_type_name;  ///< from creatable_vgpu_types, when listed
  bool passthrough = false;                   ///< bound to vfio-pci
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

/// Applies every rule and decides the verdict.
Evaluation evaluate(const DeviceFacts& d, RuleSet rules);

/// The name of vGPU type `type` in a creatable_vgpu_types listing, if listed.
std::optional<std::string> lookup_vgpu_type_name(std::string_view creatable, std::string_view type);

}  // namespace fsv
