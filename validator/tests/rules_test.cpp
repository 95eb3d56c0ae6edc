// SPDX-License-Identifier: Apache-2.0
// Every rule passing and failing in isolation, under every rule set.
#include "fsv/rules.hpp"

#include <algorithm>
#include <cctype>

#include <gtest/gtest.h>

#include "tree.hpp"

namespace fsv {
namespace {

DeviceFacts good_vf() {
  DeviceFacts d;
  d.address = "0001:00:00.0";
  d.pci_id = "10de:1eb8";
  d.driver = "nvidia";
  d.has_nvidia_dir = true;
  d.current_vgpu_type = "256";
  d.creatable_vgpu_types = test::kT4Creatable;
  d.iommu_group = "17";
  d.vfio_group_node_exists = true;
  d.vfio_container_node_exists = true;
  d.iommu_group_members = std::vector<std::string>{"0001:00:00.0"};
  return d;
}

const RuleResult& find(const Evaluation& e, const std::string& id) {
  for (const auto& r : e.rules) {
    if (r.id == id) {
      return r;
    }
  }
  throw std::runtime_error("no rule " + id);
}

}  // namespace

// Readable parameter names in test output instead of a byte dump.
// NOLINTNEXTLINE(readability-identifier-naming): GoogleTest looks for this name
void PrintTo(RuleSet rules, std::ostream* os) { *os << to_string(rules); }

namespace {

class EveryRuleSet : public ::testing::TestWithParam<RuleSet> {};

TEST_P(EveryRuleSet, GoodVfIsDiscovered) {
  const auto e = evaluate(good_vf(), GetParam());
  EXPECT_EQ(e.verdict, Verdict::discovered);
  EXPECT_TRUE(e.reasons.empty());
  ASSERT_TRUE(e.vgpu_type_name.has_value());
  EXPECT_EQ(*e.vgpu_type_name, "GRID T4-1B");
  for (const auto& r : e.rules) {
    EXPECT_NE(r.outcome, Outcome::fail) << r.id;
  }
}

TEST_P(EveryRuleSet, NoDriverWithVgpuTypeFails) {
  auto d = good_vf();
  d.driver.reset();
  const auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::failed);
  EXPECT_EQ(find(e, "driver-bound").outcome, Outcome::fail);
  ASSERT_EQ(e.reasons.size(), 1U);
  EXPECT_EQ(e.reasons[0], "no driver bound");
}

TEST_P(EveryRuleSet, VgpuTypeZeroIsSkipped) {
  auto d = good_vf();
  d.current_vgpu_type = "0";
  const auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::skipped);
  EXPECT_EQ(e.reasons, std::vector<std::string>{"current_vgpu_type is 0"});
}

TEST_P(EveryRuleSet, VgpuTypeIsAStringComparison) {
  auto d = good_vf();
  d.current_vgpu_type = "00";
  EXPECT_EQ(evaluate(d, GetParam()).verdict, Verdict::discovered);
}

TEST_P(EveryRuleSet, EmptyOrMissingVgpuTypeIsSkipped) {
  auto d = good_vf();
  d.current_vgpu_type = "";
  auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::skipped);
  EXPECT_EQ(e.reasons, std::vector<std::string>{"current_vgpu_type is empty"});
  d.current_vgpu_type.reset();
  d.has_nvidia_dir = false;
  e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::skipped);
  EXPECT_EQ(e.reasons, std::vector<std::string>{"no nvidia/current_vgpu_type"});
}

TEST_P(EveryRuleSet, NoIommuGroupFails) {
  auto d = good_vf();
  d.iommu_group.reset();
  d.iommu_group_members.reset();
  const auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::failed);
  EXPECT_EQ(e.reasons, std::vector<std::string>{"no iommu_group"});
  EXPECT_EQ(find(e, "vfio-group-node").outcome, Outcome::not_applicable);
}

TEST_P(EveryRuleSet, MissingVfioGroupNodeFails) {
  auto d = good_vf();
  d.vfio_group_node_exists = false;
  const auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::failed);
  EXPECT_EQ(e.reasons, std::vector<std::string>{"/dev/vfio/17 missing"});
}

