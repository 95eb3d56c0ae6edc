// SPDX-License-Identifier: Apache-2.0
#include "fsv/snapshot.hpp"

#include <fstream>
#include <set>
#include <system_error>

namespace fsv {

namespace fs = std::filesystem;

namespace {

Status write_file(const fs::path& p, const std::string& content) {
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << content;
  if (!f) {
    return Error{"cannot write " + p.string()};
  }
  return {};
}

Status make_link(const fs::path& target, const fs::path& link) {
  std::error_code ec;
  fs::create_directories(link.parent_path(), ec);
  fs::remove(link, ec);
  fs::create_symlink(target, link, ec);
  if (ec) {
    return Error{"cannot create " + link.string() + ": " + ec.message()};
  }
  return {};
}

Status copy_if_readable(const fs::path& from, const fs::path& to) {
  if (auto content = io::read_file(from)) {
    return write_file(to, *content);
  }
  return {};
}

// The device's directory inside the tree: its real path below the sysfs root,
// so that bus/pci/devices/<addr> stays a symlink into devices/ as in sysfs.
fs::path device_rel_path(const DeviceFacts& d, const fs::path& sysfs_root) {
  std::error_code ec;
  const fs::path real = fs::canonical(d.syspath, ec);
  const fs::path root = fs::canonical(sysfs_root, ec);
  if (!real.empty() && !root.empty()) {
    fs::path rel = real.lexically_relative(root);
    if (!rel.empty() && *rel.begin() != "..") {
      return rel;
    }
  }
  return fs::path("devices") / "snapshot" / d.address;
}

// Where `real` (a path of the live tree) goes in the snapshot: its place
// below the sysfs root, or devices/snapshot/<fallback>.
fs::path rel_below(const fs::path& path, const fs::path& sysfs_root, const std::string& fallback) {
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  const fs::path root = fs::canonical(sysfs_root, ec);
  if (!real.empty() && !root.empty()) {
    fs::path rel = real.lexically_relative(root);
    if (!rel.empty() && *rel.begin() != "..") {
      return rel;
    }
  }
  return fs::path("devices") / "snapshot" / fallback;
}

Status copy_type_dir(const fs::path& from, const fs::path& to) {
  for (const char* name : {"name", "description", "available_instances", "device_api"}) {
    if (auto st = copy_if_readable(from / name, to / name); !st) {
      return st;
    }
  }
  std::error_code ec;
  fs::create_directories(to / "devices", ec);
  return write_file(to / "create", "");
}

// A device's iommu_group link, its group's member links (once per group, from
// sysfs_root into sys) and /dev/vfio/<group>, as the rules read them: the PCI
// path's DeviceFacts and the mdev path's facts carry the same three fields.
template <typename Facts>
Status copy_iommu_group(const Facts& f, const fs::path& sysfs_root, const fs::path& sys,
                        const fs::path& dev, const fs::path& out, std::set<std::string>& groups) {
  if (!f.iommu_group) {
    return {};
  }
  std::error_code ec;
  const std::string& g = *f.iommu_group;
  const fs::path group_dir = sys / "kernel" / "iommu_groups" / g;
  fs::create_directories(group_dir, ec);
  if (auto st = make_link(group_dir.lexically_relative(out), out / "iommu_group"); !st) {
    return st;
  }
  if (f.iommu_group_members && groups.insert(g).second) {
    const fs::path members = sysfs_root / "kernel" / "iommu_groups" / g / "devices";
    fs::create_directories(group_dir / "devices", ec);
    for (const auto& member : *f.iommu_group_members) {
      const auto target = io::read_link(members / member);
      const fs::path link = group_dir / "devices" / member;
      if (auto st = target ? make_link(*target, link) : write_file(link, ""); !st) {
        return st;
      }
    }
  }
  if (f.vfio_group_node_exists) {
    if (auto st = write_file(dev / "vfio" / g, ""); !st) {
      return st;
    }
  }
  return {};
}

// The mdev path: every parent of class/mdev_bus with its types (the type
// listing and the desired-type checks read them all), the parent's
// numa_node, and each matched instance with its links, group and nodes.
Status write_mdev_snapshot(const Report& report, const FactReader& reader, const fs::path& sys,
                           const fs::path& dev) {
  std::error_code ec;
  const fs::path& root = reader.sysfs_root();
  for (const auto& p : {sys / "class" / "mdev_bus", sys / "bus" / "mdev" / "devices"}) {
    fs::create_directories(p, ec);
    if (ec) {
      return Error{"cannot create " + p.string() + ": " + ec.message()};
    }
  }
  std::set<std::string> parents;
  const auto add_parent = [&](const std::string& parent, const fs::path& src) -> Status {
    if (!parents.insert(parent).second) {
      return {};
    }
    const fs::path out = sys / rel_below(src, root, parent);
    fs::create_directories(out, ec);
    const fs::path pci_link = sys / "bus" / "pci" / "devices" / parent;
    if (auto st = make_link(out.lexically_relative(pci_link.parent_path()), pci_link); !st) {
      return st;
    }
    return copy_if_readable(root / "bus" / "pci" / "devices" / parent / "numa_node",
                            out / "numa_node");
  };
  for (const auto& parent : io::sorted_entries(root / "class" / "mdev_bus")) {
    const fs::path src = root / "class" / "mdev_bus" / parent;
    if (auto st = add_parent(parent, src); !st) {
      return st;
    }
    const fs::path out = sys / rel_below(src, root, parent);
    const fs::path link = sys / "class" / "mdev_bus" / parent;
    if (auto st = make_link(out.lexically_relative(link.parent_path()), link); !st) {
      return st;
    }
    for (const auto& id : io::sorted_entries(src / "mdev_supported_types")) {
      if (auto st = copy_type_dir(src / "mdev_supported_types" / id,
                                  out / "mdev_supported_types" / id);
          !st) {
        return st;
      }
    }
  }
  std::set<std::string> groups;
  for (const auto& m : report.mdevs) {
    const fs::path src(m.facts.syspath);
    const fs::path bus_link = sys / "bus" / "mdev" / "devices" / m.facts.uuid;
    if (!m.facts.realpath) {
      // Not resolvable: keep the link (or entry) as it is.
      const auto target = io::read_link(src);
      if (auto st = target ? make_link(*target, bus_link) : write_file(bus_link, ""); !st) {
        return st;
      }
      continue;
    }
    const fs::path real(*m.facts.realpath);
    if (m.facts.parent) {
      if (auto st = add_parent(*m.facts.parent, real.parent_path()); !st) {
        return st;
      }
    }
    const fs::path out = sys / rel_below(real, root, m.facts.uuid);
    fs::create_directories(out, ec);
    if (ec) {
      return Error{"cannot create " + out.string() + ": " + ec.message()};
    }
    if (auto st = make_link(out.lexically_relative(bus_link.parent_path()), bus_link); !st) {
      return st;
    }
    if (const auto target = io::read_link(src / "mdev_type")) {
      if (auto st = make_link(*target, out / "mdev_type"); !st) {
        return st;
      }
      const fs::path type_out = (out / *target).lexically_normal();
      if (!fs::exists(type_out / "create", ec)) {
        if (auto st = copy_type_dir(src / "mdev_type", type_out); !st) {
          return st;
        }
      }
      const fs::path in_type = type_out / "devices" / m.facts.uuid;
      if (auto st = make_link(out.lexically_relative(in_type.parent_path()), in_type); !st) {
        return st;
      }
    }
    if (m.facts.driver) {
      const fs::path drv = sys / "bus" / "mdev" / "drivers" / *m.facts.driver;
      fs::create_directories(drv, ec);
      if (auto st = make_link(drv.lexically_relative(out), out / "driver"); !st) {
        return st;
      }
    }
    if (auto st = write_file(out / "remove", ""); !st) {
      return st;
    }
    if (auto st = copy_iommu_group(m.facts, root, sys, dev, out, groups); !st) {
      return st;
    }
  }
  return {};
}

}  // namespace

Status write_snapshot(const Report& report, const FactReader& reader, const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return Error{"snapshot directory " + dir.string() + " exists and is not empty"};
  }
  const fs::path sys = dir / "sys";
  const fs::path dev = dir / "dev";
  for (const auto& p :
       {sys / "bus" / "pci" / "devices", sys / "kernel" / "iommu_groups", dev / "vfio"}) {
    fs::create_directories(p, ec);
    if (ec) {
      return Error{"cannot create " + p.string() + ": " + ec.message()};
    }
  }
  if (report.path == DevicePath::mdev) {
    if (auto st = write_mdev_snapshot(report, reader, sys, dev); !st) {
      return st;
    }
  }
  std::set<std::string> groups;
  for (const auto& d : report.devices) {
    const fs::path src(d.facts.syspath);
    const fs::path rel = device_rel_path(d.facts, reader.sysfs_root());
    const fs::path out = sys / rel;
    fs::create_directories(out, ec);
    if (ec) {
      return Error{"cannot create " + out.string() + ": " + ec.message()};
    }
    const fs::path bus_link = sys / "bus" / "pci" / "devices" / d.facts.address;
    if (auto st = make_link(out.lexically_relative(bus_link.parent_path()), bus_link); !st) {
      return st;
    }
    for (const char* name : {"uevent", "numa_node", "sriov_totalvfs", "sriov_numvfs"}) {
      if (auto st = copy_if_readable(src / name, out / name); !st) {
        return st;
      }
    }
    if (d.facts.has_nvidia_dir) {
      fs::create_directories(out / "nvidia", ec);
      for (fs::directory_iterator it(src / "nvidia", ec), end; !ec && it != end; it.increment(ec)) {
        if (auto st = copy_if_readable(it->path(), out / "nvidia" / it->path().filename()); !st) {
          return st;
        }
      }
    }
    if (d.facts.driver) {
      const fs::path drv = sys / "bus" / "pci" / "drivers" / *d.facts.driver;
      fs::create_directories(drv, ec);
      if (auto st = make_link(drv.lexically_relative(out), out / "driver"); !st) {
        return st;
      }
    }
    for (const auto& vf : d.facts.virtfns) {
      const auto target = io::read_link(src / vf);
      if (auto st = target ? make_link(*target, out / vf) : write_file(out / vf, ""); !st) {
        return st;
      }
    }
    for (const auto& entry : d.facts.vfio_dev) {
      fs::create_directories(out / "vfio-dev" / entry, ec);
      if (auto devnum = io::read_file(src / "vfio-dev" / entry / "dev")) {
        if (auto st = write_file(out / "vfio-dev" / entry / "dev", *devnum); !st) {
          return st;
        }
      }
      if (fs::exists(reader.dev_root() / "vfio" / "devices" / entry, ec)) {
        if (auto st = write_file(dev / "vfio" / "devices" / entry, ""); !st) {
          return st;
        }
      }
    }
    if (auto st = copy_iommu_group(d.facts, reader.sysfs_root(), sys, dev, out, groups); !st) {
      return st;
    }
  }
  if (fs::exists(reader.dev_root() / "vfio" / "vfio", ec)) {
    if (auto st = write_file(dev / "vfio" / "vfio", ""); !st) {
      return st;
    }
  }
  return {};
}

}  // namespace fsv
