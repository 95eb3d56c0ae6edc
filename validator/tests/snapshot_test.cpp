// SPDX-License-Identifier: Apache-2.0
#include "fsv/snapshot.hpp"

#include <gtest/gtest.h>

#include "tree.hpp"

namespace fsv {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> verdicts(const Report& r) {
  std::vector<std::string> out;
  for (const auto& d : r.devices) {
    out.push_back(d.facts.address + " " + std::string(to_string(d.evaluation.verdict)) + " " +
                  std::to_string(d.evaluation.reasons.size()));
  }
  return out;
}

TEST(Snapshot, RevalidatesToTheSameVerdicts) {
  test::Tree tree;
  auto a = test::vf(0);
  a.vfio_dev = {"vfio0"};
  a.numa = "0";
  tree.add(a);
  auto b = test::vf(1);
  b.vfio_node = false;
  tree.add(b);
  auto c = test::vf(2);
  c.sriov_totalvfs = true;
  c.virtfns = {"virtfn0"};
  c.other_group_members = {"0001:00:1f.0"};
  tree.add(c);
  auto d = test::vf(3);
  d.driver.reset();
  tree.add(d);
  ValidateOptions o;
  o.selectors = {selector_from_arg("10de:1eb8").value()};
  const FactReader reader(tree.sys(), tree.dev());
  auto src = make_directory_source(tree.sys(), tree.dev());
  auto before = validate_once(*src, reader, o);
  ASSERT_TRUE(before.ok());

  test::Tree out;  // a scratch directory; the snapshot goes below it
  const fs::path snap = out.root() / "snap";
  auto st = write_snapshot(*before, reader, snap);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(fs::is_symlink(snap / "sys/bus/pci/devices/0001:00:00.0"));
  EXPECT_TRUE(fs::exists(snap / "sys/devices/pci0001:00/0001:00:00.0/nvidia/creatable_vgpu_types"));
  EXPECT_TRUE(fs::exists(snap / "dev/vfio/100"));
  EXPECT_TRUE(fs::exists(snap / "dev/vfio/devices/vfio0"));
  EXPECT_FALSE(fs::exists(snap / "dev/vfio/101"));
  EXPECT_TRUE(fs::is_symlink(snap / "sys/kernel/iommu_groups/102/devices/0001:00:1f.0"));

  const FactReader snap_reader(snap / "sys", snap / "dev");
  auto snap_src = make_directory_source(snap / "sys", snap / "dev");
  auto after = validate_once(*snap_src, snap_reader, o);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(verdicts(*before), verdicts(*after));
  EXPECT_EQ(after->devices[0].facts.numa_node, 0);
  EXPECT_EQ(after->devices[0].evaluation.vgpu_type_name.value_or(""), "GRID T4-1B");
}

TEST(Snapshot, RefusesANonEmptyDirectory) {
  test::Tree tree;
  Report r;
  auto st = write_snapshot(r, FactReader(tree.sys(), tree.dev()), tree.root());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("not empty"), std::string::npos);
}

}  // namespace
}  // namespace fsv
