// SPDX-License-Identifier: Apache-2.0
// The built binary as a subprocess: exit codes, formats, --version, --help, --wait.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fsv/rules.hpp"
#include "spawn.hpp"
#include "tree.hpp"

namespace {

using namespace std::chrono_literals;

using Run = fsv::test::Spawned;

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// The built validator with ARGS (blank-separated, no quoting).
Run run(const std::string& args) {
  std::vector<std::string> argv{FSV_VALIDATE_BIN};
  for (auto& a : fsv::test::split_args(args)) {
    argv.push_back(std::move(a));
  }
  return fsv::test::spawn(argv, {"NO_COLOR="});
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 4; ++i) {
      tree_.add(fsv::test::vf(i));
    }
  }
  std::string roots() const {
    return "--sysfs-root " + tree_.sys().string() + " --dev-root " + tree_.dev().string() + " ";
  }
  fsv::test::Tree tree_;
};

TEST_F(Cli, ExitZeroWhenExpectationHolds) {
  auto r = run(roots() + "--expect 4");
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS: expected exactly 4 discovered"), std::string::npos);
  EXPECT_EQ(run(roots() + "--expect-min 3").rc, 0);
  EXPECT_EQ(run(roots()).rc, 0);
}

TEST_F(Cli, ExitOneWhenExpectationFails) {
  EXPECT_EQ(run(roots() + "--expect 5").rc, 1);
  EXPECT_EQ(run(roots() + "--expect-min 5").rc, 1);
  EXPECT_EQ(run(roots() + "--selector 10de:2236").rc, 1);  // nothing discovered
  auto spec = fsv::test::vf(4);
  spec.group.reset();
  tree_.add(spec);
  auto r = run(roots());  // default: none may fail
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("    - no iommu_group"), std::string::npos) << r.out;
}

TEST_F(Cli, ExitTwoForUsageAndEnvironmentErrors) {
  auto r = run("--bogus");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("fakesriov-validate:"), std::string::npos);
  EXPECT_EQ(run(roots() + "--expect 1 --expect-min 1").rc, 2);
  EXPECT_EQ(run(roots() + "--selector nvidia").rc, 2);
  EXPECT_EQ(run(roots() + "--rules nope").rc, 2);
  EXPECT_EQ(run(roots() + "--format xml").rc, 2);
  r = run("--sysfs-root /nonexistent");
  EXPECT_EQ(r.rc, 2);
  r = run("--sysfs-root " + tree_.root().string());  // no bus/pci/devices there
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("bus/pci/devices"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  r = run(roots() + "--kubevirt-cr /nonexistent.yaml");
  EXPECT_EQ(r.rc, 2);
  const std::string bad = tree_.root().string() + "/bad.yaml";
  std::ofstream(bad) << "spec: [unclosed\n";
  r = run(roots() + "--kubevirt-cr " + bad);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("bad KubeVirt CR"), std::string::npos) << r.err;
  r = run(roots() + "--snapshot " + tree_.root().string());  // not empty
  EXPECT_EQ(r.rc, 2);
}

TEST_F(Cli, KubevirtCrGivesResourceNamesAndExternalSelectors) {
  const std::string cr = tree_.root().string() + "/cr.yaml";
  std::ofstream(cr) << "kind: KubeVirt\nspec:\n  configuration:\n    permittedHostDevices:\n"
                       "      pciHostDevices:\n"
                       "      - {pciVendorSelector: 10DE:1EB8, resourceName: nvidia.com/T4}\n"
                       "      - {pciVendorSelector: 10de:2236, resourceName: nvidia.com/A10, "
                       "externalResourceProvider: true}\n";
  auto r = run(roots() + "--kubevirt-cr " + cr + " --format json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["devices"][0]["resource_name"], "nvidia.com/T4");
  EXPECT_EQ(j["selectors"][1]["checked"], false);
}

TEST_F(Cli, FormatsAreComplete) {
  auto r = run(roots() + "--expect 4 --format json");
  ASSERT_EQ(r.rc, 0);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["summary"]["discovered"], 4);
  EXPECT_EQ(j["tool"]["version"], FSV_VERSION_STRING);
  r = run(roots() + "--format junit");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("<testsuites"), std::string::npos);
  r = run(roots() + "--quiet");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, "");
  r = run(roots() + "--color always");
  EXPECT_NE(r.out.find('\033'), std::string::npos);
  r = run(roots());
  EXPECT_EQ(r.out.find('\033'), std::string::npos);  // not a TTY
}

