// SPDX-License-Identifier: Apache-2.0
// The mdev path (docs/validator.md, "The mdev path"): facts, rules, checks.
#include "fsv/mdev.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <map>
#include <system_error>

#include <sys/stat.h>

#include "fsv/facts.hpp"

namespace fsv {

namespace fs = std::filesystem;

namespace {

RuleResult pass(std::string id) { return {std::move(id), Outcome::pass, {}}; }
RuleResult fail(std::string id, std::string reason) {
  return {std::move(id), Outcome::fail, std::move(reason)};
}
RuleResult not_applicable(std::string id) { return {std::move(id), Outcome::not_applicable, {}}; }


std::string first_line(std::string_view s) { return io::trim(s.substr(0, s.find('\n'))); }

std::optional<std::string> read_trimmed(const fs::path& p) {
  auto content = io::read_file(p);
  if (!content) {
    return std::nullopt;
  }
  return io::trim(*content);
}

std::string bus_path(const MdevFacts& m) { return "/sys/bus/mdev/devices/" + m.uuid; }

}  // namespace

std::string mdev_type_key(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), ' ', '_');
  return io::trim(out);
}

Result<MdevSelector> mdev_selector_from_arg(std::string_view arg) {
  std::string name = mdev_type_key(arg);
  if (name.empty()) {
    return Error{"--mdev-name needs a type name (e.g. GRID_T4-1B)"};
  }
  return MdevSelector{name, name, false};
}

std::optional<long> parse_available_instances(std::string_view raw) {
  const std::string line = first_line(raw);
  long value = 0;
  const char* first = line.data();
  const char* last = first + line.size();
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (line.empty() || ec != std::errc() || ptr != last) {
    return std::nullopt;
  }
  return value;
}

