// SPDX-License-Identifier: Apache-2.0
// The mdev path on synthetic trees: facts, each rule on its own, the CR, the
// node checks, the reports and the gate.
#include "fsv/mdev.hpp"

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fsv/report.hpp"
#include "fsv/validate.hpp"
#include "tree.hpp"

namespace fsv {
namespace {

namespace fs = std::filesystem;

/// Four T4-1B instances on two parents (two each), every node present.
void good_node(test::Tree& tree) {
  for (int i = 0; i < 4; ++i) {
    auto spec = test::mdev(i);
    if (i >= 2) {
      spec.parent = "0000:00:06.0";
      spec.numa = "1";
    }
    tree.add_mdev(spec);
  }
}

ValidateOptions mdev_options(Expectation e = {}) {
  ValidateOptions o;
  o.path = DevicePath::mdev;
  o.expectation = e;
  return o;
}

Report run(const test::Tree& tree, const ValidateOptions& o) {
  auto src = make_directory_source(tree.sys(), tree.dev());
  auto r = validate_once(*src, FactReader(tree.sys(), tree.dev()), o);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return std::move(r).value();
}

/// The ids of the failed rules.
std::vector<std::string> failed(const Evaluation& e) {
  std::vector<std::string> out;
  for (const auto& r : e.rules) {
    if (r.outcome == Outcome::fail) {
      out.push_back(r.id);
    }
  }
  return out;
}

std::string reason_of(const Evaluation& e, const std::string& id) {
  for (const auto& r : e.rules) {
    if (r.id == id) {
      return r.reason;
    }
  }
  return "(no rule " + id + ")";
}

Evaluation evaluate_one(const test::Tree& tree, const test::MdevSpec& spec) {
  const MdevReader reader(tree.sys(), tree.dev());
  return evaluate_mdev(reader.read(spec.uuid));
}

TEST(MdevFacts, ReadsWhatKubevirtReads) {
  test::Tree tree;
  good_node(tree);
  const MdevReader reader(tree.sys(), tree.dev());
  EXPECT_EQ(reader.list_instances().size(), 4U);
  const auto m = reader.read(test::mdev(2).uuid);
  EXPECT_TRUE(m.is_link);
  EXPECT_EQ(m.parent, "0000:00:06.0");
  EXPECT_TRUE(m.parent_dir_exists);
  EXPECT_EQ(m.type_id, "nvidia-256");
  EXPECT_EQ(m.type_name_raw, "GRID T4-1B");
  EXPECT_EQ(m.type_name, "GRID_T4-1B");
  EXPECT_EQ(m.available_instances, 15);
  EXPECT_EQ(m.iommu_group, "202");
  EXPECT_EQ(m.numa_node, 1);
  EXPECT_EQ(m.driver, "vfio_mdev");
  ASSERT_TRUE(m.iommu_group_members.has_value());
  EXPECT_EQ(*m.iommu_group_members, std::vector<std::string>{test::mdev(2).uuid});
  EXPECT_TRUE(m.vfio_group_node_exists);
  EXPECT_TRUE(m.vfio_container_node_exists);
}

TEST(MdevTypes, SumMaxInstanceOverParents) {
  test::Tree tree;
  good_node(tree);
  auto other = test::mdev(9);
  other.type_id = "nvidia-257";
  other.type_name = "GRID T4-2B";
  other.description = "num_heads=4, frl_config=45, framebuffer=2048M, max_instance=8";
  other.available = "8";
  tree.add_mdev_type(other);
  const auto types = summarize_mdev_types(MdevReader(tree.sys(), tree.dev()).list_types());
  ASSERT_EQ(types.size(), 2U);
  EXPECT_EQ(types[0].id, "nvidia-256");
  EXPECT_EQ(types[0].key, "GRID_T4-1B");
  EXPECT_EQ(types[0].parents, (std::vector<std::string>{"0000:00:05.0", "0000:00:06.0"}));
  EXPECT_EQ(types[0].max_instance_total, 32U);
  EXPECT_TRUE(types[0].max_instance_known);
  EXPECT_EQ(types[0].available_instances, 30);
  EXPECT_EQ(types[0].instances, 4U);
  EXPECT_EQ(types[1].id, "nvidia-257");
  EXPECT_EQ(types[1].max_instance_total, 8U);
  EXPECT_EQ(types[1].instances, 0U);
  EXPECT_EQ(parse_max_instance("framebuffer=1024M"), std::nullopt);
  EXPECT_EQ(parse_available_instances("7\n3\n"), 7);
  EXPECT_EQ(parse_available_instances(" 7x\n"), std::nullopt);
  EXPECT_EQ(parse_available_instances(""), std::nullopt);
}

TEST(MdevValidate, GoodNodePasses) {
  test::Tree tree;
  good_node(tree);
  const auto r = run(tree, mdev_options({Expectation::Kind::exact, 4}));
  EXPECT_EQ(r.path, DevicePath::mdev);
  EXPECT_TRUE(r.mdev_all);
  EXPECT_EQ(r.summary.matched, 4U);
  EXPECT_EQ(r.summary.discovered, 4U);
  EXPECT_EQ(r.summary.allocatable, 4U);
  EXPECT_EQ(r.summary.failed, 0U);
  EXPECT_TRUE(r.expectation_met) << r.expectation_message;
  ASSERT_EQ(r.mdevs.size(), 4U);
  for (const auto& m : r.mdevs) {
    EXPECT_EQ(m.evaluation.verdict, Verdict::discovered);
    EXPECT_TRUE(failed(m.evaluation).empty());
    EXPECT_EQ(m.evaluation.rules.size(), 7U);
    EXPECT_EQ(m.selector.resource_name, "GRID_T4-1B");
  }
  EXPECT_EQ(r.mdevs[0].evaluation.allocation.host_paths,
            (std::vector<std::string>{"/dev/vfio/vfio", "/dev/vfio/200"}));
  EXPECT_TRUE(r.checks.empty());
  EXPECT_FALSE(run(tree, mdev_options({Expectation::Kind::exact, 5})).expectation_met);
  EXPECT_TRUE(run(tree, mdev_options({Expectation::Kind::min, 3})).expectation_met);
}

TEST(MdevValidate, NoMdevBusIsNoInstance) {
  test::Tree tree;
  const auto r = run(tree, mdev_options());
  EXPECT_EQ(r.summary.matched, 0U);
  EXPECT_FALSE(r.expectation_met);
  EXPECT_TRUE(run(tree, mdev_options({Expectation::Kind::exact, 0})).expectation_met);
}

// Each rule on its own: the one rule fails, with its message.
TEST(MdevRules, TypeName) {
  test::Tree tree;
  auto no_link = test::mdev(0);
  no_link.type_link = false;
  tree.add_mdev(no_link);
  auto e = evaluate_one(tree, no_link);
  // available_instances is read through the link too: not applicable without it.
  EXPECT_EQ(failed(e), std::vector<std::string>{"mdev-type-name"});
  EXPECT_EQ(reason_of(e, "mdev-type-name"), "no mdev_type link: the type name cannot be read");
  EXPECT_EQ(e.verdict, Verdict::failed);

  // No name file: KubeVirt falls back to the link's base name.
  test::Tree t2;
  auto no_name = test::mdev(1);
  no_name.type_name.reset();
  t2.add_mdev(no_name);
  const auto m = MdevReader(t2.sys(), t2.dev()).read(no_name.uuid);
  EXPECT_EQ(m.type_name, "nvidia-256");
  EXPECT_TRUE(failed(evaluate_mdev(m)).empty());

  // A name that exists but cannot be read.
  test::Tree t3;
  auto bad = test::mdev(2);
  bad.type_name.reset();
  const auto type_dir = t3.add_mdev(bad).parent_path() / "mdev_supported_types" / "nvidia-256";
  fs::create_directories(type_dir / "name");
  e = evaluate_one(t3, bad);
  EXPECT_EQ(failed(e), std::vector<std::string>{"mdev-type-name"});
  EXPECT_EQ(reason_of(e, "mdev-type-name"), "mdev_type/name of nvidia-256 unreadable");
}

TEST(MdevRules, Parent) {
  test::Tree tree;
  auto dir = test::mdev(0);
  dir.link = false;
  tree.add_mdev(dir);
  auto e = evaluate_one(tree, dir);
  EXPECT_EQ(reason_of(e, "mdev-parent"),
            "/sys/bus/mdev/devices/" + dir.uuid + " is not a symlink: KubeVirt skips it");
  EXPECT_NE(std::find(failed(e).begin(), failed(e).end(), "mdev-parent"), failed(e).end());

  test::Tree t2;
  const auto dangling = test::mdev(1);
  fs::create_directories(t2.sys() / "bus" / "mdev" / "devices");
  fs::create_symlink("../../../devices/pci0000:00/0000:00:09.0/" + dangling.uuid,
                     t2.sys() / "bus" / "mdev" / "devices" / dangling.uuid);
  e = evaluate_one(t2, dangling);
  EXPECT_EQ(reason_of(e, "mdev-parent"),
            "/sys/bus/mdev/devices/" + dangling.uuid +
                " does not resolve (parent 0000:00:09.0 or the instance directory is missing)");
  EXPECT_EQ(e.verdict, Verdict::failed);
}

TEST(MdevRules, NumaNode) {
  test::Tree tree;
  auto unreadable = test::mdev(0);
  unreadable.numa_unreadable = true;
  tree.add_mdev(unreadable);
  auto e = evaluate_one(tree, unreadable);
  EXPECT_EQ(failed(e), std::vector<std::string>{"mdev-numa-node"});
  EXPECT_EQ(reason_of(e, "mdev-numa-node"), "/sys/bus/pci/devices/0000:00:05.0/numa_node unreadable");

  // Missing or -1: no NUMA node, as KubeVirt has it; not a failure.
  for (const auto& numa : std::vector<std::optional<std::string>>{std::nullopt, "-1"}) {
    test::Tree t;
    auto spec = test::mdev(1);
    spec.numa = numa;
    t.add_mdev(spec);
    const auto m = MdevReader(t.sys(), t.dev()).read(spec.uuid);
    EXPECT_EQ(m.numa_node, -1);
    EXPECT_TRUE(failed(evaluate_mdev(m)).empty());
  }
}

TEST(MdevRules, AvailableInstances) {
  for (const auto& [raw, reason] :
       std::vector<std::pair<std::string, std::string>>{
           {"abc", "available_instances of nvidia-256 is 'abc', not an integer: KubeVirt's mdev "
                   "manager panics on it"},
           {"", "available_instances of nvidia-256 is empty, not an integer: KubeVirt's mdev "
                "manager panics on it"}}) {
    test::Tree tree;
    auto spec = test::mdev(0);
    spec.available = raw;
    tree.add_mdev(spec);
    const auto e = evaluate_one(tree, spec);
    EXPECT_EQ(failed(e), std::vector<std::string>{"mdev-available-instances"}) << raw;
    EXPECT_EQ(reason_of(e, "mdev-available-instances"), reason);
  }
}

TEST(MdevRules, IommuGroupAndVfioNodes) {
  test::Tree tree;
  auto no_group = test::mdev(0);
  no_group.group.reset();
  tree.add_mdev(no_group);
  auto e = evaluate_one(tree, no_group);
  EXPECT_EQ(failed(e), std::vector<std::string>{"mdev-iommu-group"});
  EXPECT_EQ(reason_of(e, "mdev-iommu-group"), "no iommu_group");
  EXPECT_FALSE(e.allocation.applicable);

  auto no_node = test::mdev(1);
  no_node.vfio_node = false;
  tree.add_mdev(no_node);
  e = evaluate_one(tree, no_node);
  EXPECT_EQ(failed(e), std::vector<std::string>{"mdev-vfio-group-node"});
  EXPECT_EQ(reason_of(e, "mdev-vfio-group-node"), "/dev/vfio/201 missing");
  EXPECT_EQ(e.allocation.missing, std::vector<std::string>{"/dev/vfio/201"});

  auto shared = test::mdev(2);
  shared.other_group_members = {test::mdev(3).uuid};
  tree.add_mdev(shared);
  e = evaluate_one(tree, shared);
  EXPECT_EQ(failed(e), std::vector<std::string>{"mdev-iommu-group-exclusive"});
  EXPECT_EQ(reason_of(e, "mdev-iommu-group-exclusive"),
            "iommu group 202 shared with " + test::mdev(3).uuid);
}

TEST(MdevRules, ContainerNodeMakesItNotAllocatable) {
  test::Tree tree;
  good_node(tree);
  tree.remove_vfio_container_node();
  const auto r = run(tree, mdev_options({Expectation::Kind::exact, 4}));
  EXPECT_EQ(r.summary.discovered, 4U);
  EXPECT_EQ(r.summary.allocatable, 0U);
  EXPECT_EQ(r.summary.not_allocatable, 4U);
  EXPECT_FALSE(r.expectation_met);
  EXPECT_EQ(r.mdevs[0].evaluation.allocation.reasons,
            std::vector<std::string>{
                "Allocate hands /dev/vfio/vfio, which does not exist: the pod is refused"});
}

constexpr const char* kCr = R"(apiVersion: kubevirt.io/v1
kind: KubeVirt
metadata: {name: kubevirt, namespace: kubevirt}
spec:
  configuration:
    mediatedDevicesConfiguration:
      mediatedDeviceTypes:
      - nvidia-256
      - GRID_T4-1B
      - GRID T4-2B
      - nvidia-999
    permittedHostDevices:
      mediatedDevices:
      - mdevNameSelector: GRID T4-1B
        resourceName: nvidia.com/GRID_T4-1B
      - mdevNameSelector: GRID_T4-2B
        resourceName: T4-2B
      - mdevNameSelector: GRID A100-4C
        resourceName: nvidia.com/A100
        externalResourceProvider: true
)";

TEST(MdevCr, ParsesMediatedDevicesAndConfiguration) {
  auto c = parse_kubevirt_cr_mdev(kCr);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->selectors.size(), 3U);
  EXPECT_EQ(c->selectors[0].name, "GRID_T4-1B");  // spaces made underscores, like KubeVirt
  EXPECT_EQ(c->selectors[0].resource_name, "nvidia.com/GRID_T4-1B");
  EXPECT_FALSE(c->selectors[0].external);
  EXPECT_TRUE(c->selectors[2].external);
  ASSERT_TRUE(c->desired_types.has_value());
  EXPECT_EQ(*c->desired_types,
            (std::vector<std::string>{"nvidia-256", "GRID_T4-1B", "GRID T4-2B", "nvidia-999"}));
  EXPECT_EQ(c->desired_types_key, "mediatedDeviceTypes");
}

