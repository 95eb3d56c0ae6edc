// SPDX-License-Identifier: Apache-2.0
// The mediated-device (mdev) path: KubeVirt v1.9.0's mediatedDevices
// discovery (pkg/virt-handler/device-manager/mediated_device.go) and its
// type listing (mediated_devices_types.go). Facts are read by MdevReader, the
// rules are pure functions, as for the PCI path.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fsv/result.hpp"
#include "fsv/rules.hpp"

namespace fsv {

/// One permittedHostDevices.mediatedDevices[] entry (or one --mdev-name).
struct MdevSelector {
  std::string name;           ///< mdevNameSelector, e.g. "GRID_T4-1B"
  std::string resource_name;  ///< KubeVirt's resourceName
  bool external = false;      ///< externalResourceProvider: KubeVirt leaves it alone
};

/// What the mdev path reads from a KubeVirt CR.
struct MdevConfig {
  std::vector<MdevSelector> selectors;  ///< permittedHostDevices.mediatedDevices[]
  /// mediatedDevicesConfiguration.mediatedDeviceTypes (or the older
  /// mediatedDevicesTypes), as written; absent: nothing to check.
  std::optional<std::vector<std::string>> desired_types;
  std::string desired_types_key;  ///< which of the two keys held them
};

/// A type name as KubeVirt compares it: every space an underscore, trimmed.
std::string mdev_type_key(std::string_view name);

/// A --mdev-name argument (spaces become underscores); the resource name is
/// the name itself.
Result<MdevSelector> mdev_selector_from_arg(std::string_view arg);

/// The mdev part of a KubeVirt CR (YAML or JSON, searched like
/// parse_kubevirt_cr): needs permittedHostDevices.mediatedDevices.
Result<MdevConfig> parse_kubevirt_cr_mdev(const std::string& text);
Result<MdevConfig> load_kubevirt_cr_mdev(const std::filesystem::path& file);

/// One type directory: <sysfs>/class/mdev_bus/<parent>/mdev_supported_types/<id>.
struct MdevTypeDir {
  std::string parent;  ///< the class/mdev_bus entry (a PCI address)
  std::string id;      ///< "nvidia-256"
  std::optional<std::string> name;         ///< trimmed content of name
  std::optional<std::string> description;  ///< trimmed content of description
  std::optional<std::string> available_instances_raw;  ///< first line, trimmed
  std::optional<long> available_instances;             ///< parsed; nullopt: not an integer
  std::optional<unsigned> max_instance;                ///< "max_instance=N" of description
  std::optional<std::string> device_api;
  unsigned instances = 0;  ///< entries of devices/
};

/// A type over all parents (the listing of the report).
struct MdevTypeSummary {
  std::string id;
  std::optional<std::string> name;  ///< as the kernel writes it
  std::string key;                  ///< the name KubeVirt matches (underscores), else the id
  std::vector<std::string> parents;
  unsigned max_instance_total = 0;  ///< sum of max_instance= over parents: a full node
  bool max_instance_known = false;  ///< some parent's description has max_instance=
  long available_instances = 0;     ///< sum over the parents where it is an integer
  unsigned instances = 0;           ///< instances that exist
};

/// Facts about one instance, /sys/bus/mdev/devices/<uuid>.
struct MdevFacts {
  std::string uuid;
  std::string syspath;                  ///< <sysfs>/bus/mdev/devices/<uuid>
  bool is_link = false;                 ///< KubeVirt skips entries that are not symlinks
  std::optional<std::string> realpath;  ///< the resolved instance directory
  std::optional<std::string> parent;    ///< basename of the instance directory's parent
  bool parent_dir_exists = false;
  std::optional<std::string> type_id;        ///< basename of the mdev_type link
  std::optional<std::string> type_name_raw;  ///< mdev_type/name, nullopt when unreadable
  bool type_name_missing = false;            ///< mdev_type/name does not exist (ENOENT)
  std::optional<std::string> type_name;      ///< what KubeVirt matches (see mdev_type_key)
  std::optional<std::string> available_instances_raw;  ///< mdev_type/available_instances, 1st line
  std::optional<long> available_instances;
  std::optional<std::string> driver;
  std::optional<std::string> iommu_group;
  std::optional<std::vector<std::string>> iommu_group_members;
  bool numa_node_exists = false;     ///< <sysfs>/bus/pci/devices/<parent>/numa_node exists
  bool numa_node_read_failed = false;  ///< it exists but cannot be read
  std::string numa_node_raw;
  int numa_node = -1;
  bool vfio_group_node_exists = false;
  bool vfio_container_node_exists = false;
};

/// Reads the mdev facts under a sysfs root and a /dev root.
class MdevReader {
 public:
  MdevReader(std::filesystem::path sysfs_root, std::filesystem::path dev_root);
  /// The entries of <sysfs>/bus/mdev/devices, sorted (none when absent).
  [[nodiscard]] std::vector<std::string> list_instances() const;
  [[nodiscard]] MdevFacts read(const std::string& uuid) const;
  /// Every <sysfs>/class/mdev_bus/*/mdev_supported_types/*, sorted by parent, id.
  [[nodiscard]] std::vector<MdevTypeDir> list_types() const;

 private:
  std::filesystem::path sysfs_root_;
  std::filesystem::path dev_root_;
};

/// The first line of an available_instances file as KubeVirt's manager
/// parses it; nullopt when it is not an integer.
std::optional<long> parse_available_instances(std::string_view raw);
/// N of "max_instance=N" in a type's description.
std::optional<unsigned> parse_max_instance(std::string_view description);
/// The type directories grouped by id, sorted by id.
std::vector<MdevTypeSummary> summarize_mdev_types(const std::vector<MdevTypeDir>& dirs);

// One function per rule. Rule identifiers are in brackets.
RuleResult rule_mdev_type_name(const MdevFacts& m);             // [mdev-type-name]
RuleResult rule_mdev_parent(const MdevFacts& m);                // [mdev-parent]
RuleResult rule_mdev_numa_node(const MdevFacts& m);             // [mdev-numa-node]
RuleResult rule_mdev_available_instances(const MdevFacts& m);   // [mdev-available-instances]
RuleResult rule_mdev_iommu_group(const MdevFacts& m);           // [mdev-iommu-group]
RuleResult rule_mdev_vfio_group_node(const MdevFacts& m);       // [mdev-vfio-group-node]
RuleResult rule_mdev_iommu_group_exclusive(const MdevFacts& m);  // [mdev-iommu-group-exclusive]

/// Allocate of the mediated device plugin: /dev/vfio/vfio and
/// /dev/vfio/<group> ([allocate-host-paths]).
Allocation rule_mdev_allocate_host_paths(const MdevFacts& m, Verdict verdict);

/// Every mdev rule, the verdict (discovered or failed) and Allocate.
Evaluation evaluate_mdev(const MdevFacts& m);

/// A check of the node or the CR rather than of one instance.
struct NodeCheck {
  std::string subject;  ///< what it checked, e.g. "mediatedDeviceTypes[0] GRID T4-2B"
  RuleResult rule;
};

/// [mdev-resource-name]: each checked selector's resourceName has a '/'
/// (NewMediatedDevicePlugin takes the part after it, and panics without).
std::vector<NodeCheck> check_mdev_resource_names(const std::vector<MdevSelector>& selectors);
/// [mdev-desired-type]: each desired type has no space and names a type
/// directory or an (underscored) type name of the node.
std::vector<NodeCheck> check_mdev_desired_types(const MdevConfig& config,
                                                const std::vector<MdevTypeSummary>& types);

}  // namespace fsv
