// SPDX-License-Identifier: Apache-2.0
// Device sources: where the list of PCI devices comes from (the live
// system's sysfs, a directory tree for tests and snapshots), and how to wait
// for it to change (a libudev monitor, inotify).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fsv/facts.hpp"
#include "fsv/result.hpp"

namespace fsv {

/// Wakes a waiter when the device list may have changed.
class ChangeWatcher {
 public:
  virtual ~ChangeWatcher() = default;
  /// Blocks (poll(), no busy loop) until an event arrives or `timeout` passes.
  /// Returns true for an event, false for a timeout.
  virtual Result<bool> wait(std::chrono::milliseconds timeout) = 0;

 protected:
  /// poll() one descriptor for input: true when readable, false on timeout
  /// or EINTR (the caller re-checks anyway).
  static Result<bool> poll_readable(int fd, std::chrono::milliseconds timeout);
};

/// Lists every PCI device (all of them; selector matching is the caller's job).
class DeviceSource {
 public:
  virtual ~DeviceSource() = default;
  virtual Result<std::vector<DeviceRef>> list() = 0;
  /// Starts watching for changes; call before the first list() to avoid races.
  virtual Result<std::unique_ptr<ChangeWatcher>> watch() = 0;
  /// "live" or "directory", for reports.
  [[nodiscard]] virtual std::string kind() const = 0;
};

/// Walks <sysfs_root>/bus/pci/devices/* like KubeVirt does; watches it with inotify.
std::unique_ptr<DeviceSource> make_directory_source(std::filesystem::path sysfs_root,
                                                    std::filesystem::path dev_root);

/// Lists /sys/bus/pci/devices/* like KubeVirt does, each entry at its
/// /sys/devices path (as udev_enumerate names it); watches with a udev monitor.
Result<std::unique_ptr<DeviceSource>> make_live_source();

}  // namespace fsv
