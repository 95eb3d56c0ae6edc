// SPDX-License-Identifier: Apache-2.0
// fakesriov-validate: the thin command-line edge over libfsv-validate.
// Exceptions stop here; the library reports errors as values.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>

#include "fsv/config.hpp"
#include "fsv/report.hpp"
#include "fsv/rules.hpp"
#include "fsv/snapshot.hpp"
#include "fsv/source.hpp"
#include "fsv/validate.hpp"
#include "version.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitExpectation = 1;
constexpr int kExitUsage = 2;

/// The selector without --selector or --kubevirt-cr: the T4 VF, the module's default.
constexpr const char* kDefaultSelector = "10de:1eb8";

constexpr const char* kDescription =
    "Check every PCI device that matches a KubeVirt pciHostDevices selector\n"
    "against KubeVirt's discovery rules, and say whether the node will advertise\n"
    "it (discovered), leave it out on purpose (skipped: a PF, a VF without a vGPU\n"
    "type) or fail to advertise or keep it healthy (failed), with every reason;\n"
    "and whether the pod spec KubeVirt's Allocate would return for it names only\n"
    "host paths that exist (allocatable). --rules picks the KubeVirt to model.\n"
    "--path mdev checks mediated devices (mdev vGPU instances) the way KubeVirt's\n"
    "mediatedDevices discovery and device plugin do instead.\n"
    "Works on the fake-sriov-vgpu module and on real NVIDIA vGPU hosts.";

constexpr const char* kFooterRules =
    "RULES (--rules kubevirt-1.9.0, also kubevirt-main)\n"
    "  The first PCI_ID of uevent, lower-cased, must equal a selector. A driver\n"
    "  must be bound: vfio-pci is accepted as is (passthrough); any other must be\n"
    "  nvidia, the device must have no sriov_totalvfs (a PF) and a\n"
    "  nvidia/current_vgpu_type that is not \"0\". It needs an iommu_group link,\n"
    "  /dev/vfio/<group>, /dev/vfio/devices/X for each vfio-dev/X that has a\n"
    "  device number, and (checked here, not by KubeVirt) an IOMMU group of its\n"
    "  own. --rules pr16710 accepts any driver and treats a device with virtfn*\n"
    "  entries as the PF, vfio-pci ones too.\n"
    "\n"
    "ALLOCATE\n"
    "  Separately, each discovered device is allocatable when every host path\n"
    "  of the pod spec Allocate would return exists: /dev/vfio/vfio,\n"
    "  /dev/vfio/<group> and, under kubevirt-1.9.0, /dev/vfio/devices/X for\n"
    "  every vfio-dev/X (kernels 6.1 to 6.5 have the entry but not the node:\n"
    "  kubevirt issue #18895). kubevirt-main leaves absent cdev nodes out;\n"
    "  pr16710 hands no cdev paths.\n"
    "\n";

constexpr const char* kFooterMdev =
    "MDEV PATH (--path mdev, KubeVirt v1.9.0's mediated_device.go)\n"
    "  Every /sys/bus/mdev/devices/<uuid> whose type name (mdev_type/name, spaces\n"
    "  made underscores) equals a --mdev-name or a mediatedDevices[]\n"
    "  mdevNameSelector of --kubevirt-cr (neither: every instance) is checked:\n"
    "  mdev-type-name, mdev-parent (a symlink that resolves), mdev-numa-node (the\n"
    "  parent's numa_node readable), mdev-available-instances (an integer),\n"
    "  mdev-iommu-group, mdev-vfio-group-node (/dev/vfio/<group>),\n"
    "  mdev-iommu-group-exclusive; Allocate needs /dev/vfio/vfio and\n"
    "  /dev/vfio/<group>. With a CR: mdev-resource-name (a '/' in each\n"
    "  resourceName) and mdev-desired-type (each mediatedDeviceTypes entry has\n"
    "  no space and names a type of the node). The types are listed with the\n"
    "  sum of max_instance= over their parents (a full node).\n"
    "\n";

