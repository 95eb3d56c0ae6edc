// SPDX-License-Identifier: Apache-2.0
// Synthetic sysfs and /dev trees for the tests, laid out like the kernel's:
// bus/pci/devices/<addr> -> ../../../devices/pci0001:00/<addr>, driver and
// iommu_group symlinks, kernel/iommu_groups/N/devices/, dev/vfio/N.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fsv::test {

inline constexpr const char* kT4Creatable =
    "ID    : vGPU Name\n"
    "256   : GRID T4-1B\n"
    "257   : GRID T4-2B\n"
    "512   : GRID T4-4C\n";

struct DeviceSpec {
  std::string address;
  std::string pci_id = "10DE:1EB8";  // as the kernel writes it: upper case
  std::optional<std::string> driver = "nvidia";
  bool nvidia_dir = true;
  std::optional<std::string> vgpu_type = "256";  // nullopt: no current_vgpu_type file
  std::optional<std::string> creatable = kT4Creatable;
  std::optional<std::string> group;  // nullopt: no iommu_group link
  bool vfio_node = true;             // dev/vfio/<group>
  bool sriov_totalvfs = false;
  std::vector<std::string> virtfns;
  std::string numa = "-1";
  std::vector<std::string> vfio_dev;  // vfio-dev/<entry>
  bool vfio_dev_nodes = true;         // dev/vfio/devices/<entry>
  bool vfio_dev_cdev = true;          // vfio-dev/<entry>/dev (no cdev before 6.6)
  std::vector<std::string> other_group_members;
  bool group_listing = true;  // kernel/iommu_groups/N/devices/
};

inline constexpr const char* kT4Description =
    "num_heads=4, frl_config=45, framebuffer=1024M, max_resolution=5120x2880, max_instance=16";

/// One mdev instance and its type, as NVIDIA's vGPU manager lays them out:
/// devices/pci0000:00/<parent>/{<uuid>,mdev_supported_types/<type>}.
struct MdevSpec {
  std::string uuid;
  std::string parent = "0000:00:05.0";
  std::string type_id = "nvidia-256";
  std::optional<std::string> type_name = "GRID T4-1B";  // nullopt: no name file
  bool type_link = true;                                 // <uuid>/mdev_type
  std::string description = kT4Description;
  std::string available = "15";
  std::optional<std::string> group;  // nullopt: no iommu_group link
  bool vfio_node = true;             // dev/vfio/<group>
  std::optional<std::string> numa = "0";  // nullopt: no numa_node file
  bool numa_unreadable = false;           // numa_node a directory: read() fails
  std::vector<std::string> other_group_members;
  bool link = true;  // bus/mdev/devices/<uuid> a symlink (false: a directory)
  std::optional<std::string> driver = "vfio_mdev";
};

/// Instance i: UUID ...0000000000ii, group 200+i, on parent 0000:00:05.0.
MdevSpec mdev(int i);

/// A fake vGPU VF number i at the seed address 0001:00:SS.F with group 100+i.
DeviceSpec vf(int i);

/// Writes FILE (any path: in a Tree or not), creating its directories.
void write_file(const std::filesystem::path& file, const std::string& content);

class Tree {
 public:
  Tree();
  ~Tree();
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;
  Tree(Tree&&) = delete;
  Tree& operator=(Tree&&) = delete;

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  [[nodiscard]] std::filesystem::path sys() const { return root_ / "sys"; }
  [[nodiscard]] std::filesystem::path dev() const { return root_ / "dev"; }
  [[nodiscard]] std::filesystem::path device_dir(const std::string& address) const;

  /// Adds a device; returns its directory. Adds an empty dev/vfio/vfio too.
  std::filesystem::path add(const DeviceSpec& spec);
  void remove(const std::string& address);
  void remove_vfio_dev_node(const std::string& entry);
  /// Removes dev/vfio/vfio (the VFIO container node).
  void remove_vfio_container_node();

  /// The directory of an mdev parent (a PCI function under pci0000:00).
  [[nodiscard]] std::filesystem::path mdev_parent_dir(const std::string& parent) const;
  /// Adds a parent (class/mdev_bus and bus/pci/devices links, numa_node) and
  /// its type `spec.type_id` (name, description, available_instances,
  /// device_api, create, devices/); both may exist already. Returns the type's directory.
  std::filesystem::path add_mdev_type(const MdevSpec& spec);
  /// Adds the type and an instance; returns the instance's directory.
  std::filesystem::path add_mdev(const MdevSpec& spec);

 private:
  std::filesystem::path root_;
};

}  // namespace fsv::test
