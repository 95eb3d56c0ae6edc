// SPDX-License-Identifier: Apache-2.0
// What Allocate would hand the VM, per rule set, on synthetic trees: a
// vfio-dev/vfio9 entry with and without /dev/vfio/devices/vfio9, with and
// without a device number (docs/validator.md, "Allocate").
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fsv/facts.hpp"
#include "fsv/rules.hpp"
#include "tree.hpp"

namespace fsv {
namespace {

constexpr const char* kCdev = "/dev/vfio/devices/vfio9";

struct Case {
  const char* name;
  RuleSet rules;
  bool has_entry;   ///< vfio-dev/vfio9 exists
  bool dev_number;  ///< vfio-dev/vfio9/dev exists (a cdev kernel)
  bool node;        ///< dev/vfio/devices/vfio9 exists
  Verdict verdict;
  bool allocatable;
  bool cdev_in_spec;  ///< /dev/vfio/devices/vfio9 among the host paths
  bool cdev_left_out;
};

// NOLINTNEXTLINE(readability-identifier-naming): GoogleTest looks for this name
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// The device as the case describes it, read back through a FactReader.
DeviceFacts facts_of(const test::Tree& tree, const test::DeviceSpec& spec) {
  const FactReader reader(tree.sys(), tree.dev());
  const DeviceRef ref{spec.address, tree.device_dir(spec.address).string()};
  return reader.read(ref, reader.read_pci_id(ref.syspath));
}

test::DeviceSpec spec_for(const Case& c) {
  auto spec = test::vf(9);
  if (c.has_entry) {
    spec.vfio_dev = {"vfio9"};
  }
  spec.vfio_dev_cdev = c.dev_number;
  spec.vfio_dev_nodes = c.node;
  return spec;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class Allocate : public ::testing::TestWithParam<Case> {};

TEST_P(Allocate, PredictsThePodSpec) {
  const Case& c = GetParam();
  test::Tree tree;
  const auto spec = spec_for(c);
  tree.add(spec);
  const auto e = evaluate(facts_of(tree, spec), c.rules);
  EXPECT_EQ(e.verdict, c.verdict) << to_string(e.verdict);
  const auto& a = e.allocation;
  ASSERT_TRUE(a.applicable);
  EXPECT_EQ(a.allocatable(), c.allocatable);
  // Every set hands the container and the group first.
  ASSERT_GE(a.host_paths.size(), 2U);
  EXPECT_EQ(a.host_paths[0], "/dev/vfio/vfio");
  EXPECT_EQ(a.host_paths[1], "/dev/vfio/109");
  EXPECT_EQ(contains(a.host_paths, kCdev), c.cdev_in_spec);
  EXPECT_EQ(contains(a.left_out, kCdev), c.cdev_left_out);
  if (c.allocatable) {
    EXPECT_TRUE(a.missing.empty());
    EXPECT_TRUE(a.reasons.empty());
    EXPECT_EQ(a.rule.outcome, Outcome::pass);
  } else {
    EXPECT_EQ(a.missing, std::vector<std::string>{kCdev});
    ASSERT_EQ(a.reasons.size(), 1U);
    EXPECT_EQ(a.reasons[0],
              "Allocate hands /dev/vfio/devices/vfio9, which does not exist: the pod is "
              "refused (kubevirt issue #18895)");
    EXPECT_EQ(a.rule.id, "allocate-host-paths");
    EXPECT_EQ(a.rule.outcome, Outcome::fail);
    EXPECT_EQ(a.rule.reason, a.reasons[0]);
  }
}

constexpr auto kV190 = RuleSet::kubevirt_1_9_0;
constexpr auto kMain = RuleSet::kubevirt_main;
constexpr auto kPr = RuleSet::pr16710;
constexpr auto kDiscovered = Verdict::discovered;
constexpr auto kFailed = Verdict::failed;

// clang-format off
INSTANTIATE_TEST_SUITE_P(
    Vfio9, Allocate,
    ::testing::Values(
        // A cdev kernel (6.6+ with CONFIG_VFIO_DEVICE_CDEV): entry, number and node.
        Case{"v1_9_0_cdev_node",        kV190, true,  true,  true,  kDiscovered, true,  true,  false},
        Case{"main_cdev_node",          kMain, true,  true,  true,  kDiscovered, true,  true,  false},
        Case{"pr16710_cdev_node",       kPr,   true,  true,  true,  kDiscovered, true,  false, false},
        // 6.1 to 6.5, or no CONFIG_VFIO_DEVICE_CDEV: the entry alone (#18895).
        Case{"v1_9_0_entry_only",       kV190, true,  false, false, kDiscovered, false, true,  false},
        Case{"main_entry_only",         kMain, true,  false, false, kDiscovered, true,  false, true},
        Case{"pr16710_entry_only",      kPr,   true,  false, false, kDiscovered, true,  false, false},
        // A device number but no node (devtmpfs/udev did not make it): the
        // vfio-dev-nodes check fails the device in every set.
        Case{"v1_9_0_number_no_node",   kV190, true,  true,  false, kFailed,     false, true,  false},
        Case{"main_number_no_node",     kMain, true,  true,  false, kFailed,     true,  false, true},
        Case{"pr16710_number_no_node",  kPr,   true,  true,  false, kFailed,     true,  false, false},
        // A node without a device number in sysfs: the path exists, so it is handed.
        Case{"v1_9_0_node_no_number",   kV190, true,  false, true,  kDiscovered, true,  true,  false},
        Case{"main_node_no_number",     kMain, true,  false, true,  kDiscovered, true,  true,  false},
        Case{"pr16710_node_no_number",  kPr,   true,  false, true,  kDiscovered, true,  false, false},
        // 5.10: no vfio-dev/ at all.
        Case{"v1_9_0_no_entry",         kV190, false, false, false, kDiscovered, true,  false, false},
        Case{"main_no_entry",           kMain, false, false, false, kDiscovered, true,  false, false},
        Case{"pr16710_no_entry",        kPr,   false, false, false, kDiscovered, true,  false, false}),
    [](const auto& param_info) { return std::string(param_info.param.name); });
// clang-format on

class AllocateEverySet : public ::testing::TestWithParam<RuleSet> {};

TEST_P(AllocateEverySet, MissingContainerNodeIsNotAllocatable) {
  test::Tree tree;
  const auto spec = test::vf(0);
  tree.add(spec);
  tree.remove_vfio_container_node();
  const auto e = evaluate(facts_of(tree, spec), GetParam());
  EXPECT_EQ(e.verdict, Verdict::discovered);  // discovery and health never look at it
  EXPECT_FALSE(e.allocation.allocatable());
  EXPECT_EQ(e.allocation.reasons,
            std::vector<std::string>{
                "Allocate hands /dev/vfio/vfio, which does not exist: the pod is refused"});
}

TEST_P(AllocateEverySet, MissingGroupNodeFailsHealthAndAllocate) {
  test::Tree tree;
  auto spec = test::vf(0);
  spec.vfio_node = false;
  tree.add(spec);
  const auto e = evaluate(facts_of(tree, spec), GetParam());
  EXPECT_EQ(e.verdict, Verdict::failed);
  EXPECT_FALSE(e.allocation.allocatable());
  EXPECT_EQ(e.allocation.missing, std::vector<std::string>{"/dev/vfio/100"});
}

TEST_P(AllocateEverySet, SkippedAndGrouplessDevicesAreNeverAllocated) {
  test::Tree tree;
  auto skipped = test::vf(0);
  skipped.vgpu_type = "0";
  skipped.vfio_dev = {"vfio0"};
  skipped.vfio_dev_cdev = false;
  skipped.vfio_dev_nodes = false;
  tree.add(skipped);
  auto e = evaluate(facts_of(tree, skipped), GetParam());
  EXPECT_EQ(e.verdict, Verdict::skipped);
  EXPECT_FALSE(e.allocation.applicable);
  EXPECT_FALSE(e.allocation.allocatable());
  EXPECT_EQ(e.allocation.rule.outcome, Outcome::not_applicable);
  EXPECT_TRUE(e.allocation.host_paths.empty());

  auto groupless = test::vf(1);
  groupless.group.reset();
  tree.add(groupless);
  e = evaluate(facts_of(tree, groupless), GetParam());
  EXPECT_EQ(e.verdict, Verdict::failed);
  EXPECT_FALSE(e.allocation.applicable);
}

TEST_P(AllocateEverySet, EveryEntryIsConsidered) {
  test::Tree tree;
  auto spec = test::vf(0);
  spec.vfio_dev = {"vfio0", "vfio1"};
  tree.add(spec);
  tree.remove_vfio_dev_node("vfio1");
  const auto e = evaluate(facts_of(tree, spec), GetParam());
  const auto& a = e.allocation;
  switch (GetParam()) {
    case RuleSet::kubevirt_1_9_0:
      EXPECT_EQ(a.host_paths,
                (std::vector<std::string>{"/dev/vfio/vfio", "/dev/vfio/100",
                                          "/dev/vfio/devices/vfio0", "/dev/vfio/devices/vfio1"}));
      EXPECT_EQ(a.missing, std::vector<std::string>{"/dev/vfio/devices/vfio1"});
      break;
    case RuleSet::kubevirt_main:
      EXPECT_EQ(a.host_paths, (std::vector<std::string>{"/dev/vfio/vfio", "/dev/vfio/100",
                                                        "/dev/vfio/devices/vfio0"}));
      EXPECT_EQ(a.left_out, std::vector<std::string>{"/dev/vfio/devices/vfio1"});
      EXPECT_TRUE(a.missing.empty());
      break;
    case RuleSet::pr16710:
      EXPECT_EQ(a.host_paths, (std::vector<std::string>{"/dev/vfio/vfio", "/dev/vfio/100"}));
      EXPECT_TRUE(a.missing.empty());
      break;
  }
}

INSTANTIATE_TEST_SUITE_P(Sets, AllocateEverySet,
                         ::testing::Values(RuleSet::kubevirt_1_9_0, RuleSet::kubevirt_main,
                                           RuleSet::pr16710),
                         [](const auto& param_info) {
                           switch (param_info.param) {
                             case RuleSet::kubevirt_1_9_0:
                               return "v1_9_0";
                             case RuleSet::kubevirt_main:
                               return "main";
                             case RuleSet::pr16710:
                               return "pr16710";
                           }
                           return "unknown";
                         });

}  // namespace
}  // namespace fsv