constexpr const char* kFooterRest =
    "EXIT STATUS\n"
    "  0  the expectation holds (--expect N: exactly N discovered and\n"
    "     allocatable; --expect-min N: at least N; neither: at least one, and\n"
    "     none failed or discovered but not allocatable)\n"
    "  1  it does not (also after --wait runs out)\n"
    "  2  usage or environment error: bad option, no sysfs, unreadable or\n"
    "     malformed KubeVirt CR, snapshot not writable\n"
    "\n"
    "ENVIRONMENT\n"
    "  NO_COLOR  when set and not empty, the table has no colour (--color auto)\n"
    "\n"
    "EXAMPLES\n"
    "  fakesriov-validate --expect 4\n"
    "  fakesriov-validate --rules kubevirt-main --expect 4\n"
    "  fakesriov-validate --kubevirt-cr kubevirt-cr.yaml --wait 60 --expect-min 1\n"
    "  fakesriov-validate --format junit > validate.xml\n"
    "  fakesriov-validate --path mdev --mdev-name GRID_T4-1B --expect 4\n"
    "  fakesriov-validate --path mdev --kubevirt-cr kubevirt-cr.yaml --wait 60\n"
    "  fakesriov-validate --snapshot /tmp/node1 ; fakesriov-validate \\\n"
    "      --sysfs-root /tmp/node1/sys --dev-root /tmp/node1/dev\n"
    "\n"
    "See fakesriov-validate(1) and docs/validator.md for the JSON schema.\n";

/// --help's description column: 30 columns of names, 50 of descriptions,
/// so no line is wider than 80.
constexpr size_t kHelpNameColumns = 30;
constexpr size_t kHelpTextColumns = 50;

/// `text` with each line longer than kHelpTextColumns broken at blanks; the
/// lines it adds are indented by two (the item they continue stands out).
std::string wrap_help(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    std::string line = text.substr(start, end - start);
    std::string indent;
    while (line.size() + indent.size() > kHelpTextColumns) {
      const size_t room = kHelpTextColumns - indent.size();
      size_t cut = line.rfind(' ', room);
      if (cut == std::string::npos || cut == 0) {
        break;  // one word wider than the column: leave it
      }
      out += indent + line.substr(0, cut) + "\n";
      line.erase(0, cut + 1);
      indent = "  ";
    }
    out += indent + line + "\n";
    start = end + 1;
  }
  out.pop_back();
  return out;
}

/// The --path help, from the library's list of path names.
std::string path_help() {
  std::string out = "The KubeVirt device path to check:\n";
  for (const auto& n : fsv::device_path_names()) {
    out += std::string(n.name) + ": " + std::string(n.description) + "\n";
  }
  out.pop_back();
  return wrap_help(out);
}

/// The --rules help, from the library's list of rule-set names.
std::string rules_help() {
  std::string out;
  for (const auto& n : fsv::rule_set_names()) {
    out += std::string(n.name) + ": ";
    if (n.alias) {
      out += "alias of " + std::string(fsv::to_string(n.rules)) + ",\n  ";
    }
    out += std::string(n.description) + "\n";
  }
  out.pop_back();
  return wrap_help(out);
}

/// The most devices --expect and --expect-min take.
constexpr long kMaxExpect = 1L << 20;
/// The longest --wait, in seconds (a day).
constexpr double kMaxWaitS = 86400.0;

/// A CLI11 check of a count option: "" or what is wrong and what is allowed
/// (CLI11 puts the option's name first).
CLI::Validator count_check(const std::string& meaning) {
  return {[meaning](std::string& v) {
            const std::string allowed = "; allowed: 0 to " + std::to_string(kMaxExpect) + " (" +
                                        meaning + ")";
            long n = 0;
            const char* first = v.data();
            const char* last = first + v.size();
            const auto [ptr, ec] = std::from_chars(first, last, n);
            if (v.empty() || ptr != last || ec == std::errc::invalid_argument) {
              return "'" + v + "' is not a whole number" + allowed;
            }
            if (ec == std::errc::result_out_of_range || n > kMaxExpect) {
              return "'" + v + "' is too large" + allowed;
            }
            if (n < 0) {
              return "'" + v + "' is negative" + allowed;
            }
            return std::string();
          },
          "", "count"};
}

