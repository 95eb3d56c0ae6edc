// SPDX-License-Identifier: Apache-2.0
#include "fsv/report.hpp"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "spawn.hpp"
#include "tree.hpp"

namespace fsv {
namespace {

// A report with one device of each verdict and an external selector.
Report sample() {
  test::Tree tree;
  tree.add(test::vf(0));
  auto skipped = test::vf(1);
  skipped.vgpu_type = "0";
  tree.add(skipped);
  auto failed = test::vf(2);
  failed.driver = "nouveau";
  failed.other_group_members = {"0001:00:1f.0"};
  tree.add(failed);
  ValidateOptions o;
  o.selectors = {{"10de:1eb8", "nvidia.com/TU104GL_Tesla_T4", false},
                 {"10de:2236", "nvidia.com/A10", true}};
  o.expectation = {Expectation::Kind::exact, 2};
  auto src = make_directory_source(tree.sys(), tree.dev());
  auto r = validate_once(*src, FactReader(tree.sys(), tree.dev()), o);
  return std::move(r).value();
}

RenderOptions plain() {
  RenderOptions o;
  o.version = "9.9.9";
  return o;
}

TEST(JsonReport, ParsesBackWithTheDocumentedSchema) {
  const auto j = nlohmann::json::parse(render_json(sample(), plain()));
  EXPECT_EQ(j["schema_version"], kJsonSchemaVersion);
  EXPECT_EQ(j["tool"]["version"], "9.9.9");
  EXPECT_EQ(j["rules"], "kubevirt");  // the name asked for (the default alias)
  EXPECT_EQ(j["rule_set"]["name"], "kubevirt-1.9.0");
  EXPECT_EQ(j["rule_set"]["requested"], "kubevirt");
  EXPECT_EQ(j["source"]["kind"], "directory");
  ASSERT_EQ(j["selectors"].size(), 2U);
  EXPECT_EQ(j["selectors"][1]["external_resource_provider"], true);
  EXPECT_EQ(j["selectors"][1]["checked"], false);
  EXPECT_EQ(j["expectation"]["kind"], "exact");
  EXPECT_EQ(j["expectation"]["count"], 2);
  EXPECT_EQ(j["expectation"]["met"], false);
  EXPECT_EQ(j["summary"]["matched"], 3);
  EXPECT_EQ(j["summary"]["discovered"], 1);
  EXPECT_EQ(j["summary"]["skipped"], 1);
  EXPECT_EQ(j["summary"]["failed"], 1);
  EXPECT_EQ(j["summary"]["allocatable"], 1);
  EXPECT_EQ(j["summary"]["not_allocatable"], 0);
  const auto& devs = j["devices"];
  ASSERT_EQ(devs.size(), 3U);
  EXPECT_EQ(devs[0]["address"], "0001:00:00.0");
  EXPECT_EQ(devs[0]["verdict"], "discovered");
  EXPECT_EQ(devs[0]["resource_name"], "nvidia.com/TU104GL_Tesla_T4");
  EXPECT_EQ(devs[0]["iommu_group"], "100");
  EXPECT_EQ(devs[0]["numa_node"], -1);
  EXPECT_EQ(devs[0]["vgpu_type"], "256");
  EXPECT_EQ(devs[0]["vgpu_type_name"], "GRID T4-1B");
  EXPECT_TRUE(devs[0]["reasons"].empty());
  EXPECT_EQ(devs[0]["allocatable"], true);
  EXPECT_EQ(devs[0]["allocation"]["rule"], "allocate-host-paths");
  EXPECT_EQ(devs[0]["allocation"]["result"], "pass");
  EXPECT_EQ(devs[0]["allocation"]["host_paths"],
            nlohmann::json({"/dev/vfio/vfio", "/dev/vfio/100"}));
  EXPECT_TRUE(devs[0]["allocation"]["missing"].empty());
  EXPECT_TRUE(devs[1]["allocatable"].is_null());  // skipped: never allocated
  EXPECT_EQ(devs[1]["allocation"]["result"], "n/a");
  EXPECT_EQ(devs[1]["verdict"], "skipped");
  EXPECT_EQ(devs[2]["verdict"], "failed");
  EXPECT_EQ(devs[2]["reasons"], nlohmann::json({"driver is nouveau, not nvidia",
                                                "iommu group 102 shared with 0001:00:1f.0"}));
  EXPECT_EQ(devs[2]["rules"].size(), 8U);
  EXPECT_EQ(devs[2]["rules"][1]["id"], "driver-allowed");
  EXPECT_EQ(devs[2]["rules"][1]["result"], "fail");
}

// Two VFs as on 6.1: vfio-dev/vfioN without a device number or node.
Report entry_only(RuleSet rules, const std::string& name) {
  test::Tree tree;
  for (int i = 0; i < 2; ++i) {
    auto spec = test::vf(i);
    spec.vfio_dev = {"vfio" + std::to_string(i)};
    spec.vfio_dev_cdev = false;
    spec.vfio_dev_nodes = false;
    tree.add(spec);
  }
  ValidateOptions o;
  o.rules = rules;
  o.rules_name = name;
  o.selectors = {{"10de:1eb8", "nvidia.com/TU104GL_Tesla_T4", false}};
  o.expectation = {Expectation::Kind::exact, 2};
  auto src = make_directory_source(tree.sys(), tree.dev());
  return std::move(validate_once(*src, FactReader(tree.sys(), tree.dev()), o)).value();
}

TEST(Reports, NotAllocatableIsAFailureInEveryFormat) {
  const auto r = entry_only(RuleSet::kubevirt_1_9_0, "kubevirt-1.9.0");
  const auto j = nlohmann::json::parse(render_json(r, plain()));
  EXPECT_EQ(j["rules"], "kubevirt-1.9.0");
  EXPECT_EQ(j["rule_set"]["name"], "kubevirt-1.9.0");
  EXPECT_EQ(j["summary"]["discovered"], 2);
  EXPECT_EQ(j["summary"]["allocatable"], 0);
  EXPECT_EQ(j["summary"]["not_allocatable"], 2);
  EXPECT_EQ(j["expectation"]["met"], false);
  const auto& d = j["devices"][1];
  EXPECT_EQ(d["verdict"], "discovered");
  EXPECT_EQ(d["allocatable"], false);
  EXPECT_EQ(d["allocation"]["result"], "fail");
  EXPECT_EQ(d["allocation"]["missing"], nlohmann::json({"/dev/vfio/devices/vfio1"}));
  EXPECT_NE(d["allocation"]["reasons"][0].get<std::string>().find("#18895"), std::string::npos);

  const std::string t = render_table(r, plain());
  EXPECT_NE(t.find("0001:00:01.0  10de:1eb8  discovered  no "), std::string::npos) << t;
  EXPECT_NE(t.find("    - Allocate hands /dev/vfio/devices/vfio1, which does not exist"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("rules kubevirt-1.9.0,"), std::string::npos) << t;
  auto quiet = plain();
  quiet.quiet = true;
  EXPECT_NE(render_table(r, quiet).find("0001:00:00.0"), std::string::npos);

  const std::string xml = render_junit(r, plain());
  EXPECT_NE(xml.find("<testsuite name=\"devices\" tests=\"2\" failures=\"2\""), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("type=\"not-allocatable\""), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"rule_set\" value=\"kubevirt-1.9.0\"/>"), std::string::npos);
}

TEST(Reports, AliasIsShownWithTheSetThatRan) {
  const auto r = entry_only(RuleSet::kubevirt_main, "kubevirt-main");
  EXPECT_TRUE(r.expectation_met);
  const auto j = nlohmann::json::parse(render_json(r, plain()));
  EXPECT_EQ(j["devices"][0]["allocatable"], true);
  EXPECT_EQ(j["devices"][0]["allocation"]["left_out"], nlohmann::json({"/dev/vfio/devices/vfio0"}));
  auto alias = sample();
  EXPECT_NE(render_table(alias, plain()).find("rules kubevirt = kubevirt-1.9.0,"),
            std::string::npos);
}

TEST(JunitReport, OneTestcasePerDevice) {
  const std::string xml = render_junit(sample(), plain());
  EXPECT_EQ(xml.rfind("<?xml", 0), 0U);
  size_t testcases = 0;
  for (size_t pos = 0; (pos = xml.find("<testcase ", pos)) != std::string::npos; ++pos) {
    ++testcases;
  }
  EXPECT_EQ(testcases, 4U);  // three devices and the expectation
  EXPECT_NE(xml.find("name=\"0001:00:01.0\">\n      <skipped message=\"current_vgpu_type is 0\"/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure message=\"driver is nouveau, not nvidia; iommu group 102"),
            std::string::npos);
  EXPECT_NE(xml.find("name=\"expectation\">\n      <failure"), std::string::npos);
  // Well-formed: validate with xmllint when it is installed.
  if (fsv::test::spawn({"xmllint", "--version"}).rc == 0) {
    const std::string path = ::testing::TempDir() + "fsv-junit.xml";
    std::ofstream(path) << xml;
    const auto lint = fsv::test::spawn({"xmllint", "--noout", path});
    EXPECT_EQ(lint.rc, 0) << lint.err;
  }
}

TEST(TableReport, ShowsVerdictsReasonsAndSummary) {
  const std::string t = render_table(sample(), plain());
  EXPECT_NE(t.find("ADDRESS"), std::string::npos);
  EXPECT_NE(t.find("0001:00:00.0  10de:1eb8  discovered"), std::string::npos) << t;
  EXPECT_NE(t.find("    - driver is nouveau, not nvidia\n"), std::string::npos);
  EXPECT_NE(t.find("256 (GRID T4-1B)"), std::string::npos);
  EXPECT_NE(
      t.find("selector 10de:2236 (nvidia.com/A10): left to an external provider, not checked"),
      std::string::npos);
  EXPECT_NE(t.find("3 matched: 1 discovered, 1 skipped, 1 failed"), std::string::npos);
  EXPECT_NE(t.find("FAIL: expected exactly 2 discovered and allocatable, found 1 discovered and "
                   "allocatable"),
            std::string::npos);
  EXPECT_EQ(t.find('\033'), std::string::npos);
}

TEST(TableReport, QuietShowsOnlyFailures) {
  auto o = plain();
  o.quiet = true;
  const std::string t = render_table(sample(), o);
  EXPECT_EQ(t.find("0001:00:00.0"), std::string::npos);
  EXPECT_EQ(t.find("0001:00:01.0"), std::string::npos);
  EXPECT_NE(t.find("0001:00:02.0"), std::string::npos);
  EXPECT_NE(t.find("FAIL:"), std::string::npos);
  auto good = sample();
  good.devices.resize(1);
  good.summary = {1, 1, 0, 0};
  good.expectation_met = true;
  EXPECT_EQ(render_table(good, o), "");
}

TEST(TableReport, ColourOnlyWhenAsked) {
  auto o = plain();
  o.color = true;
  EXPECT_NE(render_table(sample(), o).find("\033[32mdiscovered\033[0m"), std::string::npos);
}

TEST(Format, ParsesNames) {
  EXPECT_EQ(parse_format("json").value(), Format::json);
  EXPECT_EQ(parse_format("junit").value(), Format::junit);
  EXPECT_EQ(parse_format("table").value(), Format::table);
  EXPECT_FALSE(parse_format("xml").ok());
}

}  // namespace

TEST(Report, NoMatchHint) {
  Report r;
  r.selectors = {{"10de:1eb8", "10de:1eb8", false}, {"10de:2236", "nvidia.com/A10", true}};
  EXPECT_EQ(no_match_hint(r),
            "no PCI device matches 10de:1eb8: is the module loaded? (lsmod | grep "
            "fake_sriov_vgpu; modprobe fake_sriov_vgpu; on an NVIDIA host: are the VFs enabled?)");
  r.hint = no_match_hint(r);
  auto table = render_table(r, plain());
  EXPECT_NE(table.find("\nno PCI device matches 10de:1eb8: is the module loaded?"),
            std::string::npos)
      << table;
  EXPECT_EQ(table.find("no PCI device matches the selectors"), std::string::npos) << table;
  r.devices.emplace_back();
  EXPECT_EQ(no_match_hint(r), "");
  Report m;
  m.path = DevicePath::mdev;
  m.mdev_all = true;
  EXPECT_EQ(no_match_hint(m).rfind("no mdev instance: KubeVirt (or mdevctl) creates them; the "
                                   "parents are /sys/class/mdev_bus/*",
                                   0),
            0U);
  m.mdev_all = false;
  m.mdev_selectors = {{"GRID_T4-2B", "GRID_T4-2B", false}};
  m.mdev_types.emplace_back();
  m.mdev_types.back().instances = 2;
  EXPECT_EQ(no_match_hint(m),
            "no mdev instance matches GRID_T4-2B: the node's 2 are of other types (the mdev "
            "types listed)");
}

TEST(Report, WaitProgress) {
  Report r;
  r.expectation = {Expectation::Kind::exact, 4};
  r.summary.allocatable = 2;
  EXPECT_EQ(wait_progress(r, std::chrono::milliseconds(12345), std::chrono::seconds(60)),
            "waiting: 2 of 4 devices, 12 s of 60 s");
  r.expectation = {};
  r.path = DevicePath::mdev;
  EXPECT_EQ(wait_progress(r, std::chrono::milliseconds(999), std::chrono::milliseconds(2500)),
            "waiting: 2 mdev instances discovered and allocatable, 0 s of 2.5 s");
  r.waited_s = 1.25;
  r.expectation_message = "expected";
  EXPECT_NE(render_table(r, plain()).find("expected (after 1.2 s of waiting)\n"),
            std::string::npos);
}

}  // namespace fsv