TEST_F(Cli, RulesOption) {
  auto spec = fsv::test::vf(4);
  spec.driver = "nouveau";
  tree_.add(spec);
  EXPECT_EQ(run(roots() + "--expect 5").rc, 1);
  EXPECT_EQ(run(roots() + "--expect 5 --rules pr16710").rc, 0);
}

// vfio-dev/vfioN without its /dev/vfio/devices node, as on 6.1 (#18895).
TEST_F(Cli, RuleSetsDecideTheGateOnA61ShapedNode) {
  fsv::test::Tree tree;
  for (int i = 0; i < 4; ++i) {
    auto spec = fsv::test::vf(i);
    spec.vfio_dev = {"vfio" + std::to_string(i)};
    spec.vfio_dev_cdev = false;
    spec.vfio_dev_nodes = false;
    tree.add(spec);
  }
  const std::string r61 =
      "--sysfs-root " + tree.sys().string() + " --dev-root " + tree.dev().string() + " ";
  auto r = run(r61 + "--rules kubevirt-1.9.0 --expect 4");
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("Allocate hands /dev/vfio/devices/vfio3, which does not exist: the pod is "
                       "refused (kubevirt issue #18895)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FAIL: expected exactly 4 discovered and allocatable, found 0"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(run(r61 + "--rules kubevirt --expect 4").rc, 1);  // the alias
  EXPECT_EQ(run(r61).rc, 1);                                  // the default
  EXPECT_EQ(run(r61 + "--rules kubevirt-1.9.0 --expect 0").rc, 0);
  r = run(r61 + "--rules kubevirt-main --expect 4");
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("#18895"), std::string::npos) << r.out;
  EXPECT_EQ(run(r61 + "--rules pr16710 --expect 4").rc, 0);
  r = run(r61 + "--format json");
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["rules"], "kubevirt");
  EXPECT_EQ(j["rule_set"]["name"], "kubevirt-1.9.0");
  EXPECT_EQ(j["summary"]["not_allocatable"], 4);
  // A snapshot keeps the absent nodes absent.
  const std::string snap = tree.root().string() + "/snap";
  r = run(r61 + "--snapshot " + snap + " --format json");
  auto again = run("--sysfs-root " + snap + "/sys --dev-root " + snap + "/dev --format json");
  EXPECT_EQ(nlohmann::json::parse(again.out)["summary"], nlohmann::json::parse(r.out)["summary"]);
  EXPECT_EQ(nlohmann::json::parse(again.out)["summary"]["not_allocatable"], 4);
  // The same node with the cdev nodes (6.6+ with CONFIG_VFIO_DEVICE_CDEV).
  for (int i = 0; i < 4; ++i) {
    fsv::test::write_file(tree.dev() / "vfio" / "devices" / ("vfio" + std::to_string(i)), "");
  }
  EXPECT_EQ(run(r61 + "--rules kubevirt-1.9.0 --expect 4").rc, 0);
  EXPECT_EQ(run(r61 + "--rules kubevirt-main --expect 4").rc, 0);
}

TEST_F(Cli, UnknownRuleSetSaysWhatIsAllowed) {
  auto r = run(roots() + "--rules kubevirt-1.8.0");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("unknown rule set 'kubevirt-1.8.0'"), std::string::npos) << r.err;
  for (const auto& n : fsv::rule_set_names()) {
    EXPECT_NE(r.err.find(std::string(n.name)), std::string::npos) << n.name << ": " << r.err;
  }
}

