// SPDX-License-Identifier: Apache-2.0
#include "tree.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace fsv::test {

namespace fs = std::filesystem;

DeviceSpec vf(int i) {
  DeviceSpec s;
  char buf[32];
  const int n = std::snprintf(buf, sizeof(buf), "0001:00:%02x.%d", i % 32, i / 32);
  if (n < 0 || static_cast<size_t>(n) >= sizeof(buf)) {
    throw std::invalid_argument("vf(" + std::to_string(i) + "): no such address");
  }
  s.address = buf;
  s.group = std::to_string(100 + i);
  return s;
}

MdevSpec mdev(int i) {
  MdevSpec s;
  char buf[48];
  const int n = std::snprintf(buf, sizeof(buf), "00000000-0000-0000-0000-0000000000%02d", i % 100);
  if (n < 0 || static_cast<size_t>(n) >= sizeof(buf)) {
    throw std::invalid_argument("mdev(" + std::to_string(i) + "): no such UUID");
  }
  s.uuid = buf;
  s.group = std::to_string(200 + i);
  return s;
}

Tree::Tree() {
  std::string tmpl = (fs::temp_directory_path() / "fsv-tree-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  root_ = tmpl;
  fs::create_directories(sys() / "bus" / "pci" / "devices");
  fs::create_directories(sys() / "kernel" / "iommu_groups");
  fs::create_directories(sys() / "devices" / "pci0001:00");
  fs::create_directories(dev() / "vfio");
}

Tree::~Tree() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

fs::path Tree::device_dir(const std::string& address) const {
  return sys() / "devices" / "pci0001:00" / address;
}

void write_file(const fs::path& file, const std::string& content) {
  fs::create_directories(file.parent_path());
  std::ofstream f(file, std::ios::trunc);
  f << content;
}

// NOLINTNEXTLINE(readability-make-member-function-const): it changes the tree on disk
fs::path Tree::add(const DeviceSpec& s) {
  fs::path d = device_dir(s.address);  // returned: not const, so it moves
  fs::create_directories(d);
  write_file(d / "uevent", "DRIVER=" + s.driver.value_or("") +
                               "\nPCI_CLASS=30000\nPCI_ID=" + s.pci_id +
                               "\nPCI_SUBSYS_ID=10DE:12A2\nPCI_SLOT_NAME=" + s.address + "\n");
  write_file(d / "numa_node", s.numa + "\n");
  if (s.driver) {
    fs::create_directories(sys() / "bus" / "pci" / "drivers" / *s.driver);
    fs::create_symlink("../../../bus/pci/drivers/" + *s.driver, d / "driver");
  }
  if (s.nvidia_dir) {
    fs::create_directories(d / "nvidia");
    if (s.vgpu_type) {
      write_file(d / "nvidia" / "current_vgpu_type", *s.vgpu_type + "\n");
    }
    if (s.creatable) {
      write_file(d / "nvidia" / "creatable_vgpu_types", *s.creatable);
    }
  }
  if (s.sriov_totalvfs) {
    write_file(d / "sriov_totalvfs", "16\n");
  }
  for (const auto& v : s.virtfns) {
    fs::create_symlink("../0001:00:1f.7", d / v);
  }
  for (const auto& e : s.vfio_dev) {
    fs::create_directories(d / "vfio-dev" / e);
    if (s.vfio_dev_cdev) {
      write_file(d / "vfio-dev" / e / "dev", "511:0\n");
    }
    if (s.vfio_dev_nodes) {
      write_file(dev() / "vfio" / "devices" / e, "");
    }
  }
  if (s.group) {
    const fs::path g = sys() / "kernel" / "iommu_groups" / *s.group;
    fs::create_directories(g);
    fs::create_symlink("../../../kernel/iommu_groups/" + *s.group, d / "iommu_group");
    if (s.group_listing) {
      fs::create_directories(g / "devices");
      fs::create_symlink("../../../../devices/pci0001:00/" + s.address, g / "devices" / s.address);
      for (const auto& m : s.other_group_members) {
        fs::create_symlink("../../../../devices/pci0001:00/" + m, g / "devices" / m);
      }
    }
    if (s.vfio_node) {
      write_file(dev() / "vfio" / *s.group, "");
    }
  }
  write_file(dev() / "vfio" / "vfio", "");
  fs::create_symlink("../../../devices/pci0001:00/" + s.address,
                     sys() / "bus" / "pci" / "devices" / s.address);
  return d;
}

// NOLINTNEXTLINE(readability-make-member-function-const): it changes the tree on disk
void Tree::remove(const std::string& address) {
  fs::remove(sys() / "bus" / "pci" / "devices" / address);
  fs::remove_all(device_dir(address));
}

// NOLINTNEXTLINE(readability-make-member-function-const): it changes the tree on disk
void Tree::remove_vfio_dev_node(const std::string& entry) {
  fs::remove(dev() / "vfio" / "devices" / entry);
}

// NOLINTNEXTLINE(readability-make-member-function-const): it changes the tree on disk
void Tree::remove_vfio_container_node() { fs::remove(dev() / "vfio" / "vfio"); }

}  // namespace fsv::test

