// SPDX-License-Identifier: Apache-2.0
// KubeVirt's discovery rules (docs/validator.md, "Rules"), one function each.
#include "fsv/rules.hpp"

#include <algorithm>
#include <array>

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

// Canonical names first (to_string returns them), then aliases.
constexpr std::array kRuleSetNames{
    RuleSetName{"kubevirt-1.9.0", RuleSet::kubevirt_1_9_0, false, "KubeVirt v1.9.0 as shipped"},
    RuleSetName{"kubevirt-main", RuleSet::kubevirt_main, false,
                "KubeVirt main with pull request #18905"},
    RuleSetName{"pr16710", RuleSet::pr16710, false, "KubeVirt pull request #16710, last head"},
    RuleSetName{kDefaultRuleSetName, RuleSet::kubevirt_1_9_0, true,
                "the newest KubeVirt release checked (default)"},
};

constexpr std::array kDevicePathNames{
    DevicePathName{kDefaultDevicePathName, DevicePath::pci,
                   "pciHostDevices: PCI functions (SR-IOV VFs), the default"},
    DevicePathName{"mdev", DevicePath::mdev, "mediatedDevices: mdev instances (vGPUs)"},
};

}  // namespace

std::span<const DevicePathName> device_path_names() { return kDevicePathNames; }

std::string_view to_string(DevicePath path) {
  for (const auto& n : kDevicePathNames) {
    if (n.path == path) {
      return n.name;
    }
  }
  return "?";
}

Result<DevicePath> parse_device_path(std::string_view name) {
  std::vector<std::string> allowed;
  for (const auto& n : kDevicePathNames) {
    if (n.name == name) {
      return n.path;
    }
    allowed.emplace_back(n.name);
  }
  return Error{"unknown device path '" + std::string(name) + "' (allowed: " +
               io::join(allowed, ", ") + ")"};
}

std::span<const RuleSetName> rule_set_names() { return kRuleSetNames; }

std::string_view to_string(RuleSet rules) {
  for (const auto& n : kRuleSetNames) {
    if (n.rules == rules && !n.alias) {
      return n.name;
    }
  }
  return "?";
}

Result<RuleSet> parse_rule_set(std::string_view name) {
  std::vector<std::string> allowed;
  for (const auto& n : kRuleSetNames) {
    if (n.name == name) {
      return n.rules;
    }
    allowed.push_back(n.alias ? std::string(n.name) + " (= " + std::string(to_string(n.rules)) + ")"
                              : std::string(n.name));
  }
  return Error{"unknown rule set '" + std::string(name) + "' (allowed: " + io::join(allowed, ", ") +
               ")"};
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
  if (rules != RuleSet::pr16710 && *d.driver != kNvidia) {
    return fail("driver-allowed", "driver is " + *d.driver + ", not nvidia");
  }
  return pass("driver-allowed");
}

RuleResult rule_not_pf(const DeviceFacts& d, RuleSet rules) {
  if (rules == RuleSet::pr16710) {
    // The pull request's last head tests for virtfn* entries after the driver
    // check, for vfio-pci devices as well.
    if (!d.virtfns.empty()) {
      return fail("not-pf", "is a PF (has " + d.virtfns.front() + ")");
    }
    return pass("not-pf");
  }
  // KubeVirt v1.9.0 and main: only the non-vfio-pci path has a PF test.
  if (is_passthrough(d)) {
    return not_applicable("not-pf");
  }
  if (d.has_sriov_totalvfs) {
    return fail("not-pf", "is a PF (has sriov_totalvfs)");
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

Allocation rule_allocate_host_paths(const DeviceFacts& d, RuleSet rules, Verdict verdict) {
  constexpr std::string_view kId = "allocate-host-paths";
  Allocation a;
  if (verdict == Verdict::skipped || !d.iommu_group) {
    a.rule = not_applicable(std::string(kId));
    return a;
  }
  a.applicable = true;
  // Every set hands the VFIO container and the device's group.
  a.host_paths.emplace_back("/dev/vfio/vfio");
  if (!d.vfio_container_node_exists) {
    a.missing.emplace_back("/dev/vfio/vfio");
  }
  a.host_paths.push_back("/dev/vfio/" + *d.iommu_group);
  if (!d.vfio_group_node_exists) {
    a.missing.push_back(a.host_paths.back());
  }
  // v1.9.0 adds /dev/vfio/devices/X for every entry X of vfio-dev/; main
  // (after #18905) only those whose node exists; #16710's head predates the
  // cdev paths and adds none.
  if (rules != RuleSet::pr16710) {
    for (const auto& entry : d.vfio_dev) {
      std::string path = "/dev/vfio/devices/" + entry;
      const bool absent = std::find(d.vfio_dev_without_node.begin(), d.vfio_dev_without_node.end(),
                                    entry) != d.vfio_dev_without_node.end();
      if (absent && rules == RuleSet::kubevirt_main) {
        a.left_out.push_back(std::move(path));
        continue;
      }
      if (absent) {
        a.missing.push_back(path);
      }
      a.host_paths.push_back(std::move(path));
    }
  }
  if (a.missing.empty()) {
    a.rule = pass(std::string(kId));
    return a;
  }
  a.reasons.reserve(a.missing.size());
  for (const auto& path : a.missing) {
    std::string r = "Allocate hands " + path + ", which does not exist: the pod is refused";
    if (path.rfind("/dev/vfio/devices/", 0) == 0) {
      r += " (kubevirt issue #18895)";
    }
    a.reasons.push_back(std::move(r));
  }
  a.rule = fail(std::string(kId), io::join(a.reasons, "; "));
  return a;
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
  e.allocation = rule_allocate_host_paths(d, rules, e.verdict);
  if (d.current_vgpu_type && d.creatable_vgpu_types) {
    e.vgpu_type_name = lookup_vgpu_type_name(*d.creatable_vgpu_types, *d.current_vgpu_type);
  }
  return e;
}

}  // namespace fsv