// --help, the man page and docs/validator.md name every rule set and what
// the alias stands for.
TEST_F(Cli, EveryRuleSetIsDocumented) {
  const auto help = run("--help").out;
  const auto man = slurp(FSV_MAN_PAGE);
  const auto doc = slurp(FSV_VALIDATOR_DOC);
  ASSERT_FALSE(man.empty());
  ASSERT_FALSE(doc.empty());
  // groff escapes '-' as '\-'.
  const auto unescape = [](std::string t) {
    for (size_t pos = 0; (pos = t.find("\\-", pos)) != std::string::npos;) {
      t.erase(pos, 1);
    }
    return t;
  };
  const std::string man_text = unescape(man);
  for (const auto& n : fsv::rule_set_names()) {
    const std::string name(n.name);
    EXPECT_NE(help.find(name + ": "), std::string::npos) << name;
    EXPECT_NE(man_text.find(name), std::string::npos) << name;
    EXPECT_NE(doc.find("`" + name + "`"), std::string::npos) << name;
    if (n.alias) {
      const std::string target(fsv::to_string(n.rules));
      const std::string alias_of = ": alias of " + target;
      EXPECT_NE(help.find(name + alias_of), std::string::npos) << help;
      EXPECT_NE(man_text.find("alias of " + target), std::string::npos);
      EXPECT_NE(doc.find("alias of `" + target + "`"), std::string::npos);
    }
  }
}

TEST_F(Cli, VersionAndHelp) {
  auto r = run("--version");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, std::string("fakesriov-validate ") + FSV_VERSION_STRING + "\n");
  r = run("--help");
  EXPECT_EQ(r.rc, 0);
  for (const char* section : {"Usage:", "EXIT STATUS", "RULES", "EXAMPLES", "--kubevirt-cr"}) {
    EXPECT_NE(r.out.find(section), std::string::npos) << section;
  }
}

TEST_F(Cli, WaitForLateDevices) {
  std::thread late([this] {
    std::this_thread::sleep_for(500ms);
    tree_.add(fsv::test::vf(4));
  });
  auto r = run(roots() + "--expect 5 --wait 20");
  late.join();
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  r = run(roots() + "--expect 6 --wait 0.3");
  EXPECT_EQ(r.rc, 1);
}

// Each numeric option says what was wrong and what is allowed (not CLI11's
// "Value abc not in range"), exit status 2.
TEST_F(Cli, NumericOptionsSayWhatIsAllowed) {
  const std::string count = "; allowed: 0 to 1048576 (the devices that must";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--expect abc", "--expect: 'abc' is not a whole number" + count},
      {"--expect 2.5", "--expect: '2.5' is not a whole number" + count},
      {"--expect -3", "--expect: '-3' is negative" + count},
      {"--expect 99999999999999999999", "--expect: '99999999999999999999' is too large" + count},
      {"--expect-min x", "--expect-min: 'x' is not a whole number" + count},
      {"--wait soon", "--wait: 'soon' is not a number of seconds; allowed: 0 to 86400 seconds"},
      {"--wait -1", "--wait: '-1' is negative; allowed: 0 to 86400 seconds"},
      {"--wait 1e9", "--wait: '1e9' is too long; allowed: 0 to 86400 seconds"},
  };
  for (const auto& [args, message] : cases) {
    auto r = run(roots() + args);
    EXPECT_EQ(r.rc, 2) << args;
    EXPECT_NE(r.err.find("fakesriov-validate: " + message), std::string::npos) << args << ": "
                                                                               << r.err;
    EXPECT_EQ(r.err.find("not in range"), std::string::npos) << r.err;
  }
  EXPECT_EQ(run(roots() + "--expect 0004").rc, 0);
  EXPECT_EQ(run(roots() + "--expect 4 --wait 0.5").rc, 0);
  auto r = run(roots() + "--expect 1 --expect-min 1");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--expect and --expect-min exclude each other"), std::string::npos)
      << r.err;
}