namespace fsv::test {

fs::path Tree::mdev_parent_dir(const std::string& parent) const {
  return sys() / "devices" / "pci0000:00" / parent;
}

// NOLINTNEXTLINE(readability-make-member-function-const): it changes the tree on disk
fs::path Tree::add_mdev_type(const MdevSpec& s) {
  const fs::path p = mdev_parent_dir(s.parent);
  fs::create_directories(p);
  const fs::path class_link = sys() / "class" / "mdev_bus" / s.parent;
  if (!fs::is_symlink(class_link)) {
    fs::create_directories(class_link.parent_path());
    fs::create_symlink("../../devices/pci0000:00/" + s.parent, class_link);
  }
  const fs::path pci_link = sys() / "bus" / "pci" / "devices" / s.parent;
  if (!fs::is_symlink(pci_link)) {
    fs::create_symlink("../../../devices/pci0000:00/" + s.parent, pci_link);
    if (s.numa_unreadable) {
      fs::create_directories(p / "numa_node");
    } else if (s.numa) {
      write_file(p / "numa_node", *s.numa + "\n");
    }
  }
  fs::path t = p / "mdev_supported_types" / s.type_id;  // returned: not const, so it moves
  fs::create_directories(t / "devices");
  if (s.type_name) {
    write_file(t / "name", *s.type_name + "\n");
  }
  write_file(t / "description", s.description + "\n");
  write_file(t / "available_instances", s.available + "\n");
  write_file(t / "device_api", "vfio-pci\n");
  write_file(t / "create", "");
  return t;
}

// NOLINTNEXTLINE(readability-make-member-function-const): it changes the tree on disk
fs::path Tree::add_mdev(const MdevSpec& s) {
  const fs::path type = add_mdev_type(s);
  fs::path d = mdev_parent_dir(s.parent) / s.uuid;  // returned: not const, so it moves
  fs::create_directories(d);
  write_file(d / "remove", "");
  if (s.type_link) {
    fs::create_symlink("../mdev_supported_types/" + s.type_id, d / "mdev_type");
    fs::create_symlink("../../../" + s.uuid, type / "devices" / s.uuid);
  }
  if (s.driver) {
    fs::create_directories(sys() / "bus" / "mdev" / "drivers" / *s.driver);
    fs::create_symlink("../../../../bus/mdev/drivers/" + *s.driver, d / "driver");
  }
  if (s.group) {
    const fs::path g = sys() / "kernel" / "iommu_groups" / *s.group;
    fs::create_directories(g / "devices");
    fs::create_symlink("../../../../kernel/iommu_groups/" + *s.group, d / "iommu_group");
    fs::create_symlink("../../../../devices/pci0000:00/" + s.parent + "/" + s.uuid,
                       g / "devices" / s.uuid);
    for (const auto& m : s.other_group_members) {
      fs::create_symlink("../../../../devices/pci0000:00/" + s.parent + "/" + m,
                         g / "devices" / m);
    }
    if (s.vfio_node) {
      write_file(dev() / "vfio" / *s.group, "");
    }
  }
  write_file(dev() / "vfio" / "vfio", "");
  const fs::path bus = sys() / "bus" / "mdev" / "devices";
  fs::create_directories(bus);
  if (s.link) {
    fs::create_symlink("../../../devices/pci0000:00/" + s.parent + "/" + s.uuid, bus / s.uuid);
  } else {
    fs::create_directories(bus / s.uuid);
  }
  return d;
}

}  // namespace fsv::test
