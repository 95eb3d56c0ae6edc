// SPDX-License-Identifier: Apache-2.0
#include "fsv/validate.hpp"

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <iterator>
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

void count(Summary& summary, const Evaluation& e) {
  switch (e.verdict) {
    case Verdict::discovered:
      ++summary.discovered;
      if (e.allocation.allocatable()) {
        ++summary.allocatable;
      } else {
        ++summary.not_allocatable;
      }
      break;
    case Verdict::skipped:
      ++summary.skipped;
      break;
    case Verdict::failed:
      ++summary.failed;
      break;
  }
  ++summary.matched;
}

/// A failed node check fails the gate, whatever the count.
void apply_checks(Report& report) {
  const auto failed = std::count_if(report.checks.begin(), report.checks.end(),
                                    [](const NodeCheck& c) { return c.rule.outcome == Outcome::fail; });
  if (failed > 0) {
    report.expectation_met = false;
    report.expectation_message += "; " + std::to_string(failed) +
                                  (failed == 1 ? " check of the CR or node failed"
                                               : " checks of the CR or node failed");
  }
}

Report validate_mdev(const FactReader& reader, const ValidateOptions& options) {
  Report report;
  report.path = DevicePath::mdev;
  report.rules = options.rules;
  report.rules_name = options.rules_name;
  report.sysfs_root = reader.sysfs_root().string();
  report.dev_root = reader.dev_root().string();
  report.expectation = options.expectation;
  report.mdev_selectors = options.mdev_names;
  if (options.mdev_cr) {
    report.mdev_selectors.insert(report.mdev_selectors.end(), options.mdev_cr->selectors.begin(),
                                 options.mdev_cr->selectors.end());
  }
  report.mdev_all = report.mdev_selectors.empty();
  // device_controller.go fills a map: the last non-external selector of a name wins.
  std::unordered_map<std::string, const MdevSelector*> by_name;
  for (const auto& s : report.mdev_selectors) {
    if (!s.external) {
      by_name[s.name] = &s;
    }
  }
  const MdevReader mdev(reader.sysfs_root(), reader.dev_root());
  report.mdev_types = summarize_mdev_types(mdev.list_types());
  for (const auto& uuid : mdev.list_instances()) {
    MdevReport mr;
    mr.facts = mdev.read(uuid);
    if (report.mdev_all) {
      const std::string name = mr.facts.type_name.value_or("-");
      mr.selector = {name, name, false};
    } else if (mr.facts.type_name) {
      const auto it = by_name.find(*mr.facts.type_name);
      if (it == by_name.end()) {
        continue;
      }
      mr.selector = *it->second;
    } else {
      // No type name: no selector can match, which KubeVirt does silently.
      mr.selector = {"-", "-", false};
    }
    mr.evaluation = evaluate_mdev(mr.facts);
    mr.env_var = mdev_env_var(mr.selector.resource_name);
    count(report.summary, mr.evaluation);
    report.mdevs.push_back(std::move(mr));
  }
  if (options.mdev_cr) {
    report.checks = check_mdev_resource_names(options.mdev_cr->selectors);
    auto desired = check_mdev_desired_types(*options.mdev_cr, report.mdev_types);
    report.checks.insert(report.checks.end(), std::make_move_iterator(desired.begin()),
                         std::make_move_iterator(desired.end()));
  }
  report.expectation_met =
      expectation_holds(options.expectation, report.summary, &report.expectation_message);
  apply_checks(report);
  return report;
}

}  // namespace

std::string mdev_env_var(std::string_view resource_name) {
  std::string out = "MDEV_PCI_RESOURCE_";
  for (const char c : resource_name) {
    if (c == '/' || c == '.') {
      out += '_';
    } else {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

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
  if (options.path == DevicePath::mdev) {
    Report report = validate_mdev(reader, options);
    report.source_kind = source.kind();
    return report;
  }
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
    count(report.summary, dr.evaluation);
    report.devices.push_back(std::move(dr));
  }
  report.expectation_met =
      expectation_holds(options.expectation, report.summary, &report.expectation_message);
  return report;
}

std::string no_match_hint(const Report& r) {
  if (r.path == DevicePath::mdev) {
    if (!r.mdevs.empty()) {
      return {};
    }
    unsigned instances = 0;
    for (const auto& t : r.mdev_types) {
      instances += t.instances;
    }
    if (instances > 0 && !r.mdev_all) {
      std::vector<std::string> names;
      for (const auto& s : r.mdev_selectors) {
        if (!s.external) {
          names.push_back(s.name);
        }
      }
      return "no mdev instance matches " + io::join(names, ", ") + ": the node's " +
             std::to_string(instances) + " are of other types (the mdev types listed)";
    }
    return "no mdev instance: KubeVirt (or mdevctl) creates them; the parents are "
           "/sys/class/mdev_bus/* (is the module loaded with mode=mdev? lsmod | grep "
           "fake_sriov_vgpu)";
  }
  if (!r.devices.empty()) {
    return {};
  }
  std::vector<std::string> ids;
  for (const auto& s : r.selectors) {
    if (!s.external) {
      ids.push_back(s.pci_id);
    }
  }
  if (ids.empty()) {
    return {};  // every selector is left to an external provider
  }
  return "no PCI device matches " + io::join(ids, ", ") +
         ": is the module loaded? (lsmod | grep fake_sriov_vgpu; modprobe fake_sriov_vgpu; "
         "on an NVIDIA host: are the VFs enabled?)";
}

Result<Report> validate_waiting(DeviceSource& source, const FactReader& reader,
                                const ValidateOptions& options, std::chrono::milliseconds wait,
                                std::chrono::milliseconds recheck, const WaitProgress& progress) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + wait;
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
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
    report->waited_s = std::chrono::duration<double>(now - start).count();
    if (progress) {
      progress(*report, waited);
    }
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