TEST_P(EveryRuleSet, MissingVfioDevNodeFails) {
  auto d = good_vf();
  d.vfio_dev = {"vfio3"};
  EXPECT_EQ(evaluate(d, GetParam()).verdict, Verdict::discovered);
  d.vfio_dev_nodes_missing = {"vfio3"};
  const auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::failed);
  EXPECT_EQ(e.reasons, std::vector<std::string>{"/dev/vfio/devices/vfio3 missing"});
}

TEST_P(EveryRuleSet, SharedIommuGroupFails) {
  auto d = good_vf();
  d.iommu_group_members = std::vector<std::string>{"0001:00:00.0", "0001:00:01.0"};
  const auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::failed);
  EXPECT_EQ(e.reasons, std::vector<std::string>{"iommu group 17 shared with 0001:00:01.0"});
}

TEST_P(EveryRuleSet, NoGroupListingIsNotApplicable) {
  auto d = good_vf();
  d.iommu_group_members.reset();
  const auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::discovered);
  EXPECT_EQ(find(e, "iommu-group-exclusive").outcome, Outcome::not_applicable);
}

TEST_P(EveryRuleSet, VfioPciIsPassthrough) {
  auto d = good_vf();
  d.driver = "vfio-pci";
  d.current_vgpu_type.reset();
  d.has_nvidia_dir = false;
  d.has_sriov_totalvfs = true;
  const auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::discovered);
  EXPECT_TRUE(e.passthrough);
  EXPECT_EQ(find(e, "vgpu-type").outcome, Outcome::not_applicable);
  EXPECT_TRUE(e.allocation.allocatable());
}

TEST_P(EveryRuleSet, EveryFailedRuleIsReported) {
  auto d = good_vf();
  d.driver.reset();
  d.iommu_group.reset();
  const auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::failed);
  EXPECT_EQ(e.reasons, (std::vector<std::string>{"no driver bound", "no iommu_group"}));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, EveryRuleSet,
    ::testing::Values(RuleSet::kubevirt_1_9_0, RuleSet::kubevirt_main, RuleSet::pr16710),
    [](const auto& param_info) {
      // GoogleTest names: letters, digits and '_' only.
      std::string name(to_string(param_info.param));
      std::replace_if(
          name.begin(), name.end(),
          [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0; }, '_');
      return name;
    });

// KubeVirt v1.9.0 and main discover alike (the #18905 fix is in Allocate).
class KubevirtRules : public ::testing::TestWithParam<RuleSet> {};

TEST_P(KubevirtRules, OtherDriverFails) {
  auto d = good_vf();
  d.driver = "nouveau";
  const auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::failed);
  EXPECT_EQ(e.reasons, std::vector<std::string>{"driver is nouveau, not nvidia"});
}

TEST_P(KubevirtRules, SriovTotalvfsMeansPf) {
  auto d = good_vf();
  d.has_sriov_totalvfs = true;
  const auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::skipped);
  EXPECT_EQ(e.reasons, std::vector<std::string>{"is a PF (has sriov_totalvfs)"});
  EXPECT_FALSE(e.allocation.applicable);  // never advertised, never allocated
}

TEST_P(KubevirtRules, VirtfnAloneIsNotPf) {
  auto d = good_vf();
  d.virtfns = {"virtfn0"};
  EXPECT_EQ(evaluate(d, GetParam()).verdict, Verdict::discovered);
}

TEST_P(KubevirtRules, VfioPciPfIsPassedThrough) {
  auto d = good_vf();
  d.driver = "vfio-pci";
  d.has_sriov_totalvfs = true;
  d.virtfns = {"virtfn0"};
  const auto e = evaluate(d, GetParam());
  EXPECT_EQ(e.verdict, Verdict::discovered);
  EXPECT_EQ(find(e, "not-pf").outcome, Outcome::not_applicable);
}

INSTANTIATE_TEST_SUITE_P(Rules, KubevirtRules,
                         ::testing::Values(RuleSet::kubevirt_1_9_0, RuleSet::kubevirt_main),
                         [](const auto& param_info) {
                           return param_info.param == RuleSet::kubevirt_main ? "main" : "v1_9_0";
                         });

TEST(Pr16710Rules, AnyDriverIsAccepted) {
  auto d = good_vf();
  d.driver = "nouveau";
  EXPECT_EQ(evaluate(d, RuleSet::pr16710).verdict, Verdict::discovered);
}

