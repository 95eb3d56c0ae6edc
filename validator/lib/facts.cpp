// SPDX-License-Identifier: Apache-2.0
#include "fsv/facts.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <system_error>

#include <sys/stat.h>

namespace fsv {
namespace io {

std::optional<std::string> read_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  // A sysfs attribute comes whole in one read() of a page or more, and a
  // regular file's read() is short only at its end: a short read ends the
  // file without the extra read() that would return 0.
  std::string out;
  std::array<char, 8192> buf{};
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      ::close(fd);
      return std::nullopt;
    }
    out.append(buf.data(), static_cast<size_t>(n));
    if (static_cast<size_t>(n) < buf.size()) {
      break;
    }
  }
  ::close(fd);
  return out;
}

std::optional<std::string> read_link(const std::filesystem::path& path) {
  std::array<char, 4096> buf{};
  const ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size() - 1);
  if (n <= 0) {
    return std::nullopt;
  }
  return std::string(buf.data(), static_cast<size_t>(n));
}

std::optional<std::string> link_basename(const std::filesystem::path& path) {
  auto link = read_link(path);
  if (!link) {
    return std::nullopt;
  }
  std::string target = std::move(*link);
  while (target.size() > 1 && target.back() == '/') {
    target.pop_back();
  }
  const auto slash = target.rfind('/');
  return slash == std::string::npos ? target : target.substr(slash + 1);
}

std::string trim(std::string_view s) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += item;
  }
  return out;
}

bool exists_any_type(const std::filesystem::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> sorted_entries(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace io

FactReader::FactReader(std::filesystem::path sysfs_root, std::filesystem::path dev_root)
    : sysfs_root_(std::move(sysfs_root)), dev_root_(std::move(dev_root)) {}

// A member (not static) so that every read goes through the reader.
std::optional<std::string>
FactReader::read_pci_id(  // NOLINT(readability-convert-member-functions-to-static)
    const std::string& syspath) const {
  const auto uevent = io::read_file(std::filesystem::path(syspath) / "uevent");
  if (!uevent) {
    return std::nullopt;
  }
  // KubeVirt: the first line starting with PCI_ID, its value trimmed and lower-cased.
  std::string_view rest(*uevent);
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    constexpr std::string_view key = "PCI_ID=";
    if (line.substr(0, key.size()) == key) {
      return io::to_lower(io::trim(line.substr(key.size())));
    }
    if (nl == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(nl + 1);
  }
  return std::nullopt;
}

DeviceFacts FactReader::read(const DeviceRef& ref, std::optional<std::string> pci_id) const {
  namespace fs = std::filesystem;
  const fs::path dev(ref.syspath);
  DeviceFacts f;
  f.address = ref.address;
  f.syspath = ref.syspath;
  f.pci_id = std::move(pci_id);
  f.driver = io::link_basename(dev / "driver");
  // One listing answers what exists in the device's directory.
  const auto entries = io::sorted_entries(dev);
  const auto listed = [&entries](const char* name) {
    return std::binary_search(entries.begin(), entries.end(), std::string_view(name));
  };
  f.has_sriov_totalvfs = listed("sriov_totalvfs");
  for (const auto& name : entries) {
    if (name.rfind("virtfn", 0) == 0) {
      f.virtfns.push_back(name);
    }
  }
  f.has_nvidia_dir = listed("nvidia");
  if (auto t = io::read_file(dev / "nvidia" / "current_vgpu_type")) {
    f.current_vgpu_type = io::trim(*t);
  }
  f.creatable_vgpu_types = io::read_file(dev / "nvidia" / "creatable_vgpu_types");
  f.iommu_group = io::link_basename(dev / "iommu_group");
  if (auto n = io::read_file(dev / "numa_node")) {
    f.numa_node_raw = io::trim(*n);
    int value = -1;
    const char* first = f.numa_node_raw.data();
    const char* last = first + f.numa_node_raw.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    f.numa_node = (ec == std::errc() && ptr == last && !f.numa_node_raw.empty()) ? value : -1;
  }
  f.vfio_dev = io::sorted_entries(dev / "vfio-dev");
  for (const auto& entry : f.vfio_dev) {
    if (io::exists_any_type(dev_root_ / "vfio" / "devices" / entry)) {
      continue;
    }
    f.vfio_dev_without_node.push_back(entry);
    // Only an entry with a device number has a node to miss: 6.1-6.5's VFIO
    // core adds vfio-dev/vfioN without a cdev for every VFIO device.
    if (io::exists_any_type(dev / "vfio-dev" / entry / "dev")) {
      f.vfio_dev_nodes_missing.push_back(entry);
    }
  }
  f.vfio_container_node_exists = io::exists_any_type(dev_root_ / "vfio" / "vfio");
  if (f.iommu_group) {
    f.vfio_group_node_exists = io::exists_any_type(dev_root_ / "vfio" / *f.iommu_group);
    // Empty when the group has no devices/ directory.
    f.iommu_group_members =
        io::sorted_entries(sysfs_root_ / "kernel" / "iommu_groups" / *f.iommu_group / "devices");
  }
  return f;
}

}  // namespace fsv
