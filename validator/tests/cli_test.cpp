// SPDX-License-Identifier: Apache-2.0
// The built binary as a subprocess: exit codes, formats, --version, --help, --wait.
#include <chrono>
#include <fstream>
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