TEST(Pr16710Rules, VirtfnMeansPf) {
  auto d = good_vf();
  d.virtfns = {"virtfn0", "virtfn1"};
  const auto e = evaluate(d, RuleSet::pr16710);
  EXPECT_EQ(e.verdict, Verdict::skipped);
  EXPECT_EQ(e.reasons, std::vector<std::string>{"is a PF (has virtfn0)"});
}

// The pull request's last head tests virtfn* after the driver check, for
// vfio-pci devices too (commit e8fed6bf42).
TEST(Pr16710Rules, VfioPciPfIsSkipped) {
  auto d = good_vf();
  d.driver = "vfio-pci";
  d.current_vgpu_type.reset();
  d.has_nvidia_dir = false;
  d.virtfns = {"virtfn0"};
  const auto e = evaluate(d, RuleSet::pr16710);
  EXPECT_EQ(e.verdict, Verdict::skipped);
  EXPECT_TRUE(e.passthrough);
  EXPECT_EQ(find(e, "not-pf").outcome, Outcome::fail);
  EXPECT_EQ(e.reasons, std::vector<std::string>{"is a PF (has virtfn0)"});
}

TEST(Pr16710Rules, SriovTotalvfsAloneIsNotPf) {
  auto d = good_vf();
  d.has_sriov_totalvfs = true;
  EXPECT_EQ(evaluate(d, RuleSet::pr16710).verdict, Verdict::discovered);
}

TEST(RuleSetNames, ParseAndPrint) {
  EXPECT_EQ(parse_rule_set("kubevirt-1.9.0").value(), RuleSet::kubevirt_1_9_0);
  EXPECT_EQ(parse_rule_set("kubevirt-main").value(), RuleSet::kubevirt_main);
  EXPECT_EQ(parse_rule_set("pr16710").value(), RuleSet::pr16710);
  // The alias names the newest release checked.
  EXPECT_EQ(parse_rule_set("kubevirt").value(), RuleSet::kubevirt_1_9_0);
  EXPECT_EQ(parse_rule_set(kDefaultRuleSetName).value(), RuleSet::kubevirt_1_9_0);
  EXPECT_EQ(to_string(RuleSet::kubevirt_1_9_0), "kubevirt-1.9.0");
  EXPECT_EQ(to_string(RuleSet::kubevirt_main), "kubevirt-main");
  EXPECT_EQ(to_string(RuleSet::pr16710), "pr16710");
  EXPECT_EQ(to_string(Verdict::skipped), "skipped");
}

TEST(RuleSetNames, UnknownNameSaysWhatIsAllowed) {
  const auto r = parse_rule_set("kubevirt-1.8");
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("unknown rule set 'kubevirt-1.8'"), std::string::npos) << m;
  for (const auto& n : rule_set_names()) {
    EXPECT_NE(m.find(std::string(n.name)), std::string::npos) << n.name;
  }
  EXPECT_FALSE(parse_rule_set("").ok());
  EXPECT_FALSE(parse_rule_set("Kubevirt").ok());
}

TEST(RuleSetNames, EveryNameParsesToItsSetAndEverySetHasOneCanonicalName) {
  for (const auto& n : rule_set_names()) {
    EXPECT_EQ(parse_rule_set(n.name).value(), n.rules) << n.name;
    EXPECT_FALSE(n.description.empty()) << n.name;
    if (!n.alias) {
      EXPECT_EQ(to_string(n.rules), n.name);
    }
  }
  for (const auto set : {RuleSet::kubevirt_1_9_0, RuleSet::kubevirt_main, RuleSet::pr16710}) {
    EXPECT_EQ(std::count_if(rule_set_names().begin(), rule_set_names().end(),
                            [set](const RuleSetName& n) { return n.rules == set && !n.alias; }),
              1);
  }
}

TEST(VgpuTypeName, LooksUpListedTypesOnly) {
  EXPECT_EQ(lookup_vgpu_type_name(test::kT4Creatable, "512").value(), "GRID T4-4C");
  EXPECT_FALSE(lookup_vgpu_type_name(test::kT4Creatable, "999").has_value());
  EXPECT_FALSE(lookup_vgpu_type_name("ID    : vGPU Name\n", "256").has_value());
  EXPECT_EQ(lookup_vgpu_type_name("ID    : vGPU Name\n1145  : NVIDIA L40S-1B", "1145").value(),
            "NVIDIA L40S-1B");
}

}  // namespace
}  // namespace fsv