std::optional<unsigned> parse_max_instance(std::string_view description) {
  constexpr std::string_view key = "max_instance=";
  const auto pos = description.find(key);
  if (pos == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view rest = description.substr(pos + key.size());
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (ec != std::errc() || ptr == rest.data()) {
    return std::nullopt;
  }
  return value;
}

MdevReader::MdevReader(fs::path sysfs_root, fs::path dev_root)
    : sysfs_root_(std::move(sysfs_root)), dev_root_(std::move(dev_root)) {}

std::vector<std::string> MdevReader::list_instances() const {
  return io::sorted_entries(sysfs_root_ / "bus" / "mdev" / "devices");
}

MdevFacts MdevReader::read(const std::string& uuid) const {
  MdevFacts m;
  m.uuid = uuid;
  const fs::path bus = sysfs_root_ / "bus" / "mdev" / "devices" / uuid;
  m.syspath = bus.string();
  struct stat st {};
  m.is_link = ::lstat(bus.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
  // KubeVirt's GetMdevParentPCIAddr: the base name of the link target's directory.
  if (const auto target = io::read_link(bus)) {
    const fs::path t = fs::path(*target).lexically_normal();
    const std::string parent = t.parent_path().filename().string();
    if (!parent.empty() && parent != "." && parent != "..") {
      m.parent = parent;
    }
  }
  std::error_code ec;
  const fs::path real = fs::canonical(bus, ec);
  if (!ec) {
    m.realpath = real.string();
    m.parent_dir_exists = fs::is_directory(real.parent_path(), ec);
  }
  m.type_id = io::link_basename(bus / "mdev_type");
  // getMdevTypeName: mdev_type/name, or the link's base name when name does
  // not exist; spaces to underscores, trimmed.
  m.type_name_raw = io::read_file(bus / "mdev_type" / "name");
  if (m.type_name_raw) {
    m.type_name = mdev_type_key(*m.type_name_raw);
    m.type_name_raw = io::trim(*m.type_name_raw);
  } else {
    m.type_name_missing = ::lstat((bus / "mdev_type" / "name").c_str(), &st) != 0 && errno == ENOENT;
    if (m.type_name_missing && m.type_id) {
      m.type_name = mdev_type_key(*m.type_id);
    }
  }
  if (auto avail = io::read_file(bus / "mdev_type" / "available_instances")) {
    m.available_instances_raw = first_line(*avail);
    m.available_instances = parse_available_instances(*avail);
  }
  m.driver = io::link_basename(bus / "driver");
  m.iommu_group = io::link_basename(bus / "iommu_group");
  m.vfio_container_node_exists = io::exists_any_type(dev_root_ / "vfio" / "vfio");
  if (m.iommu_group) {
    m.vfio_group_node_exists = io::exists_any_type(dev_root_ / "vfio" / *m.iommu_group);
    const fs::path members = sysfs_root_ / "kernel" / "iommu_groups" / *m.iommu_group / "devices";
    if (fs::is_directory(members, ec)) {
      m.iommu_group_members = io::sorted_entries(members);
    }
  }
  if (m.parent) {
    const fs::path numa = sysfs_root_ / "bus" / "pci" / "devices" / *m.parent / "numa_node";
    m.numa_node_exists = io::exists_any_type(numa);
    if (m.numa_node_exists) {
      if (auto n = io::read_file(numa)) {
        m.numa_node_raw = io::trim(*n);
        int value = -1;
        const char* first = m.numa_node_raw.data();
        const char* last = first + m.numa_node_raw.size();
        const auto [ptr, perr] = std::from_chars(first, last, value);
        m.numa_node = (perr == std::errc() && ptr == last && !m.numa_node_raw.empty()) ? value : -1;
      } else {
        m.numa_node_read_failed = true;
      }
    }
  }
  return m;
}

std::vector<MdevTypeDir> MdevReader::list_types() const {
  std::vector<MdevTypeDir> out;
  const fs::path bus = sysfs_root_ / "class" / "mdev_bus";
  for (const auto& parent : io::sorted_entries(bus)) {
    const fs::path types = bus / parent / "mdev_supported_types";
    for (const auto& id : io::sorted_entries(types)) {
      const fs::path dir = types / id;
      MdevTypeDir t;
      t.parent = parent;
      t.id = id;
      t.name = read_trimmed(dir / "name");
      t.description = read_trimmed(dir / "description");
      if (auto avail = io::read_file(dir / "available_instances")) {
        t.available_instances_raw = first_line(*avail);
        t.available_instances = parse_available_instances(*avail);
      }
      if (t.description) {
        t.max_instance = parse_max_instance(*t.description);
      }
      t.device_api = read_trimmed(dir / "device_api");
      t.instances = static_cast<unsigned>(io::sorted_entries(dir / "devices").size());
      out.push_back(std::move(t));
    }
  }
  return out;
}

std::vector<MdevTypeSummary> summarize_mdev_types(const std::vector<MdevTypeDir>& dirs) {
  std::map<std::string, MdevTypeSummary> by_id;
  for (const auto& d : dirs) {
    auto& s = by_id[d.id];
    s.id = d.id;
    if (!s.name && d.name) {
      s.name = d.name;
    }
    s.parents.push_back(d.parent);
    if (d.max_instance) {
      s.max_instance_total += *d.max_instance;
      s.max_instance_known = true;
    }
    if (d.available_instances) {
      s.available_instances += *d.available_instances;
    }
    s.instances += d.instances;
  }
  std::vector<MdevTypeSummary> out;
  out.reserve(by_id.size());
  for (auto& [id, s] : by_id) {
    s.key = s.name ? mdev_type_key(*s.name) : id;
    out.push_back(std::move(s));
  }
  return out;
}

RuleResult rule_mdev_type_name(const MdevFacts& m) {
  constexpr std::string_view kId = "mdev-type-name";
  if (!m.type_name) {
    if (!m.type_id) {
      return fail(std::string(kId), "no mdev_type link: the type name cannot be read");
    }
    return fail(std::string(kId), "mdev_type/name of " + *m.type_id + " unreadable");
  }
  if (m.type_name->empty()) {
    return fail(std::string(kId), "the mdev type name is empty");
  }
  return pass(std::string(kId));
}

RuleResult rule_mdev_parent(const MdevFacts& m) {
  constexpr std::string_view kId = "mdev-parent";
  if (!m.is_link) {
    return fail(std::string(kId), bus_path(m) + " is not a symlink: KubeVirt skips it");
  }
  if (!m.parent) {
    return fail(std::string(kId), bus_path(m) + " names no parent device");
  }
  if (!m.parent_dir_exists) {
    return fail(std::string(kId), bus_path(m) + " does not resolve (parent " + *m.parent +
                                      " or the instance directory is missing)");
  }
  return pass(std::string(kId));
}

RuleResult rule_mdev_numa_node(const MdevFacts& m) {
  constexpr std::string_view kId = "mdev-numa-node";
  if (!m.parent) {
    return not_applicable(std::string(kId));
  }
  if (m.numa_node_read_failed) {
    return fail(std::string(kId), "/sys/bus/pci/devices/" + *m.parent + "/numa_node unreadable");
  }
  return pass(std::string(kId));
}

RuleResult rule_mdev_available_instances(const MdevFacts& m) {
  constexpr std::string_view kId = "mdev-available-instances";
  if (!m.type_id) {
    return not_applicable(std::string(kId));
  }
  const std::string file = "available_instances of " + *m.type_id;
  if (!m.available_instances_raw) {
    return fail(std::string(kId), file + " unreadable");
  }
  if (!m.available_instances) {
    return fail(std::string(kId),
                file + (m.available_instances_raw->empty()
                            ? std::string(" is empty")
                            : " is '" + *m.available_instances_raw + "'") +
                    ", not an integer: KubeVirt's mdev manager panics on it");
  }
  return pass(std::string(kId));
}

RuleResult rule_mdev_iommu_group(const MdevFacts& m) {
  if (!m.iommu_group) {
    return fail("mdev-iommu-group", "no iommu_group");
  }
  return pass("mdev-iommu-group");
}

RuleResult rule_mdev_vfio_group_node(const MdevFacts& m) {
  if (!m.iommu_group) {
    return not_applicable("mdev-vfio-group-node");
  }
  if (!m.vfio_group_node_exists) {
    return fail("mdev-vfio-group-node", "/dev/vfio/" + *m.iommu_group + " missing");
  }
  return pass("mdev-vfio-group-node");
}

RuleResult rule_mdev_iommu_group_exclusive(const MdevFacts& m) {
  constexpr std::string_view kId = "mdev-iommu-group-exclusive";
  if (!m.iommu_group || !m.iommu_group_members) {
    return not_applicable(std::string(kId));
  }
  std::vector<std::string> others;
  for (const auto& member : *m.iommu_group_members) {
    if (member != m.uuid) {
      others.push_back(member);
    }
  }
  if (!others.empty()) {
    return fail(std::string(kId),
                "iommu group " + *m.iommu_group + " shared with " + io::join(others, ", "));
  }
  return pass(std::string(kId));
}

Allocation rule_mdev_allocate_host_paths(const MdevFacts& m, Verdict verdict) {
  constexpr std::string_view kId = "allocate-host-paths";
  Allocation a;
  if (verdict == Verdict::skipped || !m.iommu_group) {
    a.rule = not_applicable(std::string(kId));
    return a;
  }
  a.applicable = true;
  a.host_paths.emplace_back("/dev/vfio/vfio");
  if (!m.vfio_container_node_exists) {
    a.missing.emplace_back("/dev/vfio/vfio");
    a.reasons.emplace_back("Allocate hands /dev/vfio/vfio, which does not exist: the pod is refused");
  }
  a.host_paths.push_back("/dev/vfio/" + *m.iommu_group);
  if (!m.vfio_group_node_exists) {
    a.missing.push_back(a.host_paths.back());
    a.reasons.push_back("Allocate stats /dev/vfio/" + *m.iommu_group +
                        ", which does not exist: the allocation fails");
  }
  a.rule = a.missing.empty() ? pass(std::string(kId))
                             : fail(std::string(kId), io::join(a.reasons, "; "));
  return a;
}

Evaluation evaluate_mdev(const MdevFacts& m) {
  Evaluation e;
  e.rules = {
      rule_mdev_type_name(m),    rule_mdev_parent(m),          rule_mdev_numa_node(m),
      rule_mdev_available_instances(m), rule_mdev_iommu_group(m), rule_mdev_vfio_group_node(m),
      rule_mdev_iommu_group_exclusive(m),
  };
  for (const auto& r : e.rules) {
    if (r.outcome == Outcome::fail) {
      e.reasons.push_back(r.reason);
    }
  }
  e.verdict = e.reasons.empty() ? Verdict::discovered : Verdict::failed;
  e.allocation = rule_mdev_allocate_host_paths(m, e.verdict);
  e.vgpu_type_name = m.type_name_raw;
  return e;
}

std::vector<NodeCheck> check_mdev_resource_names(const std::vector<MdevSelector>& selectors) {
  constexpr std::string_view kId = "mdev-resource-name";
  std::vector<NodeCheck> out;
  for (size_t i = 0; i < selectors.size(); ++i) {
    const auto& s = selectors[i];
    if (s.external) {
      continue;
    }
    NodeCheck c;
    c.subject = "mediatedDevices[" + std::to_string(i) + "] " + s.resource_name;
    c.rule = s.resource_name.find('/') == std::string::npos
                 ? fail(std::string(kId),
                        "resourceName '" + s.resource_name +
                            "' has no '/': KubeVirt's mediated device plugin panics on it "
                            "(write e.g. nvidia.com/" +
                            s.resource_name + ")")
                 : pass(std::string(kId));
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<NodeCheck> check_mdev_desired_types(const MdevConfig& config,
                                                const std::vector<MdevTypeSummary>& types) {
  constexpr std::string_view kId = "mdev-desired-type";
  std::vector<NodeCheck> out;
  if (!config.desired_types) {
    return out;
  }
  std::vector<std::string> known;
  known.reserve(types.size());
  for (const auto& t : types) {
    known.push_back(t.id + " (" + t.key + ")");
  }
  for (size_t i = 0; i < config.desired_types->size(); ++i) {
    const std::string& want = (*config.desired_types)[i];
    NodeCheck c;
    c.subject = config.desired_types_key + "[" + std::to_string(i) + "] " + want;
    if (want.find(' ') != std::string::npos) {
      std::string hint = "the type directory name, e.g. nvidia-223, or the name with underscores";
      for (const auto& t : types) {
        if (t.name && *t.name == io::trim(want)) {
          hint = t.id + " or " + t.key;
        }
      }
      std::string reason = "'" + want;
      reason += "' contains a space: KubeVirt matches it against no type (write ";
      reason += hint;
      reason += ")";
      c.rule = fail(std::string(kId), std::move(reason));
    } else {
      const bool found = std::any_of(types.begin(), types.end(), [&want](const auto& t) {
        return t.id == want || t.key == want;
      });
      c.rule = found ? pass(std::string(kId))
                     : fail(std::string(kId),
                            "'" + want + "' names no mdev type of this node (" +
                                (known.empty() ? std::string("it has none")
                                               : "types: " + io::join(known, ", ")) +
                                ")");
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace fsv
