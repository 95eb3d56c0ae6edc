// SPDX-License-Identifier: Apache-2.0
#include "fsv/report.hpp"

#include <algorithm>
#include <array>
#include <sstream>

#include <nlohmann/json.hpp>

namespace fsv {

namespace {

std::string or_dash(const std::optional<std::string>& v) { return v ? *v : "-"; }

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
      out << "no PCI device matches the selectors\n";
    }
    out << summary_line(r) << '\n';
  }
  if (!o.quiet || !r.expectation_met) {
    out << (r.expectation_met ? p.paint("32", "PASS") : p.paint("1;31", "FAIL")) << ": "
        << r.expectation_message << '\n';
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
  ordered_json selectors = ordered_json::array();
  for (const auto& s : r.selectors) {
    selectors.push_back({{"pci_id", s.pci_id},
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
                    {"scans", r.scans}};
  ordered_json devices = ordered_json::array();
  for (const auto& d : r.devices) {
    ordered_json rules = ordered_json::array();
    for (const auto& rr : d.evaluation.rules) {
      ordered_json j = {{"id", rr.id}, {"result", to_string(rr.outcome)}};
      j["reason"] = rr.reason.empty() ? ordered_json(nullptr) : ordered_json(rr.reason);
      rules.push_back(std::move(j));
    }
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
  const unsigned device_failures = r.summary.failed + r.summary.not_allocatable;
  out << "<testsuites name=\"fakesriov-validate\" tests=\"" << r.devices.size() + 1
      << "\" failures=\"" << device_failures + (r.expectation_met ? 0 : 1) << "\" skipped=\""
      << r.summary.skipped << "\">\n";
  out << "  <testsuite name=\"devices\" tests=\"" << r.devices.size() << "\" failures=\""
      << device_failures << "\" errors=\"0\" skipped=\"" << r.summary.skipped << "\">\n";
  out << "    <properties>\n"
      << "      <property name=\"version\" value=\"" << xml_escape(o.version) << "\"/>\n"
      << "      <property name=\"rules\" value=\"" << xml_escape(r.rules_name) << "\"/>\n"
      << "      <property name=\"rule_set\" value=\"" << to_string(r.rules) << "\"/>\n"
      << "      <property name=\"source\" value=\"" << xml_escape(r.source_kind) << "\"/>\n";
  for (const auto& s : r.selectors) {
    out << "      <property name=\"selector\" value=\"" << xml_escape(s.pci_id) << " "
        << xml_escape(s.resource_name) << (s.external ? " external" : "") << "\"/>\n";
  }
  out << "    </properties>\n";
  for (const auto& d : r.devices) {
    out << "    <testcase classname=\"" << xml_escape(d.selector.resource_name) << "\" name=\""
        << xml_escape(d.facts.address) << "\"";
    const std::string reasons = xml_escape(io::join(d.evaluation.reasons, "; "));
    const auto& a = d.evaluation.allocation;
    switch (d.evaluation.verdict) {
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
            << xml_escape(io::join(d.evaluation.reasons, "\n")) << "</failure>\n    </testcase>\n";
        break;
    }
  }
  out << "  </testsuite>\n";
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