// Nothing matched on the live system: the table and stderr say why it may
// be so; JSON and JUnit carry it as a field and a property.
TEST(LiveCli, NoMatchSaysWhy) {
  auto r = run("--selector ffff:fffe");  // no such vendor
  if (r.rc == 2) {
    GTEST_SKIP() << "no live sysfs here: " << r.err;
  }
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  const std::string hint =
      "no PCI device matches ffff:fffe: is the module loaded? (lsmod | grep fake_sriov_vgpu; "
      "modprobe fake_sriov_vgpu";
  EXPECT_NE(r.out.find(hint), std::string::npos) << r.out;
  EXPECT_NE(r.err.find(hint), std::string::npos) << r.err;
  r = run("--selector ffff:fffe --format json");
  auto j = nlohmann::json::parse(r.out);
  EXPECT_NE(j["hint"].get<std::string>().find(hint), std::string::npos) << r.out;
  r = run("--selector ffff:fffe --format junit");
  EXPECT_NE(r.out.find("<property name=\"hint\" value=\"no PCI device matches ffff:fffe"),
            std::string::npos)
      << r.out;
  r = run("--path mdev --format json");
  j = nlohmann::json::parse(r.out);
  if (j["summary"]["matched"] == 0 && j["mdev_types"].empty()) {
    EXPECT_NE(j["hint"].get<std::string>().find(
                  "no mdev instance: KubeVirt (or mdevctl) creates them; the parents are "
                  "/sys/class/mdev_bus/*"),
              std::string::npos)
        << r.out;
    r = run("--path mdev");
    EXPECT_NE(r.out.find("no mdev instance: KubeVirt (or mdevctl) creates them"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.err.find("no mdev instance: KubeVirt (or mdevctl) creates them"),
              std::string::npos)
        << r.err;
  }
}

TEST_F(Cli, NoHintForACopiedTree) {
  auto r = run(roots() + "--selector 10de:2236");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("no PCI device matches the selectors"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("module loaded"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
  r = run(roots() + "--selector 10de:2236 --format json");
  EXPECT_TRUE(nlohmann::json::parse(r.out)["hint"].is_null()) << r.out;
}

// --sysfs-root D/sys alone takes D/dev (--snapshot's layout); any other tree
// alone is checked against this host's /dev, with a warning.
TEST_F(Cli, SysfsRootAloneTakesTheSiblingDev) {
  auto r = run("--sysfs-root " + tree_.sys().string() + " --expect 4 --format json");
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["source"]["dev_root"], tree_.dev().string());
  EXPECT_EQ(r.err, "");
  r = run("--sysfs-root " + tree_.sys().string() + "/ --expect 4");  // a trailing slash
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  const auto other = tree_.root() / "copied";
  std::filesystem::create_directory_symlink("sys", other);
  r = run("--sysfs-root " + other.string() + " --format json");
  EXPECT_EQ(nlohmann::json::parse(r.out)["source"]["dev_root"], "/dev");
  EXPECT_NE(r.err.find("warning: --sysfs-root without --dev-root: the VFIO nodes are looked "
                       "for in this host's /dev"),
            std::string::npos)
      << r.err;
  r = run("--sysfs-root " + other.string() + " --dev-root " + tree_.dev().string());
  EXPECT_EQ(r.err, "");
}

// --wait ends the table with how long it waited; its progress line is for a
// terminal only.
TEST_F(Cli, WaitSaysHowLongItWaited) {
  auto r = run(roots() + "--expect 6 --wait 0.3");
  EXPECT_EQ(r.rc, 1);
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex(R"(FAIL: expected exactly 6 .*\(after 0\.[3-9] s of waiting\)\n$)")))
      << r.out;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;  // not a terminal
  r = run(roots() + "--expect 4 --wait 5");
  EXPECT_EQ(r.rc, 0);
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(PASS: .*\(after 0\.\d s of waiting\)\n$)")))
      << r.out;
  r = run(roots() + "--expect 4");
  EXPECT_EQ(r.out.find("of waiting"), std::string::npos) << r.out;
  r = run(roots() + "--expect 6 --wait 0.3 --format json");
  EXPECT_GE(nlohmann::json::parse(r.out)["summary"]["waited_s"].get<double>(), 0.3) << r.out;
  EXPECT_TRUE(nlohmann::json::parse(run(roots() + "--format json").out)["summary"]["waited_s"]
                  .is_null());
}

