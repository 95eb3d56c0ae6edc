// SPDX-License-Identifier: Apache-2.0
#include "fsv/snapshot.hpp"

#include <unistd.h>

#include <array>
#include <fstream>
#include <set>
#include <system_error>

namespace fsv {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_link(const fs::path& p) {
  std::array<char, 4096> buf{};
  const ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size() - 1);
  if (n <= 0) {
    return std::nullopt;
  }
  return std::string(buf.data(), static_cast<size_t>(n));
}

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
      const auto target = read_link(src / vf);
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
    if (d.facts.iommu_group) {
      const std::string& g = *d.facts.iommu_group;
      const fs::path group_dir = sys / "kernel" / "iommu_groups" / g;
      fs::create_directories(group_dir, ec);
      if (auto st = make_link(group_dir.lexically_relative(out), out / "iommu_group"); !st) {
        return st;
      }
      if (d.facts.iommu_group_members && groups.insert(g).second) {
        const fs::path members = reader.sysfs_root() / "kernel" / "iommu_groups" / g / "devices";
        fs::create_directories(group_dir / "devices", ec);
        for (const auto& m : *d.facts.iommu_group_members) {
          const auto target = read_link(members / m);
          const fs::path link = group_dir / "devices" / m;
          if (auto st = target ? make_link(*target, link) : write_file(link, ""); !st) {
            return st;
          }
        }
      }
      if (d.facts.vfio_group_node_exists) {
        if (auto st = write_file(dev / "vfio" / g, ""); !st) {
          return st;
        }
      }
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
