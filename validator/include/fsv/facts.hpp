// SPDX-License-Identifier: Apache-2.0
// What the rules look at: everything read about one PCI device, gathered by
// a FactReader so that the rules themselves never touch the filesystem.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fsv/result.hpp"

namespace fsv {

/// One PCI device as a device source lists it.
struct DeviceRef {
  std::string address;  ///< "DDDD:BB:SS.F", the basename under bus/pci/devices
  std::string syspath;  ///< directory to read the device's attributes from
};

/// The facts about one device that KubeVirt's rules (and ours) consult.
struct DeviceFacts {
  std::string address;
  std::string syspath;
  std::optional<std::string> pci_id;             ///< first PCI_ID of uevent, trimmed, lower-cased
  std::optional<std::string> driver;             ///< last component of the driver link
  bool has_sriov_totalvfs = false;               ///< sriov_totalvfs exists (a PF)
  std::vector<std::string> virtfns;              ///< virtfn* entries (a PF)
  bool has_nvidia_dir = false;                   ///< nvidia/ exists
  std::optional<std::string> current_vgpu_type;  ///< trimmed; nullopt: unreadable
  std::optional<std::string> creatable_vgpu_types;  ///< raw file content
  std::optional<std::string> iommu_group;           ///< last component of the iommu_group link
  std::string numa_node_raw;                        ///< trimmed content, empty if unreadable
  int numa_node = -1;                               ///< parsed like KubeVirt: failure gives -1
  std::vector<std::string> vfio_dev;                ///< entries of vfio-dev/
  // Host facts, looked up for this device.
  bool vfio_group_node_exists = false;      ///< <dev>/vfio/<group> exists (any type)
  bool vfio_container_node_exists = false;  ///< <dev>/vfio/vfio exists (any type)
  /// vfio-dev entries that have a device number (vfio-dev/X/dev) but no
  /// <dev>/vfio/devices/X.
  std::vector<std::string> vfio_dev_nodes_missing;
  /// Every vfio-dev entry without <dev>/vfio/devices/X, with a device number
  /// or not (6.1 to 6.5 add vfio-dev/vfioN with no cdev at all).
  std::vector<std::string> vfio_dev_without_node;
  /// Members of kernel/iommu_groups/<group>/devices; nullopt when that listing is absent.
  std::optional<std::vector<std::string>> iommu_group_members;
};

/// Reads device facts from a sysfs tree and a /dev tree (the live ones or copies).
class FactReader {
 public:
  FactReader(std::filesystem::path sysfs_root, std::filesystem::path dev_root);

  [[nodiscard]] const std::filesystem::path& sysfs_root() const { return sysfs_root_; }
  [[nodiscard]] const std::filesystem::path& dev_root() const { return dev_root_; }

  /// The device's PCI_ID (cheap: one read of uevent), nullopt when absent.
  [[nodiscard]] std::optional<std::string> read_pci_id(const std::string& syspath) const;
  /// Everything else, for a device that matched a selector.
  [[nodiscard]] DeviceFacts read(const DeviceRef& ref, std::optional<std::string> pci_id) const;

 private:
  std::filesystem::path sysfs_root_;
  std::filesystem::path dev_root_;
};

/// Small file helpers shared by the library.
namespace io {
/// Whole file content, nullopt when it cannot be opened or read.
std::optional<std::string> read_file(const std::filesystem::path& path);
/// A symlink's target as written, nullopt when not a readable link.
std::optional<std::string> read_link(const std::filesystem::path& path);
/// Last path component of a symlink's target, nullopt when not a readable link.
std::optional<std::string> link_basename(const std::filesystem::path& path);
std::string trim(std::string_view s);
std::string to_lower(std::string_view s);
/// True when `path` exists, whatever its type (lstat; a dangling link counts).
bool exists_any_type(const std::filesystem::path& path);
/// The names in a directory, sorted; empty when it cannot be read.
std::vector<std::string> sorted_entries(const std::filesystem::path& dir);
/// The items separated by sep.
std::string join(const std::vector<std::string>& items, std::string_view sep);
}  // namespace io

}  // namespace fsv