TEST_F(Cli, WaitProgressOnATerminal) {
  if (!std::filesystem::exists("/usr/bin/script")) {
    GTEST_SKIP() << "no script(1) for a terminal";
  }
  auto r = fsv::test::spawn({"/usr/bin/script", "-qec",
                             std::string(FSV_VALIDATE_BIN) + " " + roots() +
                                 "--expect 6 --wait 1.5",
                             "/dev/null"},
                            {"NO_COLOR="});
  EXPECT_NE(r.out.find("\rwaiting: 4 of 6 devices, 0 s of 1.5 s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\rwaiting: 4 of 6 devices, 1 s of 1.5 s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("s of waiting)"), std::string::npos) << r.out;
}

// The selector is said once, in its property (not "10de:1eb8 10de:1eb8");
// the resource name follows only where a CR gives one.
TEST_F(Cli, JunitSaysTheSelectorOnce) {
  auto r = run(roots() + "--format junit");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("<property name=\"selector\" value=\"10de:1eb8\"/>"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("10de:1eb8 10de:1eb8"), std::string::npos) << r.out;
  const std::string cr = tree_.root().string() + "/cr.yaml";
  std::ofstream(cr) << "kind: KubeVirt\nspec:\n  configuration:\n    permittedHostDevices:\n"
                       "      pciHostDevices:\n"
                       "      - {pciVendorSelector: 10de:1eb8, resourceName: nvidia.com/T4}\n";
  r = run(roots() + "--kubevirt-cr " + cr + " --format junit");
  EXPECT_NE(r.out.find("<property name=\"selector\" value=\"10de:1eb8 nvidia.com/T4\"/>"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("<testcase classname=\"nvidia.com/T4\" name=\"0001:"), std::string::npos)
      << r.out;
}

// --help: no line wider than 80 columns, every description in one column.
TEST(Help, FitsEightyColumnsAndAligns) {
  const auto help = run("--help").out;
  std::istringstream in(help);
  std::string line;
  bool options = false;
  constexpr size_t kColumn = 30;
  while (std::getline(in, line)) {
    EXPECT_LE(line.size(), 80U) << line;
    if (line == "Options:") {
      options = true;
      continue;
    }
    if (!options || line.empty()) {
      options = options && !line.empty();
      continue;
    }
    EXPECT_EQ(line.find("Excludes"), std::string::npos) << line;
    if (line.rfind("  -", 0) == 0) {
      // A name, then its description at the column (or on the next line).
      if (line.size() > kColumn) {
        EXPECT_EQ(line[kColumn - 1], ' ') << line;
        EXPECT_NE(line[kColumn], ' ') << line;
      }
    } else {
      EXPECT_EQ(line.rfind(std::string(kColumn, ' '), 0), 0U) << line;
    }
  }
}

TEST_F(Cli, SnapshotRoundTrip) {
  const std::string snap = tree_.root().string() + "/snap";
  auto r = run(roots() + "--snapshot " + snap + " --format json");
  ASSERT_EQ(r.rc, 0) << r.err;
  auto again = run("--sysfs-root " + snap + "/sys --dev-root " + snap + "/dev --format json");
  ASSERT_EQ(again.rc, 0) << again.err;
  auto a = nlohmann::json::parse(r.out);
  auto b = nlohmann::json::parse(again.out);
  EXPECT_EQ(a["summary"], b["summary"]);
}

}  // namespace

namespace {

/// Four T4-1B mdev instances on one parent.
class MdevCli : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 4; ++i) {
      tree_.add_mdev(fsv::test::mdev(i));
    }
  }
  std::string roots() const {
    return "--path mdev --sysfs-root " + tree_.sys().string() + " --dev-root " +
           tree_.dev().string() + " ";
  }
  std::string write_cr(const std::string& body) const {
    std::string cr = tree_.root().string() + "/cr.yaml";
    std::ofstream(cr) << "kind: KubeVirt\nspec:\n  configuration:\n" << body;
    return cr;
  }
  fsv::test::Tree tree_;
};