/// The CLI11 check of --wait.
CLI::Validator seconds_check() {
  return {[](std::string& v) {
            const std::string allowed =
                "; allowed: 0 to " + std::to_string(static_cast<long>(kMaxWaitS)) +
                " seconds (a fraction such as 0.5 too; 0: no waiting)";
            double s = 0;
            const char* first = v.data();
            const char* last = first + v.size();
            const auto [ptr, ec] = std::from_chars(first, last, s);
            if (v.empty() || ptr != last || ec != std::errc() || !std::isfinite(s)) {
              return "'" + v + "' is not a number of seconds" + allowed;
            }
            if (s < 0) {
              return "'" + v + "' is negative" + allowed;
            }
            if (s > kMaxWaitS) {
              return "'" + v + "' is too long" + allowed;
            }
            return std::string();
          },
          "", "seconds"};
}

/// With --sysfs-root DIR and no --dev-root: DIR/../dev when DIR is a
/// directory named sys and that directory exists (what --snapshot writes).
std::optional<std::string> sibling_dev_root(const std::string& sysfs_root) {
  std::filesystem::path sys(sysfs_root);
  if (!sys.has_filename()) {
    sys = sys.parent_path();  // "DIR/sys/"
  }
  if (sys.filename() != "sys") {
    return std::nullopt;
  }
  const auto dev = sys.parent_path() / "dev";
  std::error_code ec;
  if (!std::filesystem::is_directory(dev, ec)) {
    return std::nullopt;
  }
  return dev.string();
}

/// Prints --wait's progress over itself on a terminal, at most once a second.
class WaitMeter {
 public:
  WaitMeter(bool on, std::chrono::milliseconds wait) : on_(on), wait_(wait) {}
  WaitMeter(const WaitMeter&) = delete;
  WaitMeter& operator=(const WaitMeter&) = delete;
  WaitMeter(WaitMeter&&) = delete;
  WaitMeter& operator=(WaitMeter&&) = delete;
  ~WaitMeter() { clear(); }

