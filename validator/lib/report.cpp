// SPDX-License-Identifier: Apache-2.0
#include "fsv/report.hpp"

#include <algorithm>
#include <array>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

namespace fsv {

namespace {

std::string or_dash(const std::optional<std::string>& v) { return v ? *v : "-"; }

/// "12.3": seconds with one decimal.
std::string seconds(double s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << s;
  return out.str();
}

/// The PASS/FAIL line's message, with how long --wait waited.
std::string expectation_text(const Report& r) {
  std::string out = r.expectation_message;
  if (r.waited_s) {
    out += " (after " + seconds(*r.waited_s) + " s of waiting)";
  }
  return out;
}

/// A selector as JUnit's property says it: "10de:1eb8", with the resource
/// name only where it differs (a CR's), and "external".
std::string selector_property(const std::string& selector, const std::string& resource_name,
                              bool external) {
  std::string out = selector;
  if (resource_name != selector) {
    out += " " + resource_name;
  }
  if (external) {
    out += " external";
  }
  return out;
}

std::string vgpu_column(const DeviceReport& d) {
  if (d.evaluation.passthrough) {
    return "vfio-pci passthrough";
  }
  std::string out = or_dash(d.facts.current_vgpu_type);
  if (d.evaluation.vgpu_type_name) {
    out += " (" + *d.evaluation.vgpu_type_name + ")";
  }
  return out;
}

std::string external_line(const Selector& s) {
  return "selector " + s.pci_id + " (" + s.resource_name +
         "): left to an external provider, not checked";
}

/// "kubevirt-main", or "kubevirt = kubevirt-1.9.0" when an alias was asked for.
std::string rules_label(const Report& r) {
  const std::string canonical(to_string(r.rules));
  return r.rules_name == canonical ? canonical : r.rules_name + " = " + canonical;
}

/// "yes", "no", or "-" when KubeVirt never allocates the device.
std::string alloc_column(const DeviceReport& d) {
  const auto& a = d.evaluation.allocation;
  if (!a.applicable) {
    return "-";
  }
  return a.allocatable() ? "yes" : "no";
}

/// A device the gate counts against: failed, or discovered but not allocatable.
bool is_problem(const DeviceReport& d) {
  return d.evaluation.verdict == Verdict::failed ||
         (d.evaluation.verdict == Verdict::discovered && !d.evaluation.allocation.allocatable());
}

std::string summary_line(const Report& r) {
  if (r.path == DevicePath::mdev) {
    return std::to_string(r.summary.matched) + " mdev instances matched: " +
           std::to_string(r.summary.discovered) + " discovered, " +
           std::to_string(r.summary.failed) + " failed; " + std::to_string(r.summary.allocatable) +
           " discovered and allocatable (path mdev, KubeVirt v1.9.0's mediated device plugin, " +
           r.source_kind + ")";
  }
  return std::to_string(r.summary.matched) + " matched: " + std::to_string(r.summary.discovered) +
         " discovered, " + std::to_string(r.summary.skipped) + " skipped, " +
         std::to_string(r.summary.failed) + " failed; " + std::to_string(r.summary.allocatable) +
         " discovered and allocatable (rules " + rules_label(r) + ", " + r.source_kind + ")";
}

class Painter {
 public:
  explicit Painter(bool on) : on_(on) {}
  [[nodiscard]] std::string paint(std::string_view code, const std::string& text) const {
    if (!on_) {
      return text;
    }
    return "\033[" + std::string(code) + "m" + text + "\033[0m";
  }
  [[nodiscard]] std::string verdict(Verdict v, const std::string& text) const {
    switch (v) {
      case Verdict::discovered:
        return paint("32", text);
      case Verdict::skipped:
        return paint("33", text);
      case Verdict::failed:
        return paint("1;31", text);
    }
    return text;
  }

