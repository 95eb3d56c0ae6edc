// SPDX-License-Identifier: Apache-2.0
#include "fsv/validate.hpp"

#include <poll.h>

#include <algorithm>
#include <unordered_map>

namespace fsv {

namespace {

/// Used when no change source can be opened (no netlink, no inotify): the
/// periodic re-check alone.
class SleepWatcher final : public ChangeWatcher {
 public:
  Result<bool> wait(std::chrono::milliseconds timeout) override {
    ::poll(nullptr, 0, static_cast<int>(timeout.count()));
    return false;
  }
};

}  // namespace

bool expectation_holds(const Expectation& e, const Summary& s, std::string* message) {
  std::string msg;
  bool ok = false;
  std::string found = std::to_string(s.allocatable) + " discovered and allocatable";
  if (s.not_allocatable > 0) {
    found += " (" + std::to_string(s.not_allocatable) + " more discovered but not allocatable)";
  }
  switch (e.kind) {
    case Expectation::Kind::exact:
      ok = s.allocatable == e.count;
      msg = "expected exactly " + std::to_string(e.count) + " discovered and allocatable, found " +
            found;
      break;
    case Expectation::Kind::min:
      ok = s.allocatable >= e.count;
      msg = "expected at least " + std::to_string(e.count) + " discovered and allocatable, found " +
            found;
      break;
    case Expectation::Kind::any:
      ok = s.allocatable > 0 && s.failed == 0 && s.not_allocatable == 0;
      msg =
          "expected at least 1 discovered and allocatable and none failed or not allocatable, "
          "found " +
          found + " and " + std::to_string(s.failed) + " failed";
      break;
  }
  if (message != nullptr) {
    *message = std::move(msg);
  }
  return ok;
}

Result<Report> validate_once(DeviceSource& source, const FactReader& reader,
                             const ValidateOptions& options) {
  Report report;
  report.rules = options.rules;
  report.rules_name = options.rules_name;
  report.source_kind = source.kind();
  report.sysfs_root = reader.sysfs_root().string();
  report.dev_root = reader.dev_root().string();
  report.selectors = options.selectors;
  report.expectation = options.expectation;

  // First non-external selector wins for a PCI ID; external ones are not checked.
  std::unordered_map<std::string, const Selector*> by_id;
  for (const auto& s : options.selectors) {
    if (!s.external) {
      by_id.emplace(s.pci_id, &s);
    }
  }

  auto devices = source.list();
  if (!devices) {
    return devices.error();
  }
  for (const auto& ref : *devices) {
    auto pci_id = reader.read_pci_id(ref.syspath);
    if (!pci_id) {
      continue;
    }
    const auto it = by_id.find(*pci_id);
    if (it == by_id.end()) {
      continue;
    }
    DeviceReport dr;
    dr.facts = reader.read(ref, std::move(pci_id));
    dr.selector = *it->second;
    dr.evaluation = evaluate(dr.facts, options.rules);
    switch (dr.evaluation.verdict) {
      case Verdict::discovered:
        ++report.summary.discovered;
        if (dr.evaluation.allocation.allocatable()) {
          ++report.summary.allocatable;
        } else {
          ++report.summary.not_allocatable;
        }
        break;
      case Verdict::skipped:
        ++report.summary.skipped;
        break;
      case Verdict::failed:
        ++report.summary.failed;
        break;
    }
    ++report.summary.matched;
    report.devices.push_back(std::move(dr));
  }
  report.expectation_met =
      expectation_holds(options.expectation, report.summary, &report.expectation_message);
  return report;
}

Result<Report> validate_waiting(DeviceSource& source, const FactReader& reader,
                                const ValidateOptions& options, std::chrono::milliseconds wait,
                                std::chrono::milliseconds recheck) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + wait;
  auto watched = source.watch();
  std::unique_ptr<ChangeWatcher> watcher =
      watched ? std::move(watched).value() : std::make_unique<SleepWatcher>();
  unsigned scans = 0;
  for (;;) {
    auto report = validate_once(source, reader, options);
    ++scans;
    if (!report) {
      return report;
    }
    report->scans = scans;
    const auto now = Clock::now();
    if (report->expectation_met || now >= deadline) {
      return report;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    auto woke = watcher->wait(std::min(left + std::chrono::milliseconds(1), recheck));
    if (!woke) {
      return woke.error();
    }
  }
}

}  // namespace fsv