TEST(MdevCr, OlderKeyAndErrors) {
  auto c = parse_kubevirt_cr_mdev(
      "kind: KubeVirt\nspec:\n  configuration:\n    mediatedDevicesConfiguration:\n"
      "      mediatedDevicesTypes: [nvidia-256]\n    permittedHostDevices:\n"
      "      mediatedDevices: [{mdevNameSelector: GRID_T4-1B, resourceName: nvidia.com/T4}]\n");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->desired_types_key, "mediatedDevicesTypes");
  EXPECT_EQ(*c->desired_types, std::vector<std::string>{"nvidia-256"});

  c = parse_kubevirt_cr_mdev(
      "kind: KubeVirt\nspec:\n  configuration:\n    permittedHostDevices:\n"
      "      mediatedDevices: [{mdevNameSelector: GRID_T4-1B, resourceName: nvidia.com/T4}]\n");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->desired_types.has_value());

  c = parse_kubevirt_cr_mdev(
      "kind: KubeVirt\nspec:\n  configuration:\n    permittedHostDevices:\n"
      "      pciHostDevices: [{pciVendorSelector: 10de:1eb8, resourceName: nvidia.com/T4}]\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "no spec.configuration.permittedHostDevices.mediatedDevices");
  c = parse_kubevirt_cr_mdev(
      "kind: KubeVirt\nspec:\n  configuration:\n    permittedHostDevices:\n"
      "      mediatedDevices: [{resourceName: nvidia.com/T4}]\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "mediatedDevices[0] has no mdevNameSelector");
}

TEST(MdevChecks, ResourceNamesAndDesiredTypes) {
  test::Tree tree;
  good_node(tree);
  auto t2b = test::mdev(9);
  t2b.type_id = "nvidia-257";
  t2b.type_name = "GRID T4-2B";
  tree.add_mdev_type(t2b);
  auto o = mdev_options({Expectation::Kind::exact, 4});
  o.mdev_cr = parse_kubevirt_cr_mdev(kCr).value();
  const auto r = run(tree, o);
  EXPECT_EQ(r.summary.allocatable, 4U);
  ASSERT_EQ(r.checks.size(), 6U);  // two checked selectors, four desired types
  EXPECT_EQ(r.checks[0].rule.id, "mdev-resource-name");
  EXPECT_EQ(r.checks[0].rule.outcome, Outcome::pass);
  EXPECT_EQ(r.checks[1].rule.outcome, Outcome::fail);
  EXPECT_EQ(r.checks[1].subject, "mediatedDevices[1] T4-2B");
  EXPECT_EQ(r.checks[1].rule.reason,
            "resourceName 'T4-2B' has no '/': KubeVirt's mediated device plugin panics on it "
            "(write e.g. nvidia.com/T4-2B)");
  EXPECT_EQ(r.checks[2].rule.id, "mdev-desired-type");
  EXPECT_EQ(r.checks[2].rule.outcome, Outcome::pass);  // nvidia-256, a directory name
  EXPECT_EQ(r.checks[3].rule.outcome, Outcome::pass);  // GRID_T4-1B, an underscored name
  EXPECT_EQ(r.checks[4].subject, "mediatedDeviceTypes[2] GRID T4-2B");
  EXPECT_EQ(r.checks[4].rule.outcome, Outcome::fail);
  EXPECT_EQ(r.checks[4].rule.reason,
            "'GRID T4-2B' contains a space: KubeVirt matches it against no type (write "
            "nvidia-257 or GRID_T4-2B)");
  EXPECT_EQ(r.checks[5].rule.outcome, Outcome::fail);
  EXPECT_EQ(r.checks[5].rule.reason,
            "'nvidia-999' names no mdev type of this node (types: nvidia-256 (GRID_T4-1B), "
            "nvidia-257 (GRID_T4-2B))");
  // The count holds, the failed checks fail the gate.
  EXPECT_FALSE(r.expectation_met);
  EXPECT_EQ(r.expectation_message,
            "expected exactly 4 discovered and allocatable, found 4 discovered and allocatable; "
            "3 checks of the CR or node failed");
}

TEST(MdevValidate, SelectorsMatchUnderscoredNames) {
  test::Tree tree;
  good_node(tree);
  auto other = test::mdev(5);
  other.type_id = "nvidia-257";
  other.type_name = "GRID T4-2B";
  tree.add_mdev(other);
  auto o = mdev_options();
  o.mdev_names = {mdev_selector_from_arg("GRID T4-2B").value()};
  auto r = run(tree, o);
  ASSERT_EQ(r.mdevs.size(), 1U);
  EXPECT_EQ(r.mdevs[0].facts.uuid, other.uuid);
  EXPECT_EQ(r.mdevs[0].selector.resource_name, "GRID_T4-2B");
  EXPECT_EQ(r.mdevs[0].env_var, "MDEV_PCI_RESOURCE_GRID_T4-2B");
  // External selectors are not checked: nothing matches.
  o.mdev_names[0].external = true;
  r = run(tree, o);
  EXPECT_EQ(r.summary.matched, 0U);
  EXPECT_FALSE(r.mdev_all);
  EXPECT_EQ(mdev_env_var("nvidia.com/GRID_T4-1B"), "MDEV_PCI_RESOURCE_NVIDIA_COM_GRID_T4-1B");
}

TEST(MdevReport, JsonAndJunit) {
  test::Tree tree;
  good_node(tree);
  auto bad = test::mdev(7);
  bad.vfio_node = false;
  tree.add_mdev(bad);
  auto o = mdev_options({Expectation::Kind::exact, 4});
  o.mdev_cr = parse_kubevirt_cr_mdev(kCr).value();
  const auto r = run(tree, o);
  RenderOptions ro;
  ro.version = "9.9.9";
  const auto j = nlohmann::json::parse(render_json(r, ro));
  EXPECT_EQ(j["path"], "mdev");
  EXPECT_EQ(j["summary"]["matched"], 5);
  EXPECT_EQ(j["summary"]["allocatable"], 4);
  EXPECT_EQ(j["summary"]["failed"], 1);
  EXPECT_EQ(j["selectors"][0]["mdev_name_selector"], "GRID_T4-1B");
  EXPECT_EQ(j["selectors"][2]["checked"], false);
  ASSERT_EQ(j["mdev_types"].size(), 1U);
  EXPECT_EQ(j["mdev_types"][0]["id"], "nvidia-256");
  EXPECT_EQ(j["mdev_types"][0]["name"], "GRID T4-1B");
  EXPECT_EQ(j["mdev_types"][0]["type_name"], "GRID_T4-1B");
  EXPECT_EQ(j["mdev_types"][0]["max_instance_total"], 32);
  EXPECT_EQ(j["mdev_types"][0]["instances"], 5);
  const auto& d0 = j["devices"][0];
  EXPECT_EQ(d0["uuid"], test::mdev(0).uuid);
  EXPECT_EQ(d0["type_name"], "GRID_T4-1B");
  EXPECT_EQ(d0["resource_name"], "nvidia.com/GRID_T4-1B");
  EXPECT_EQ(d0["verdict"], "discovered");
  EXPECT_EQ(d0["parent"], "0000:00:05.0");
  EXPECT_EQ(d0["iommu_group"], "200");
  EXPECT_EQ(d0["numa_node"], 0);
  EXPECT_EQ(d0["allocatable"], true);
  EXPECT_EQ(d0["allocation"]["env"]["MDEV_PCI_RESOURCE_NVIDIA_COM_GRID_T4-1B"],
            test::mdev(0).uuid);
  EXPECT_EQ(d0["rules"].size(), 7U);
  const auto& d4 = j["devices"][4];
  EXPECT_EQ(d4["verdict"], "failed");
  EXPECT_EQ(d4["reasons"], nlohmann::json::array({"/dev/vfio/207 missing"}));
  ASSERT_EQ(j["checks"].size(), 6U);
  EXPECT_EQ(j["checks"][4]["result"], "fail");

  const auto x = render_junit(r, ro);
  EXPECT_NE(x.find("<property name=\"path\" value=\"mdev\"/>"), std::string::npos) << x;
  EXPECT_NE(x.find("<testcase classname=\"nvidia.com/GRID_T4-1B\" name=\"" + test::mdev(0).uuid +
                   "\"/>"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("name=\"" + bad.uuid + "\">\n      <failure message=\"/dev/vfio/207 missing\" "
                                          "type=\"failed\">"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<testsuite name=\"checks\" tests=\"6\" failures=\"3\""), std::string::npos)
      << x;
  // 5 instances + 6 checks + the expectation; 1 failed instance, 3 checks, the expectation.
  EXPECT_NE(x.find("<testsuites name=\"fakesriov-validate\" tests=\"12\" failures=\"5\""),
            std::string::npos)
      << x;

  const auto t = render_table(r, ro);
  EXPECT_NE(t.find("    - /dev/vfio/207 missing"), std::string::npos) << t;
  EXPECT_NE(t.find("  nvidia-256  GRID_T4-1B  parents 0000:00:05.0,0000:00:06.0  instances 5  "
                   "available 30  full node 32"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("check mdev-desired-type (mediatedDeviceTypes[2] GRID T4-2B): fail: "),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("selector GRID_A100-4C (nvidia.com/A100): left to an external provider"),
            std::string::npos)
      << t;
}

}  // namespace
}  // namespace fsv
