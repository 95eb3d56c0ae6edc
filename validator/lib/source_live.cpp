// SPDX-License-Identifier: Apache-2.0
// The live system: /sys/bus/pci/devices listed as KubeVirt walks it, each
// entry's link resolved to its /sys/devices path (the syspath udev would
// give), and a libudev monitor on subsystem "pci" for --wait.
#include <dirent.h>
#include <fcntl.h>
#include <libudev.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
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

constexpr const char* kPciDevices = "/sys/bus/pci/devices";

class LiveSource final : public DeviceSource {
 public:
  explicit LiveSource(UdevPtr<udev> ctx) : udev_(std::move(ctx)) {}

  // One getdents and one readlink a device. udev_enumerate lists the same
  // directory but opens and stats every component of every path it
  // resolves: some 45 system calls a device, more than the facts cost.
  Result<std::vector<DeviceRef>> list() override {
    const int fd = ::open(kPciDevices, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* dir = fd < 0 ? nullptr : ::fdopendir(fd);
    if (dir == nullptr) {
      const int err = errno;
      if (fd >= 0) {
        ::close(fd);
      }
      return Error{std::string("cannot read ") + kPciDevices + ": " +
                   std::system_category().message(err)};
    }
    const std::filesystem::path base(kPciDevices);
    std::vector<DeviceRef> out;
    std::array<char, 4096> buf{};
    errno = 0;
    while (const dirent* de = ::readdir(dir)) {
      const std::string name = de->d_name;
      if (name == "." || name == "..") {
        continue;
      }
      const ssize_t n = ::readlinkat(fd, de->d_name, buf.data(), buf.size() - 1);
      if (n < 0 && errno == ENOENT) {
        errno = 0;
        continue;  // removed since readdir
      }
      // The kernel's entries are relative links into /sys/devices; anything
      // else is read where it is.
      std::string syspath =
          n > 0
              ? (base / std::string(buf.data(), static_cast<size_t>(n))).lexically_normal().string()
              : (base / name).string();
      while (syspath.size() > 1 && syspath.back() == '/') {
        syspath.pop_back();
      }
      out.push_back({name, std::move(syspath)});
      errno = 0;
    }
    const int err = errno;
    ::closedir(dir);
    if (err != 0) {
      return Error{std::string("cannot read ") + kPciDevices + ": " +
                   std::system_category().message(err)};
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

  [[nodiscard]] std::string kind() const override { return "live"; }

 private:
  UdevPtr<udev> udev_;
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