TEST_F(MdevCli, ExpectCountsAllocatableInstances) {
  auto r = run(roots() + "--expect 4");
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("4 mdev instances matched: 4 discovered, 0 failed; 4 discovered and "
                       "allocatable (path mdev"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(run(roots() + "--expect 5").rc, 1);
  EXPECT_EQ(run(roots() + "--expect-min 4").rc, 0);
  EXPECT_EQ(run(roots() + "--mdev-name GRID_T4-1B --expect 4").rc, 0);
  EXPECT_EQ(run(roots() + "--mdev-name GRID_T4-2B --expect 0").rc, 0);
  EXPECT_EQ(run(roots() + "--mdev-name GRID_T4-2B").rc, 1);  // none
  // The PCI path does not see them.
  EXPECT_EQ(run("--sysfs-root " + tree_.sys().string() + " --dev-root " + tree_.dev().string() +
                " --expect 4")
                .rc,
            1);
  auto bad = fsv::test::mdev(4);
  bad.available = "n/a";
  bad.type_id = "nvidia-257";
  bad.type_name = "GRID T4-2B";
  tree_.add_mdev(bad);
  r = run(roots());
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("    - available_instances of nvidia-257 is 'n/a', not an integer"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(run(roots() + "--expect 4").rc, 0);  // four still allocatable
}

TEST_F(MdevCli, UsageErrors) {
  EXPECT_EQ(run(roots() + "--selector 10de:1eb8").rc, 2);
  auto r = run("--sysfs-root " + tree_.sys().string() + " --mdev-name GRID_T4-1B");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--mdev-name needs --path mdev"), std::string::npos) << r.err;
  r = run("--path vgpu");
  EXPECT_EQ(r.rc, 2);
  for (const auto& n : fsv::device_path_names()) {
    EXPECT_NE(r.err.find(std::string(n.name)), std::string::npos) << r.err;
  }
  const auto cr = write_cr("    permittedHostDevices:\n      pciHostDevices: []\n");
  r = run(roots() + "--kubevirt-cr " + cr);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("no spec.configuration.permittedHostDevices.mediatedDevices"),
            std::string::npos)
      << r.err;
}

TEST_F(MdevCli, KubevirtCrSelectorsAndChecks) {
  auto cr = write_cr(
      "    permittedHostDevices:\n      mediatedDevices:\n"
      "      - {mdevNameSelector: GRID T4-1B, resourceName: nvidia.com/GRID_T4-1B}\n");
  auto r = run(roots() + "--kubevirt-cr " + cr + " --expect 4 --format json");
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["devices"][0]["resource_name"], "nvidia.com/GRID_T4-1B");
  EXPECT_EQ(j["devices"][0]["allocation"]["env"].begin().key(),
            "MDEV_PCI_RESOURCE_NVIDIA_COM_GRID_T4-1B");
  cr = write_cr(
      "    mediatedDevicesConfiguration:\n      mediatedDeviceTypes: [GRID T4-1B]\n"
      "    permittedHostDevices:\n      mediatedDevices:\n"
      "      - {mdevNameSelector: GRID_T4-1B, resourceName: nvidia.com/GRID_T4-1B}\n");
  r = run(roots() + "--kubevirt-cr " + cr + " --expect 4");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("check mdev-desired-type (mediatedDeviceTypes[0] GRID T4-1B): fail: "
                       "'GRID T4-1B' contains a space: KubeVirt matches it against no type "
                       "(write nvidia-256 or GRID_T4-1B)"),
            std::string::npos)
      << r.out;
  r = run(roots() + "--kubevirt-cr " + cr + " --expect 4 --quiet");
  EXPECT_NE(r.out.find("check mdev-desired-type"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL: "), std::string::npos) << r.out;
}

TEST_F(MdevCli, WaitForLateInstances) {
  std::thread late([this] {
    std::this_thread::sleep_for(500ms);
    tree_.add_mdev(fsv::test::mdev(4));
  });
  auto r = run(roots() + "--expect 5 --wait 20");
  late.join();
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_EQ(run(roots() + "--expect 6 --wait 0.3").rc, 1);
}

TEST_F(MdevCli, SnapshotRoundTrip) {
  auto shared = fsv::test::mdev(5);
  shared.parent = "0000:00:06.0";
  shared.numa = "1";
  shared.vfio_node = false;
  tree_.add_mdev(shared);
  auto spare = fsv::test::mdev(9);
  spare.type_id = "nvidia-257";
  spare.type_name = "GRID T4-2B";
  tree_.add_mdev_type(spare);
  const std::string snap = tree_.root().string() + "/snap";
  auto r = run(roots() + "--snapshot " + snap + " --format json");
  ASSERT_EQ(r.rc, 1) << r.out << r.err;  // one instance fails
  auto again = run("--path mdev --sysfs-root " + snap + "/sys --dev-root " + snap +
                   "/dev --format json");
  ASSERT_EQ(again.rc, 1) << again.err;
  auto a = nlohmann::json::parse(r.out);
  auto b = nlohmann::json::parse(again.out);
  EXPECT_EQ(a["summary"], b["summary"]);
  EXPECT_EQ(a["mdev_types"], b["mdev_types"]);
  ASSERT_EQ(a["devices"].size(), b["devices"].size());
  for (size_t i = 0; i < a["devices"].size(); ++i) {
    for (const char* key : {"uuid", "type_name", "verdict", "reasons", "parent", "iommu_group",
                            "numa_node", "available_instances", "allocatable", "rules"}) {
      EXPECT_EQ(a["devices"][i][key], b["devices"][i][key]) << i << " " << key;
    }
  }
  EXPECT_EQ(b["summary"]["failed"], 1);
  EXPECT_EQ(b["devices"][4]["numa_node"], 1);
}

// --help, the man page and docs/validator.md name every device path and every mdev rule.
TEST(MdevDocs, EveryPathAndRuleIsDocumented) {
  const auto help = run("--help").out;
  std::string man = slurp(FSV_MAN_PAGE);
  for (size_t pos = 0; (pos = man.find("\\-", pos)) != std::string::npos;) {
    man.erase(pos, 1);
  }
  const auto doc = slurp(FSV_VALIDATOR_DOC);
  for (const auto& n : fsv::device_path_names()) {
    const std::string name(n.name);
    EXPECT_NE(help.find(name + ": "), std::string::npos) << name;
    EXPECT_NE(man.find(name), std::string::npos) << name;
    EXPECT_NE(doc.find("`--path " + name + "`"), std::string::npos) << name;
  }
  EXPECT_NE(doc.find("## The mdev path"), std::string::npos);
  for (const char* id : {"mdev-type-name", "mdev-parent", "mdev-numa-node",
                         "mdev-available-instances", "mdev-iommu-group", "mdev-vfio-group-node",
                         "mdev-iommu-group-exclusive", "mdev-resource-name", "mdev-desired-type"}) {
    EXPECT_NE(doc.find(std::string("`") + id + "`"), std::string::npos) << id;
    EXPECT_NE(man.find(id), std::string::npos) << id;
    EXPECT_NE(help.find(id), std::string::npos) << id;
  }
}

}  // namespace
