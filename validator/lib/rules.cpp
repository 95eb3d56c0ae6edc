// SPDX-License-Identifier: Apache-2.0
// KubeVirt's discovery rules (docs/validator.md, "Rules"), one function each.
#include "fsv/rules.hpp"

#include <algorithm>

namespace fsv {

namespace {

constexpr std::string_view kVfioPci = "vfio-pci";
constexpr std::string_view kNvidia = "nvidia";

RuleResult pass(std::string id) { return {std::move(id), Outcome::pass, {}}; }
RuleResult fail(std::string id, std::string reason) {
  return {std::move(id), Outcome::fail, std::move(reason)};
}
RuleResult not_applicable(std::string id) { return {std::move(id), Outcome::not_applicable, {}}; }

bool is_passthrough(const DeviceFacts& d) { return d.driver && *d.driver == kVfioPci; }

}  // namespace

std::string_view to_string(RuleSet rules) {
  switch (rules) {
    case RuleSet::kubevirt:
      return "kubevirt";
    case RuleSet::pr16710:
      return "pr16710";
  }
  return "?";
}

Result<RuleSet> parse_rule_set(std::string_view name) {
  if (name == "kubevirt") {
    return RuleSet::kubevirt;
  }
  if (name == "pr16710") {
    return RuleSet::pr16710;
  }
  return Error{"unknown rule set '" + std::string(name) + "' (kubevirt or pr16710)"};
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass:
      return "pass";
    case Outcome::fail:
      return "fail";
    case Outcome::not_applicable:
      return "n/a";
  }
  return "?";
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::discovered:
      return "discovered";
    case Verdict::skipped:
      return "skipped";
    case Verdict::failed:
      return "failed";
  }
  return "?";
}

RuleResult rule_driver_bound(const DeviceFacts& d) {
  if (!d.driver) {
    return fail("driver-bound", "no driver bound");
  }
  return pass("driver-bound");
}

RuleResult rule_driver_allowed(const DeviceFacts& d, RuleSet rules) {
  if (!d.driver) {
    return not_applicable("driver-allowed");
  }
  if (*d.driver == kVfioPci) {
    return pass("driver-allowed");
  }
  if (rules == RuleSet::kubevirt && *d.driver != kNvidia) {
    return fail("driver-allowed", "driver is " + *d.driver + ", not nvidia");
  }
  return pass("driver-allowed");
}

RuleResult rule_not_pf(const DeviceFacts& d, RuleSet rules) {
  if (is_passthrough(d)) {
    return not_applicable("not-pf");
  }
  if (rules == RuleSet::kubevirt && d.has_sriov_totalvfs) {
    return fail("not-pf", "is a PF (has sriov_totalvfs)");
  }
  if (rules == RuleSet::pr16710 && !d.virtfns.empty()) {
    return fail("not-pf", "is a PF (has " + d.virtfns.front() + ")");
  }
  return pass("not-pf");
}

RuleResult rule_vgpu_type(const DeviceFacts& d) {
  if (is_passthrough(d)) {
    return not_applicable("vgpu-type");
  }
  if (!d.current_vgpu_type) {
    return fail("vgpu-type", d.has_nvidia_dir ? "nvidia/current_vgpu_type unreadable"
                                              : "no nvidia/current_vgpu_type");
  }
  if (d.current_vgpu_type->empty()) {
    return fail("vgpu-type", "current_vgpu_type is empty");
  }
  // KubeVirt compares strings: "00" passes.
  if (*d.current_vgpu_type == "0") {
    return fail("vgpu-type", "current_vgpu_type is 0");
  }
  return pass("vgpu-type");
}

RuleResult rule_iommu_group(const DeviceFacts& d) {
  if (!d.iommu_group) {
    return fail("iommu-group", "no iommu_group");
  }
  return pass("iommu-group");
}

RuleResult rule_vfio_group_node(const DeviceFacts& d) {
  if (!d.iommu_group) {
    return not_applicable("vfio-group-node");
  }
  if (!d.vfio_group_node_exists) {
    return fail("vfio-group-node", "/dev/vfio/" + *d.iommu_group + " missing");
  }
  return pass("vfio-group-node");
}

RuleResult rule_vfio_dev_nodes(const DeviceFacts& d) {
  if (d.vfio_dev.empty()) {
    return not_applicable("vfio-dev-nodes");
  }
  if (!d.vfio_dev_nodes_missing.empty()) {
    std::vector<std::string> paths;
    paths.reserve(d.vfio_dev_nodes_missing.size());
    for (const auto& name : d.vfio_dev_nodes_missing) {
      paths.push_back("/dev/vfio/devices/" + name);
    }
    return fail("vfio-dev-nodes", io::join(paths, ", ") + " missing");
  }
  return pass("vfio-dev-nodes");
}

RuleResult rule_iommu_group_exclusive(const DeviceFacts& d) {
  if (!d.iommu_group || !d.iommu_group_members) {
    return not_applicable("iommu-group-exclusive");
  }
  std::vector<std::string> others;
  for (const auto& member : *d.iommu_group_members) {
    if (member != d.address) {
      others.push_back(member);
    }
  }
  if (!others.empty()) {
    return fail("iommu-group-exclusive",
                "iommu group " + *d.iommu_group + " shared with " + io::join(others, ", "));
  }
  return pass("iommu-group-exclusive");
}

std::optional<std::string> lookup_vgpu_type_name(std::string_view creatable,
                                                 std::string_view type) {
  // Layout: a header "ID    : vGPU Name", then one "%-5d : %s" line per type.
  const std::string wanted = io::trim(type);
  while (!creatable.empty()) {
    const auto nl = creatable.find('\n');
    const std::string_view line = creatable.substr(0, nl);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && io::trim(line.substr(0, colon)) == wanted) {
      std::string name = io::trim(line.substr(colon + 1));
      if (!name.empty()) {
        return name;
      }
    }
    if (nl == std::string_view::npos) {
      break;
    }
    creatable.remove_prefix(nl + 1);
  }
  return std::nullopt;
}

Evaluation evaluate(const DeviceFacts& d, RuleSet rules) {
  Evaluation e;
  e.passthrough = is_passthrough(d);
  e.rules = {
      rule_driver_bound(d),   rule_driver_allowed(d, rules), rule_not_pf(d, rules),
      rule_vgpu_type(d),      rule_iommu_group(d),           rule_vfio_group_node(d),
      rule_vfio_dev_nodes(d), rule_iommu_group_exclusive(d),
  };
  bool any_failed = false;
  bool intended_skip = false;
  for (const auto& r : e.rules) {
    if (r.outcome != Outcome::fail) {
      continue;
    }
    any_failed = true;
    e.reasons.push_back(r.reason);
    // A PF, or a VF with no vGPU type, is left out on purpose.
    if (r.id == "not-pf" || r.id == "vgpu-type") {
      intended_skip = true;
    }
  }
  if (intended_skip) {
    e.verdict = Verdict::skipped;
  } else if (any_failed) {
    e.verdict = Verdict::failed;
  } else {
    e.verdict = Verdict::discovered;
  }
  if (d.current_vgpu_type && d.creatable_vgpu_types) {
    e.vgpu_type_name = lookup_vgpu_type_name(*d.creatable_vgpu_types, *d.current_vgpu_type);
  }
  return e;
}

}  // namespace fsv
