// SPDX-License-Identifier: Apache-2.0
// A directory tree laid out like sysfs (tests, snapshots): <root>/bus/pci/devices/*.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <sys/inotify.h>

#include "fsv/source.hpp"

namespace fsv {

// Shared by every watcher (the udev one too).
Result<bool> ChangeWatcher::poll_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd pfd{fd, POLLIN, 0};
  const int rc = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  if (rc < 0) {
    if (errno == EINTR) {
      return false;
    }
    return Error{std::string("poll: ") + std::system_category().message(errno)};
  }
  return rc > 0;
}

namespace {

/// inotify on bus/pci/devices, bus/mdev/devices and <dev>/vfio: devices,
/// instances and nodes appearing or going away wake the waiter; attribute
/// writes are caught by the caller's periodic re-check.
class InotifyWatcher final : public ChangeWatcher {
 public:
  explicit InotifyWatcher(int fd) : fd_(fd) {}
  ~InotifyWatcher() override { ::close(fd_); }
  InotifyWatcher(const InotifyWatcher&) = delete;
  InotifyWatcher& operator=(const InotifyWatcher&) = delete;
  InotifyWatcher(InotifyWatcher&&) = delete;
  InotifyWatcher& operator=(InotifyWatcher&&) = delete;

  Result<bool> wait(std::chrono::milliseconds timeout) override {
    auto ready = poll_readable(fd_, timeout);
    if (!ready || !*ready) {
      return ready;
    }
    // Drain; the content does not matter, only that something changed.
    alignas(inotify_event) char buf[4096];
    while (::read(fd_, buf, sizeof(buf)) > 0) {
    }
    return true;
  }

 private:
  int fd_;
};

class DirectorySource final : public DeviceSource {
 public:
  DirectorySource(std::filesystem::path sysfs_root, std::filesystem::path dev_root)
      : sysfs_root_(std::move(sysfs_root)), dev_root_(std::move(dev_root)) {}

  Result<std::vector<DeviceRef>> list() override {
    const auto dir = sysfs_root_ / "bus" / "pci" / "devices";
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) {
      return Error{"cannot read " + dir.string() + ": " + ec.message()};
    }
    std::vector<DeviceRef> out;
    for (const std::filesystem::directory_iterator end; it != end; it.increment(ec)) {
      if (ec) {
        return Error{"cannot read " + dir.string() + ": " + ec.message()};
      }
      out.push_back({it->path().filename().string(), it->path().string()});
    }
    std::sort(out.begin(), out.end(),
              [](const DeviceRef& a, const DeviceRef& b) { return a.address < b.address; });
    return out;
  }

  Result<std::unique_ptr<ChangeWatcher>> watch() override {
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      return Error{std::string("inotify_init1: ") + std::system_category().message(errno)};
    }
    const uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ATTRIB;
    // Missing directories are fine: the periodic re-check covers them.
    ::inotify_add_watch(fd, (sysfs_root_ / "bus" / "pci" / "devices").c_str(), mask);
    ::inotify_add_watch(fd, (dev_root_ / "vfio").c_str(), mask);
    ::inotify_add_watch(fd, (sysfs_root_ / "bus" / "mdev" / "devices").c_str(), mask);
    return std::unique_ptr<ChangeWatcher>(std::make_unique<InotifyWatcher>(fd));
  }

  [[nodiscard]] std::string kind() const override { return "directory"; }

 private:
  std::filesystem::path sysfs_root_;
  std::filesystem::path dev_root_;
};

}  // namespace

std::unique_ptr<DeviceSource> make_directory_source(std::filesystem::path sysfs_root,
                                                    std::filesystem::path dev_root) {
  return std::make_unique<DirectorySource>(std::move(sysfs_root), std::move(dev_root));
}

}  // namespace fsv
