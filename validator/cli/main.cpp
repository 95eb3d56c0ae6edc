// SPDX-License-Identifier: Apache-2.0
// fakesriov-validate: the thin command-line edge over libfsv-validate.
// Exceptions stop here; the library reports errors as values.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
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

/// The --path help, from the library's list of path names.
std::string path_help() {
  std::string out = "The KubeVirt device path to check:\n";
  for (const auto& n : fsv::device_path_names()) {
    out += std::string(n.name) + ": " + std::string(n.description) + "\n";
  }
  out.pop_back();
  return out;
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
  return out;
}
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
  const std::string dev_root = opt.dev_root.empty() ? "/dev" : opt.dev_root;
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
  const fsv::FactReader reader(sysfs_root, dev_root);

  auto report = opt.wait_s > 0
                    ? fsv::validate_waiting(
                          *source, reader, vo,
                          std::chrono::milliseconds(static_cast<long long>(opt.wait_s * 1000.0)))
                    : fsv::validate_once(*source, reader, vo);
  if (!report) {
    return fail_env(report.error().message);
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
  app.get_formatter()->column_width(30);

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
                 "mdev type name to check, like an mdevNameSelector\n"
                 "(--path mdev; repeatable; spaces become '_'; default\n"
                 "every instance without --kubevirt-cr)")
      ->type_name("NAME");
  app.add_option("-s,--selector", opt.selectors,
                 std::string("PCI vendor:device to check, like a pciVendorSelector\n"
                             "(repeatable; default ") +
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
                 "KubeVirt CR (YAML or JSON): selectors and resource\n"
                 "names from spec.configuration.permittedHostDevices\n"
                 ".pciHostDevices (--path mdev: .mediatedDevices, and\n"
                 "mediatedDevicesConfiguration checked);\n"
                 "externalResourceProvider entries are reported, not\n"
                 "checked")
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
  auto* expect = app.add_option("-e,--expect", opt.expect,
                                "Exactly N devices must be discovered and\nallocatable")
                     ->type_name("N")
                     ->check(CLI::Validator(CLI::Range(0, 1 << 20)).description(""));
  app.add_option("-m,--expect-min", opt.expect_min,
                 "At least N devices must be discovered and\nallocatable")
      ->type_name("N")
      ->check(CLI::Validator(CLI::Range(0, 1 << 20)).description(""))
      ->excludes(expect);
  app.add_option("-w,--wait", opt.wait_s,
                 "Re-check on device events (and every second)\n"
                 "until the expectation holds or SECONDS pass")
      ->type_name("SECONDS")
      ->check(CLI::Validator(CLI::Range(0.0, 86400.0)).description(""));
  app.add_option("-f,--format", opt.format, "Output: table (default), json or junit")
      ->type_name("FORMAT")
      ->check(CLI::Validator(CLI::IsMember({"table", "json", "junit"})).description(""));
  app.add_option("--color", opt.color,
                 "Colour the table: auto (a TTY and no NO_COLOR),\n"
                 "always or never")
      ->type_name("WHEN")
      ->check(CLI::Validator(CLI::IsMember({"auto", "always", "never"})).description(""));
  app.add_flag("-q,--quiet", opt.quiet,
               "Print only failed devices and a failed expectation\n"
               "(table; json and junit are always complete)");
  app.add_option("--sysfs-root", opt.sysfs_root,
                 "Read the sysfs tree under DIR (DIR/bus/pci/devices,\n"
                 "DIR/kernel/iommu_groups; mdev: DIR/class/mdev_bus,\n"
                 "DIR/bus/mdev/devices) instead of the live system's\n"
                 "/sys")
      ->type_name("DIR")
      ->check(CLI::Validator(CLI::ExistingDirectory).description(""));
  app.add_option("--dev-root", opt.dev_root, "Look for VFIO nodes in DIR/vfio (default /dev)")
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