  void update(const fsv::Report& report, std::chrono::milliseconds waited) {
    if (!on_ || report.expectation_met) {
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (shown_ && now - last_ < std::chrono::seconds(1)) {
      return;
    }
    last_ = now;
    shown_ = true;
    std::cerr << '\r' << fsv::wait_progress(report, waited, wait_) << "\033[K" << std::flush;
  }
  /// Takes the line away before the report.
  void clear() {
    if (shown_) {
      std::cerr << "\r\033[K" << std::flush;
      shown_ = false;
    }
  }

 private:
  bool on_;
  std::chrono::milliseconds wait_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_;
};
struct Options {
  std::string path{fsv::kDefaultDevicePathName};
  std::vector<std::string> mdev_names;
  std::vector<std::string> selectors;
  std::string cr_file;
  std::string rules{fsv::kDefaultRuleSetName};
  int expect = -1;
  int expect_min = -1;
  double wait_s = 0;
  std::string format = "table";
  std::string color = "auto";
  bool quiet = false;
  std::string sysfs_root;
  std::string dev_root;
  std::string snapshot;
};

int fail_env(const std::string& message) {
  std::cerr << "fakesriov-validate: " << message << '\n';
  return kExitUsage;
}

bool want_color(const std::string& mode) {
  if (mode == "always") {
    return true;
  }
  if (mode == "never") {
    return false;
  }
  const char* no_color = std::getenv("NO_COLOR");  // NOLINT(concurrency-mt-unsafe): one thread
  return ::isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
}

/// The mdev path's selectors and CR into `vo`; a usage error's message, or "".
std::string mdev_options(const Options& opt, fsv::ValidateOptions& vo) {
  if (!opt.selectors.empty()) {
    return "--selector is for --path pci; use --mdev-name with --path mdev";
  }
  for (const auto& arg : opt.mdev_names) {
    auto s = fsv::mdev_selector_from_arg(arg);
    if (!s) {
      return s.error().message;
    }
    vo.mdev_names.push_back(std::move(s).value());
  }
  if (!opt.cr_file.empty()) {
    auto cr = fsv::load_kubevirt_cr_mdev(opt.cr_file);
    if (!cr) {
      return "bad KubeVirt CR: " + cr.error().message;
    }
    vo.mdev_cr = std::move(cr).value();
  }
  return {};
}

int run(const Options& opt) {
  auto path = fsv::parse_device_path(opt.path);
  if (!path) {
    return fail_env(path.error().message);
  }
  const bool mdev = *path == fsv::DevicePath::mdev;
  fsv::ValidateOptions vo;
  vo.path = *path;
  if (mdev) {
    if (auto err = mdev_options(opt, vo); !err.empty()) {
      return fail_env(err);
    }
  } else if (!opt.mdev_names.empty()) {
    return fail_env("--mdev-name needs --path mdev");
  }
  // Selectors.
  std::vector<fsv::Selector> selectors;
  for (const auto& arg : opt.selectors) {
    auto s = fsv::selector_from_arg(arg);
    if (!s) {
      return fail_env(s.error().message);
    }
    selectors.push_back(std::move(s).value());
  }
  if (!opt.cr_file.empty() && !mdev) {
    auto cr = fsv::load_kubevirt_cr(opt.cr_file);
    if (!cr) {
      return fail_env("bad KubeVirt CR: " + cr.error().message);
    }
    selectors.insert(selectors.end(), cr->begin(), cr->end());
  }
  if (selectors.empty() && !mdev) {
    selectors.push_back(fsv::selector_from_arg(kDefaultSelector).value());
  }

  auto rules = fsv::parse_rule_set(opt.rules);
  if (!rules) {
    return fail_env(rules.error().message);
  }
  vo.rules = *rules;
  vo.rules_name = opt.rules;
  vo.selectors = std::move(selectors);
  if (opt.expect >= 0) {
    vo.expectation = {fsv::Expectation::Kind::exact, static_cast<unsigned>(opt.expect)};
  } else if (opt.expect_min >= 0) {
    vo.expectation = {fsv::Expectation::Kind::min, static_cast<unsigned>(opt.expect_min)};
  }

  // Device source: a directory tree, or the live system (libudev watches it).
  const std::string sysfs_root = opt.sysfs_root.empty() ? "/sys" : opt.sysfs_root;
  // A copied tree without --dev-root: its sibling dev (--snapshot's layout),
  // else this host's /dev, with a warning.
  std::string dev_root = opt.dev_root;
  bool host_dev_for_tree = false;
  if (dev_root.empty()) {
    auto sibling = opt.sysfs_root.empty() ? std::nullopt : sibling_dev_root(opt.sysfs_root);
    host_dev_for_tree = !opt.sysfs_root.empty() && !sibling;
    dev_root = sibling.value_or("/dev");
  }
  std::unique_ptr<fsv::DeviceSource> source;
  if (!opt.sysfs_root.empty()) {
    source = fsv::make_directory_source(sysfs_root, dev_root);
  } else {
    // The mdev path: no mdev bus (no mdev driver loaded) is no instance.
    const char* needed = mdev ? "/sys/class" : "/sys/bus/pci/devices";
    if (::access(needed, R_OK | X_OK) != 0) {
      if (mdev) {
        return fail_env("no sysfs: /sys/class is not readable (is sysfs mounted?)");
      }
      return fail_env("no sysfs: /sys/bus/pci/devices is not readable (is sysfs mounted?)");
    }
    auto live = fsv::make_live_source();
    if (!live) {
      return fail_env(live.error().message);
    }
    source = std::move(live).value();
  }
  if (!opt.sysfs_root.empty() && !mdev &&
      ::access((sysfs_root + "/bus/pci/devices").c_str(), R_OK | X_OK) != 0) {
    return fail_env("no sysfs: " + sysfs_root + "/bus/pci/devices is not readable");
  }
  if (host_dev_for_tree) {
    std::cerr << "fakesriov-validate: warning: --sysfs-root without --dev-root: the VFIO nodes "
                 "are looked for in this host's /dev (give --dev-root DIR; a --snapshot's "
                 "DIR/sys finds its DIR/dev)\n";
  }
  const fsv::FactReader reader(sysfs_root, dev_root);

  fsv::Result<fsv::Report> report = fsv::Error{"not run"};
  if (opt.wait_s > 0) {
    const std::chrono::milliseconds wait(static_cast<long long>(opt.wait_s * 1000.0));
    WaitMeter meter(::isatty(STDERR_FILENO) == 1, wait);
    report = fsv::validate_waiting(
        *source, reader, vo, wait, std::chrono::seconds(1),
        [&meter](const fsv::Report& r, std::chrono::milliseconds waited) {
          meter.update(r, waited);
        });
  } else {
    report = fsv::validate_once(*source, reader, vo);
  }
  if (!report) {
    return fail_env(report.error().message);
  }
  if (opt.sysfs_root.empty()) {
    // The live system: say why nothing may have matched.
    report->hint = fsv::no_match_hint(*report);
    if (!report->hint.empty() && !(opt.quiet && report->expectation_met)) {
      std::cerr << "fakesriov-validate: " << report->hint << '\n';
    }
  }

  if (!opt.snapshot.empty()) {
    if (auto st = fsv::write_snapshot(*report, reader, opt.snapshot); !st) {
      return fail_env("snapshot: " + st.error().message);
    }
  }

  fsv::RenderOptions ro;
  ro.version = fsv::kVersion;
  ro.quiet = opt.quiet;
  ro.color = want_color(opt.color);
  const std::string text = fsv::render(fsv::parse_format(opt.format).value(), *report, ro);
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    return fail_env("cannot write the report");
  }
  return report->expectation_met ? kExitOk : kExitExpectation;
}

