// SPDX-License-Identifier: Apache-2.0
// The live system through libudev: udev_enumerate on subsystem "pci", and a
// udev monitor on the same subsystem for --wait.
#include <libudev.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <sys/stat.h>

#include "fsv/source.hpp"

namespace fsv {

namespace {

struct UdevDeleter {
  void operator()(udev* u) const { udev_unref(u); }
  void operator()(udev_enumerate* e) const { udev_enumerate_unref(e); }
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

class UdevSource final : public DeviceSource {
 public:
  explicit UdevSource(UdevPtr<udev> ctx) : udev_(std::move(ctx)) {}

  Result<std::vector<DeviceRef>> list() override {
    UdevPtr<udev_enumerate> en{udev_enumerate_new(udev_.get())};
    if (!en) {
      return Error{"udev_enumerate_new failed"};
    }
    if (udev_enumerate_add_match_subsystem(en.get(), "pci") < 0 ||
        udev_enumerate_scan_devices(en.get()) < 0) {
      return Error{std::string("udev_enumerate_scan_devices: ") +
                   std::system_category().message(errno)};
    }
    std::vector<DeviceRef> out;
    udev_list_entry* entry = nullptr;
    udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(en.get())) {
      const std::string syspath = udev_list_entry_get_name(entry);
      const auto slash = syspath.rfind('/');
      out.push_back({syspath.substr(slash + 1), syspath});
    }
    std::sort(out.begin(), out.end(),
              [](const DeviceRef& a, const DeviceRef& b) { return a.address < b.address; });
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
    if (udev_monitor_filter_add_match_subsystem_devtype(mon.get(), "pci", nullptr) < 0 ||
        udev_monitor_enable_receiving(mon.get()) < 0) {
      return Error{std::string("udev monitor: ") + std::system_category().message(errno)};
    }
    return std::unique_ptr<ChangeWatcher>(std::make_unique<UdevWatcher>(std::move(mon)));
  }

  [[nodiscard]] std::string kind() const override { return "libudev"; }

 private:
  UdevPtr<udev> udev_;
};

}  // namespace

Result<std::unique_ptr<DeviceSource>> make_udev_source() {
  UdevPtr<udev> ctx{udev_new()};
  if (!ctx) {
    return Error{"udev_new failed"};
  }
  return std::unique_ptr<DeviceSource>(std::make_unique<UdevSource>(std::move(ctx)));
}

}  // namespace fsv