 private:
  bool on_;
};

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters other than tab/newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

bool is_problem(const MdevReport& m) {
  return m.evaluation.verdict == Verdict::failed ||
         (m.evaluation.verdict == Verdict::discovered && !m.evaluation.allocation.allocatable());
}

std::string alloc_column(const Allocation& a) {
  if (!a.applicable) {
    return "-";
  }
  return a.allocatable() ? "yes" : "no";
}

std::string external_line(const MdevSelector& s) {
  return "selector " + s.name + " (" + s.resource_name +
         "): left to an external provider, not checked";
}

std::string check_line(const NodeCheck& c) {
  std::string out = "check " + c.rule.id + " (" + c.subject + "): " +
                    std::string(to_string(c.rule.outcome));
  if (!c.rule.reason.empty()) {
    out += ": " + c.rule.reason;
  }
  return out;
}

/// One line per type: "nvidia-256  GRID_T4-1B  ...".
std::vector<std::string> type_lines(const Report& r) {
  std::vector<std::string> out;
  for (const auto& t : r.mdev_types) {
    std::string line = "  " + t.id + "  " + t.key + "  parents " + io::join(t.parents, ",") +
                       "  instances " + std::to_string(t.instances) + "  available " +
                       std::to_string(t.available_instances) + "  full node " +
                       (t.max_instance_known ? std::to_string(t.max_instance_total) : "?");
    out.push_back(std::move(line));
  }
  return out;
}

/// The mdev table: one row per instance, its reasons, the types, the checks.
void render_mdev_rows(std::ostringstream& out, const Report& r, const RenderOptions& o,
                      const Painter& p) {
  constexpr size_t kCols = 8;
  constexpr size_t kVerdictCol = 2;
  constexpr size_t kAllocCol = 3;
  using Row = std::array<std::string, kCols>;
  std::vector<std::pair<const MdevReport*, Row>> rows;
  for (const auto& m : r.mdevs) {
    if (o.quiet && !is_problem(m)) {
      continue;
    }
    rows.push_back({&m,
                    {m.facts.uuid, or_dash(m.facts.type_name),
                     std::string(to_string(m.evaluation.verdict)),
                     alloc_column(m.evaluation.allocation), m.selector.resource_name,
                     or_dash(m.facts.parent), or_dash(m.facts.iommu_group),
                     std::to_string(m.facts.numa_node)}});
  }
  if (!rows.empty()) {
    const Row header{"UUID", "TYPE", "VERDICT", "ALLOC", "RESOURCE", "PARENT", "IOMMU", "NUMA"};
    std::array<size_t, kCols> width{};
    for (size_t c = 0; c < kCols; ++c) {
      width[c] = header[c].size();
      for (const auto& [m, row] : rows) {
        width[c] = std::max(width[c], row[c].size());
      }
    }
    const auto emit = [&](const Row& row, const MdevReport* m) {
      std::string line;
      for (size_t c = 0; c < kCols; ++c) {
        std::string cell = row[c];
        const size_t pad = c + 1 < kCols ? width[c] - cell.size() + 2 : 0;
        if (m != nullptr && c == kVerdictCol) {
          cell = p.verdict(m->evaluation.verdict, cell);
        } else if (m != nullptr && c == kAllocCol && cell == "no") {
          cell = p.paint("1;31", cell);
        } else if (m == nullptr) {
          cell = p.paint("1", cell);
        }
        line += cell + std::string(pad, ' ');
      }
      out << line << '\n';
    };
    emit(header, nullptr);
    for (const auto& [m, row] : rows) {
      emit(row, m);
      for (const auto& reason : m->evaluation.reasons) {
        out << "    - " << reason << '\n';
      }
      for (const auto& reason : m->evaluation.allocation.reasons) {
        out << "    - " << reason << '\n';
      }
    }
  }
  for (const auto& c : r.checks) {
    if (o.quiet && c.rule.outcome != Outcome::fail) {
      continue;
    }
    out << (c.rule.outcome == Outcome::fail ? p.paint("1;31", check_line(c)) : check_line(c))
        << '\n';
  }
  if (o.quiet) {
    return;
  }
  if (!r.mdev_types.empty()) {
    out << "mdev types (full node: the sum of max_instance= over the parents):\n";
    for (const auto& line : type_lines(r)) {
      out << line << '\n';
    }
  }
  for (const auto& s : r.mdev_selectors) {
    if (s.external) {
      out << external_line(s) << '\n';
    }
  }
  if (r.mdevs.empty()) {
    if (!r.hint.empty()) {
      out << r.hint << '\n';
    } else {
      out << (r.mdev_all ? "no mdev instance on this node\n"
                         : "no mdev instance matches the selectors\n");
    }
  }
}

nlohmann::ordered_json rules_json(const std::vector<RuleResult>& results) {
  using nlohmann::ordered_json;
  ordered_json rules = ordered_json::array();
  for (const auto& rr : results) {
    ordered_json j = {{"id", rr.id}, {"result", to_string(rr.outcome)}};
    j["reason"] = rr.reason.empty() ? ordered_json(nullptr) : ordered_json(rr.reason);
    rules.push_back(std::move(j));
  }
  return rules;
}

/// The mdev path's "mdev_types" and "devices".
void add_mdev_json(nlohmann::ordered_json& doc, const Report& r) {
  using nlohmann::ordered_json;
  const auto opt = [](const std::optional<std::string>& v) -> ordered_json {
    return v ? ordered_json(*v) : ordered_json(nullptr);
  };
  ordered_json types = ordered_json::array();
  for (const auto& t : r.mdev_types) {
    types.push_back({{"id", t.id},
                     {"name", opt(t.name)},
                     {"type_name", t.key},
                     {"parents", t.parents},
                     {"instances", t.instances},
                     {"available_instances", t.available_instances},
                     {"max_instance_total", t.max_instance_known ? ordered_json(t.max_instance_total)
                                                                 : ordered_json(nullptr)}});
  }
  doc["mdev_types"] = std::move(types);
  ordered_json devices = ordered_json::array();
  for (const auto& m : r.mdevs) {
    ordered_json dev;
    dev["uuid"] = m.facts.uuid;
    dev["mdev_type"] = opt(m.facts.type_id);
    dev["type_name"] = opt(m.facts.type_name);
    dev["type_name_raw"] = opt(m.facts.type_name_raw);
    dev["resource_name"] = m.selector.resource_name;
    dev["verdict"] = to_string(m.evaluation.verdict);
    dev["reasons"] = m.evaluation.reasons;
    dev["parent"] = opt(m.facts.parent);
    dev["driver"] = opt(m.facts.driver);
    dev["iommu_group"] = opt(m.facts.iommu_group);
    dev["numa_node"] = m.facts.numa_node;
    dev["available_instances"] = m.facts.available_instances
                                     ? ordered_json(*m.facts.available_instances)
                                     : ordered_json(nullptr);
    dev["syspath"] = m.facts.syspath;
    dev["rules"] = rules_json(m.evaluation.rules);
    const auto& a = m.evaluation.allocation;
    dev["allocatable"] = a.applicable ? ordered_json(a.allocatable()) : ordered_json(nullptr);
    dev["allocation"] = {{"rule", a.rule.id},
                         {"result", to_string(a.rule.outcome)},
                         {"reasons", a.reasons},
                         {"host_paths", a.host_paths},
                         {"missing", a.missing},
                         {"env", {{m.env_var, m.facts.uuid}}}};
    devices.push_back(std::move(dev));
  }
  doc["devices"] = std::move(devices);
}

}  // namespace

Result<Format> parse_format(std::string_view name) {
  if (name == "table") {
    return Format::table;
  }
  if (name == "json") {
    return Format::json;
  }
  if (name == "junit") {
    return Format::junit;
  }
  return Error{"unknown format '" + std::string(name) + "' (table, json or junit)"};
}

std::string render_table(const Report& r, const RenderOptions& o) {
  const Painter p(o.color);
  std::ostringstream out;
  if (r.path == DevicePath::mdev) {
    render_mdev_rows(out, r, o, p);
    if (!o.quiet) {
      out << summary_line(r) << '\n';
    }
    if (!o.quiet || !r.expectation_met) {
      out << (r.expectation_met ? p.paint("32", "PASS") : p.paint("1;31", "FAIL")) << ": "
          << expectation_text(r) << '\n';
    }
    return out.str();
  }
  constexpr size_t kCols = 8;
  constexpr size_t kVerdictCol = 2;
  constexpr size_t kAllocCol = 3;
  using Row = std::array<std::string, kCols>;
  std::vector<std::pair<const DeviceReport*, Row>> rows;
  for (const auto& d : r.devices) {
    if (o.quiet && !is_problem(d)) {
      continue;
    }
    rows.push_back(
        {&d,
         {d.facts.address, or_dash(d.facts.pci_id), std::string(to_string(d.evaluation.verdict)),
          alloc_column(d), d.selector.resource_name, or_dash(d.facts.iommu_group),
          std::to_string(d.facts.numa_node), vgpu_column(d)}});
  }
  if (!rows.empty()) {
    const Row header{"ADDRESS",  "PCI ID", "VERDICT", "ALLOC",
                     "RESOURCE", "IOMMU",  "NUMA",    "VGPU TYPE"};
    std::array<size_t, kCols> width{};
    for (size_t c = 0; c < kCols; ++c) {
      width[c] = header[c].size();
      for (const auto& [dev, row] : rows) {
        width[c] = std::max(width[c], row[c].size());
      }
    }
    const auto emit = [&](const Row& row, const DeviceReport* dev) {
      std::string line;
      for (size_t c = 0; c < kCols; ++c) {
        std::string cell = row[c];
        const size_t pad = c + 1 < kCols ? width[c] - cell.size() + 2 : 0;
        if (dev != nullptr && c == kVerdictCol) {
          cell = p.verdict(dev->evaluation.verdict, cell);
        } else if (dev != nullptr && c == kAllocCol && cell == "no") {
          cell = p.paint("1;31", cell);
        } else if (dev == nullptr) {
          cell = p.paint("1", cell);
        }
        line += cell + std::string(pad, ' ');
      }
      out << line << '\n';
    };
    emit(header, nullptr);
    for (const auto& [dev, row] : rows) {
      emit(row, dev);
      for (const auto& reason : dev->evaluation.reasons) {
        out << "    - " << reason << '\n';
      }
      for (const auto& reason : dev->evaluation.allocation.reasons) {
        out << "    - " << reason << '\n';
      }
    }
  }
  if (!o.quiet) {
    for (const auto& s : r.selectors) {
      if (s.external) {
        out << external_line(s) << '\n';
      }
    }
    if (r.devices.empty()) {
      out << (r.hint.empty() ? "no PCI device matches the selectors" : r.hint) << '\n';
    }
    out << summary_line(r) << '\n';
  }
  if (!o.quiet || !r.expectation_met) {
    out << (r.expectation_met ? p.paint("32", "PASS") : p.paint("1;31", "FAIL")) << ": "
        << expectation_text(r) << '\n';
  }
  return out.str();
}

std::string render_json(const Report& r, const RenderOptions& o) {
  using nlohmann::ordered_json;
  const auto opt = [](const std::optional<std::string>& v) -> ordered_json {
    return v ? ordered_json(*v) : ordered_json(nullptr);
  };
  ordered_json doc;
  doc["schema_version"] = kJsonSchemaVersion;
  doc["tool"] = {{"name", "fakesriov-validate"}, {"version", o.version}};
  doc["rules"] = r.rules_name;
  doc["rule_set"] = {{"name", to_string(r.rules)}, {"requested", r.rules_name}};
  doc["source"] = {{"kind", r.source_kind}, {"sysfs_root", r.sysfs_root}, {"dev_root", r.dev_root}};
  doc["path"] = to_string(r.path);
  ordered_json selectors = ordered_json::array();
  for (const auto& s : r.selectors) {
    selectors.push_back({{"pci_id", s.pci_id},
                         {"resource_name", s.resource_name},
                         {"external_resource_provider", s.external},
                         {"checked", !s.external}});
  }
  for (const auto& s : r.mdev_selectors) {
    selectors.push_back({{"mdev_name_selector", s.name},
                         {"resource_name", s.resource_name},
                         {"external_resource_provider", s.external},
                         {"checked", !s.external}});
  }
  doc["selectors"] = std::move(selectors);
  const char* kind = "any";
  if (r.expectation.kind == Expectation::Kind::exact) {
    kind = "exact";
  } else if (r.expectation.kind == Expectation::Kind::min) {
    kind = "min";
  }
  doc["expectation"] = {
      {"kind", kind},
      {"count", r.expectation.kind == Expectation::Kind::any ? ordered_json(nullptr)
                                                             : ordered_json(r.expectation.count)},
      {"met", r.expectation_met},
      {"message", r.expectation_message}};
  doc["summary"] = {{"matched", r.summary.matched},
                    {"discovered", r.summary.discovered},
                    {"skipped", r.summary.skipped},
                    {"failed", r.summary.failed},
                    {"allocatable", r.summary.allocatable},
                    {"not_allocatable", r.summary.not_allocatable},
                    {"scans", r.scans},
                    {"waited_s", r.waited_s ? ordered_json(*r.waited_s) : ordered_json(nullptr)}};
  doc["hint"] = r.hint.empty() ? ordered_json(nullptr) : ordered_json(r.hint);
  ordered_json checks = ordered_json::array();
  for (const auto& c : r.checks) {
    checks.push_back({{"id", c.rule.id},
                      {"subject", c.subject},
                      {"result", to_string(c.rule.outcome)},
                      {"reason", c.rule.reason.empty() ? ordered_json(nullptr)
                                                       : ordered_json(c.rule.reason)}});
  }
  doc["checks"] = std::move(checks);
  if (r.path == DevicePath::mdev) {
    add_mdev_json(doc, r);
    return doc.dump(2) + "\n";
  }
  ordered_json devices = ordered_json::array();
  for (const auto& d : r.devices) {
    ordered_json rules = rules_json(d.evaluation.rules);
    ordered_json dev;
    dev["address"] = d.facts.address;
    dev["pci_id"] = opt(d.facts.pci_id);
    dev["resource_name"] = d.selector.resource_name;
    dev["verdict"] = to_string(d.evaluation.verdict);
    dev["reasons"] = d.evaluation.reasons;
    dev["driver"] = opt(d.facts.driver);
    dev["iommu_group"] = opt(d.facts.iommu_group);
    dev["numa_node"] = d.facts.numa_node;
    dev["vgpu_type"] = opt(d.facts.current_vgpu_type);
    dev["vgpu_type_name"] = opt(d.evaluation.vgpu_type_name);
    dev["passthrough"] = d.evaluation.passthrough;
    dev["vfio_devices"] = d.facts.vfio_dev;
    dev["syspath"] = d.facts.syspath;
    dev["rules"] = std::move(rules);
    const auto& a = d.evaluation.allocation;
    dev["allocatable"] = a.applicable ? ordered_json(a.allocatable()) : ordered_json(nullptr);
    dev["allocation"] = {{"rule", a.rule.id},    {"result", to_string(a.rule.outcome)},
                         {"reasons", a.reasons}, {"host_paths", a.host_paths},
                         {"missing", a.missing}, {"left_out", a.left_out}};
    devices.push_back(std::move(dev));
  }
  doc["devices"] = std::move(devices);
  return doc.dump(2) + "\n";
}

std::string render_junit(const Report& r, const RenderOptions& o) {
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  const bool mdev = r.path == DevicePath::mdev;
  const size_t n_devices = mdev ? r.mdevs.size() : r.devices.size();
  const unsigned device_failures = r.summary.failed + r.summary.not_allocatable;
  const auto check_failures = static_cast<unsigned>(
      std::count_if(r.checks.begin(), r.checks.end(),
                    [](const NodeCheck& c) { return c.rule.outcome == Outcome::fail; }));
  out << "<testsuites name=\"fakesriov-validate\" tests=\"" << n_devices + r.checks.size() + 1
      << "\" failures=\"" << device_failures + check_failures + (r.expectation_met ? 0 : 1)
      << "\" skipped=\"" << r.summary.skipped << "\">\n";
  out << "  <testsuite name=\"devices\" tests=\"" << n_devices << "\" failures=\""
      << device_failures << "\" errors=\"0\" skipped=\"" << r.summary.skipped << "\">\n";
  out << "    <properties>\n"
      << "      <property name=\"version\" value=\"" << xml_escape(o.version) << "\"/>\n"
      << "      <property name=\"path\" value=\"" << to_string(r.path) << "\"/>\n"
      << "      <property name=\"rules\" value=\"" << xml_escape(r.rules_name) << "\"/>\n"
      << "      <property name=\"rule_set\" value=\"" << to_string(r.rules) << "\"/>\n"
      << "      <property name=\"source\" value=\"" << xml_escape(r.source_kind) << "\"/>\n";
  for (const auto& s : r.selectors) {
    out << "      <property name=\"selector\" value=\""
        << xml_escape(selector_property(s.pci_id, s.resource_name, s.external)) << "\"/>\n";
  }
  for (const auto& s : r.mdev_selectors) {
    out << "      <property name=\"selector\" value=\""
        << xml_escape(selector_property(s.name, s.resource_name, s.external)) << "\"/>\n";
  }
  if (r.waited_s) {
    out << "      <property name=\"waited_s\" value=\"" << seconds(*r.waited_s) << "\"/>\n";
  }
  if (!r.hint.empty()) {
    out << "      <property name=\"hint\" value=\"" << xml_escape(r.hint) << "\"/>\n";
  }
  out << "    </properties>\n";
  const auto testcase = [&out](const std::string& classname, const std::string& name,
                               const Evaluation& e) {
    out << "    <testcase classname=\"" << xml_escape(classname) << "\" name=\""
        << xml_escape(name) << "\"";
    const std::string reasons = xml_escape(io::join(e.reasons, "; "));
    const auto& a = e.allocation;
    switch (e.verdict) {
      case Verdict::discovered:
        if (a.allocatable()) {
          out << "/>\n";
        } else {
          out << ">\n      <failure message=\"" << xml_escape(io::join(a.reasons, "; "))
              << "\" type=\"not-allocatable\">" << xml_escape(io::join(a.reasons, "\n"))
              << "</failure>\n    </testcase>\n";
        }
        break;
      case Verdict::skipped:
        out << ">\n      <skipped message=\"" << reasons << "\"/>\n    </testcase>\n";
        break;
      case Verdict::failed:
        out << ">\n      <failure message=\"" << reasons << "\" type=\"failed\">"
            << xml_escape(io::join(e.reasons, "\n")) << "</failure>\n    </testcase>\n";
        break;
    }
  };
  for (const auto& d : r.devices) {
    testcase(d.selector.resource_name, d.facts.address, d.evaluation);
  }
  for (const auto& m : r.mdevs) {
    testcase(m.selector.resource_name, m.facts.uuid, m.evaluation);
  }
  out << "  </testsuite>\n";
  if (!r.checks.empty()) {
    out << "  <testsuite name=\"checks\" tests=\"" << r.checks.size() << "\" failures=\""
        << check_failures << "\" errors=\"0\" skipped=\"0\">\n";
    for (const auto& c : r.checks) {
      out << "    <testcase classname=\"" << xml_escape(c.rule.id) << "\" name=\""
          << xml_escape(c.subject) << "\"";
      if (c.rule.outcome == Outcome::fail) {
        out << ">\n      <failure message=\"" << xml_escape(c.rule.reason)
            << "\" type=\"check\"/>\n    </testcase>\n";
      } else {
        out << "/>\n";
      }
    }
    out << "  </testsuite>\n";
  }
  out << "  <testsuite name=\"expectation\" tests=\"1\" failures=\"" << (r.expectation_met ? 0 : 1)
      << "\" errors=\"0\" skipped=\"0\">\n";
  out << "    <testcase classname=\"fakesriov-validate\" name=\"expectation\"";
  if (r.expectation_met) {
    out << "/>\n";
  } else {
    out << ">\n      <failure message=\"" << xml_escape(r.expectation_message)
        << "\" type=\"expectation\"/>\n    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

std::string wait_progress(const Report& r, std::chrono::milliseconds waited,
                          std::chrono::milliseconds wait) {
  const char* what = r.path == DevicePath::mdev ? "mdev instances" : "devices";
  std::string out = "waiting: " + std::to_string(r.summary.allocatable);
  if (r.expectation.kind == Expectation::Kind::any) {
    out += std::string(" ") + what + " discovered and allocatable";
  } else {
    out += " of " + std::to_string(r.expectation.count) + " " + what;
  }
  std::string total = seconds(std::chrono::duration<double>(wait).count());
  if (total.ends_with(".0")) {
    total.resize(total.size() - 2);
  }
  out += ", " + std::to_string(waited.count() / 1000) + " s of " + total + " s";
  return out;
}

std::string render(Format format, const Report& report, const RenderOptions& options) {
  switch (format) {
    case Format::table:
      return render_table(report, options);
    case Format::json:
      return render_json(report, options);
    case Format::junit:
      return render_junit(report, options);
  }
  return {};
}

}  // namespace fsv