int cli_main(int argc, char** argv) {
  CLI::App app{kDescription, "fakesriov-validate"};
  app.footer(std::string(kFooterRules) + kFooterMdev + kFooterRest);
  app.set_version_flag("-V,--version", std::string("fakesriov-validate ") + fsv::kVersion,
                       "Print the version and exit");
  app.get_formatter()->column_width(kHelpNameColumns);

  Options opt;
  app.add_option("-p,--path", opt.path, path_help())
      ->type_name("PATH")
      ->check(CLI::Validator(
          [](std::string& v) {
            auto r = fsv::parse_device_path(v);
            return r ? std::string() : r.error().message;
          },
          "", "device-path"));
  app.add_option("-n,--mdev-name", opt.mdev_names,
                 "mdev type name to check, like an\n"
                 "mdevNameSelector (--path mdev; repeatable;\n"
                 "spaces become '_'; default every instance\n"
                 "without --kubevirt-cr)")
      ->type_name("NAME");
  app.add_option("-s,--selector", opt.selectors,
                 std::string("PCI vendor:device to check, like a\n"
                             "pciVendorSelector (repeatable; default\n") +
                     kDefaultSelector + " without --kubevirt-cr)")
      ->type_name("VENDOR:DEVICE")
      ->check(CLI::Validator(
          [](std::string& v) {
            return fsv::is_valid_pci_id(v)
                       ? std::string()
                       : std::string("not VENDOR:DEVICE (e.g. ") + kDefaultSelector + ")";
          },
          "", "pci-id"));
  app.add_option("-c,--kubevirt-cr", opt.cr_file,
                 "KubeVirt CR (YAML or JSON): selectors and\n"
                 "resource names from spec.configuration\n"
                 ".permittedHostDevices.pciHostDevices (--path\n"
                 "mdev: .mediatedDevices, and\n"
                 "mediatedDevicesConfiguration checked);\n"
                 "externalResourceProvider entries are reported,\n"
                 "not checked")
      ->type_name("FILE")
      ->check(CLI::Validator(CLI::ExistingFile).description(""));
  app.add_option("-r,--rules", opt.rules, rules_help())
      ->type_name("SET")
      ->check(CLI::Validator(
          [](std::string& v) {
            auto r = fsv::parse_rule_set(v);
            return r ? std::string() : r.error().message;
          },
          "", "rule-set"));
  // --expect and --expect-min exclude each other; checked after parsing, as
  // CLI11's excludes() would print "Excludes: ..." into the names column.
  auto* expect = app.add_option("-e,--expect", opt.expect,
                                "Exactly N devices must be discovered and\n"
                                "allocatable (0 to 1048576; not with\n"
                                "--expect-min)")
                     ->type_name("N")
                     ->check(count_check("the devices that must be discovered and allocatable"));
  auto* expect_min =
      app.add_option("-m,--expect-min", opt.expect_min,
                     "At least N devices must be discovered and\n"
                     "allocatable (0 to 1048576; not with --expect)")
          ->type_name("N")
          ->check(count_check("the devices that must at least be discovered and allocatable"));
  app.add_option("-w,--wait", opt.wait_s,
                 "Re-check on device events (and every second)\n"
                 "until the expectation holds or SECONDS (0 to\n"
                 "86400) pass; progress on stderr when a TTY")
      ->type_name("SECONDS")
      ->check(seconds_check());
  app.add_option("-f,--format", opt.format, "Output: table (default), json or junit")
      ->type_name("FORMAT")
      ->check(CLI::Validator(CLI::IsMember({"table", "json", "junit"})).description(""));
  app.add_option("--color", opt.color,
                 "Colour the table: auto (a TTY and no NO_COLOR),\n"
                 "always or never")
      ->type_name("WHEN")
      ->check(CLI::Validator(CLI::IsMember({"auto", "always", "never"})).description(""));
  app.add_flag("-q,--quiet", opt.quiet,
               "Print only failed devices and a failed\n"
               "expectation (table; json and junit are always\n"
               "complete)");
  app.add_option("--sysfs-root", opt.sysfs_root,
                 "Read the sysfs tree under DIR\n"
                 "(DIR/bus/pci/devices, DIR/kernel/iommu_groups;\n"
                 "mdev: DIR/class/mdev_bus, DIR/bus/mdev/devices)\n"
                 "instead of the live system's /sys")
      ->type_name("DIR")
      ->check(CLI::Validator(CLI::ExistingDirectory).description(""));
  app.add_option("--dev-root", opt.dev_root,
                 "Look for VFIO nodes in DIR/vfio (default /dev;\n"
                 "with --sysfs-root D/sys: D/dev when it exists)")
      ->type_name("DIR")
      ->check(CLI::Validator(CLI::ExistingDirectory).description(""));
  app.add_option("--snapshot", opt.snapshot,
                 "Also copy what the rules read about the matched\n"
                 "devices to DIR/sys and DIR/dev, to re-validate\n"
                 "elsewhere with --sysfs-root/--dev-root")
      ->type_name("DIR");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "fakesriov-validate: " << e.what() << " (see --help)\n";
    return kExitUsage;
  }
  if (expect->count() > 0 && expect_min->count() > 0) {
    std::cerr << "fakesriov-validate: --expect and --expect-min exclude each other: give one "
                 "(see --help)\n";
    return kExitUsage;
  }
  try {
    return run(opt);
  } catch (const std::exception& e) {
    return fail_env(e.what());
  }
}
}  // namespace

int main(int argc, char** argv) {
  try {
    return cli_main(argc, argv);
  } catch (const std::exception& e) {
    return fail_env(e.what());
  } catch (...) {
    return fail_env("unexpected error");
  }
}
