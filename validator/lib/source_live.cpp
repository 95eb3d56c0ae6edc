// SPDX-License-Identifier: Apache-2.0
// The live system: /sys/bus/pci/devices listed as KubeVirt walks it, each
// entry's link resolved to its /sys/devices path (the syspath udev would
// give), and a libudev monitor on subsystems "pci" and "mdev" for --wait.
#include <libudev.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include <sys/stat.h>

#include "fsv/source.hpp"

namespace fsv {

namespace {

struct UdevDeleter {
  void operator()(udev* u) const { udev_unref(u); }
  void operator()(udev_monitor* m) const { udev_monitor_unref(m); }
  void operator()(udev_device* d) const { udev_device_unref(d); }
};
template <typename T>
using UdevPtr = std::unique_ptr<T, UdevDeleter>;

class UdevWatcher final : public ChangeWatcher {
 public:
  explicit UdevWatcher(UdevPtr<udev_monitor> monitor) : monitor_(std::move(monitor)) {}

  Result<bool> wait(std::chrono::milliseconds timeout) override {
    auto ready = poll_readable(udev_monitor_get_fd(monitor_.get()), timeout);
    if (!ready || !*ready) {
      return ready;
    }
    // Drain every queued event.
    while (UdevPtr<udev_device> dev{udev_monitor_receive_device(monitor_.get())}) {
    }
    return true;
  }

 private:
  UdevPtr<udev_monitor> monitor_;
};

class LiveSource final : public DeviceSource {
 public:
  explicit LiveSource(UdevPtr<udev> ctx)
      : udev_(std::move(ctx)), dir_(make_directory_source("/sys", "/dev")) {}

  // The directory source's listing of /sys/bus/pci/devices, and one readlink
  // a device for the /sys/devices path. udev_enumerate lists the same
  // directory but opens and stats every component of every path it
  // resolves: some 45 system calls a device, more than the facts cost.
  Result<std::vector<DeviceRef>> list() override {
    auto refs = dir_->list();
    if (!refs) {
      return refs;
    }
    std::array<char, 4096> buf{};
    std::vector<DeviceRef> out;
    out.reserve(refs->size());
    for (auto& ref : *refs) {
      const ssize_t n = ::readlink(ref.syspath.c_str(), buf.data(), buf.size() - 1);
      if (n < 0 && errno == ENOENT) {
        continue;  // removed since the listing
      }
      // The kernel's entries are relative links into /sys/devices; anything
      // else is read where it is.
      if (n > 0) {
        const std::filesystem::path link(std::string(buf.data(), static_cast<size_t>(n)));
        ref.syspath =
            (std::filesystem::path(ref.syspath).parent_path() / link).lexically_normal().string();
        while (ref.syspath.size() > 1 && ref.syspath.back() == '/') {
          ref.syspath.pop_back();
        }
      }
      out.push_back(std::move(ref));
    }
    return out;
  }

  Result<std::unique_ptr<ChangeWatcher>> watch() override {
    // udevd re-broadcasts processed events as "udev"; without udevd (a
    // busybox guest) listen to the kernel's own events instead.
    struct stat st {};
    const char* name = ::stat("/run/udev/control", &st) == 0 ? "udev" : "kernel";
    UdevPtr<udev_monitor> mon{udev_monitor_new_from_netlink(udev_.get(), name)};
    if (!mon) {
      return Error{std::string("cannot open a udev monitor (") + name + ")"};
    }
    // pci: VFs and drivers; mdev: instances created and removed.
    if (udev_monitor_filter_add_match_subsystem_devtype(mon.get(), "pci", nullptr) < 0 ||
        udev_monitor_filter_add_match_subsystem_devtype(mon.get(), "mdev", nullptr) < 0 ||
        udev_monitor_enable_receiving(mon.get()) < 0) {
      return Error{std::string("udev monitor: ") + std::system_category().message(errno)};
    }
    return std::unique_ptr<ChangeWatcher>(std::make_unique<UdevWatcher>(std::move(mon)));
  }

  [[nodiscard]] std::string kind() const override { return "live"; }

 private:
  UdevPtr<udev> udev_;
  std::unique_ptr<DeviceSource> dir_;
};

}  // namespace

Result<std::unique_ptr<DeviceSource>> make_live_source() {
  UdevPtr<udev> ctx{udev_new()};
  if (!ctx) {
    return Error{"udev_new failed"};
  }
  return std::unique_ptr<DeviceSource>(std::make_unique<LiveSource>(std::move(ctx)));
}

}  // namespace fsv
