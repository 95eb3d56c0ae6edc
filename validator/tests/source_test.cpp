// SPDX-License-Identifier: Apache-2.0
#include "fsv/source.hpp"

#include <libudev.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include <gtest/gtest.h>

#include "tree.hpp"

namespace fsv {
namespace {

using namespace std::chrono_literals;

TEST(DirectorySource, ListsBusDevicesSorted) {
  test::Tree tree;
  tree.add(test::vf(2));
  tree.add(test::vf(0));
  auto src = make_directory_source(tree.sys(), tree.dev());
  auto list = src->list();
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2U);
  EXPECT_EQ((*list)[0].address, "0001:00:00.0");
  EXPECT_EQ((*list)[1].address, "0001:00:02.0");
  EXPECT_EQ(src->kind(), "directory");
}

TEST(DirectorySource, MissingTreeIsAnError) {
  auto src = make_directory_source("/nonexistent", "/nonexistent");
  auto list = src->list();
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.error().message.find("/nonexistent/bus/pci/devices"), std::string::npos);
}

TEST(DirectorySource, WatcherWakesOnNewDeviceAndTimesOut) {
  test::Tree tree;
  auto src = make_directory_source(tree.sys(), tree.dev());
  auto watcher = src->watch();
  ASSERT_TRUE(watcher.ok()) << watcher.error().message;
  auto woke = (*watcher)->wait(10ms);
  ASSERT_TRUE(woke.ok());
  EXPECT_FALSE(*woke);
  tree.add(test::vf(0));
  woke = (*watcher)->wait(2s);
  ASSERT_TRUE(woke.ok());
  EXPECT_TRUE(*woke);
}

TEST(FactReader, ReadsEverythingTheRulesNeed) {
  test::Tree tree;
  auto spec = test::vf(3);
  spec.numa = "1";
  spec.vfio_dev = {"vfio7", "vfio8"};
  spec.other_group_members = {"0001:00:1f.0"};
  tree.add(spec);
  tree.remove_vfio_dev_node("vfio8");
  const FactReader reader(tree.sys(), tree.dev());
  const DeviceRef ref{spec.address, (tree.sys() / "bus/pci/devices" / spec.address).string()};
  const auto id = reader.read_pci_id(ref.syspath);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, "10de:1eb8");
  const auto f = reader.read(ref, id);
  EXPECT_EQ(f.driver.value_or(""), "nvidia");
  EXPECT_EQ(f.current_vgpu_type.value_or(""), "256");
  EXPECT_EQ(f.iommu_group.value_or(""), "103");
  EXPECT_EQ(f.numa_node, 1);
  EXPECT_TRUE(f.vfio_group_node_exists);
  EXPECT_FALSE(f.has_sriov_totalvfs);
  EXPECT_EQ(f.vfio_dev, (std::vector<std::string>{"vfio7", "vfio8"}));
  EXPECT_EQ(f.vfio_dev_nodes_missing, std::vector<std::string>{"vfio8"});
  ASSERT_TRUE(f.iommu_group_members.has_value());
  EXPECT_EQ(*f.iommu_group_members, (std::vector<std::string>{"0001:00:03.0", "0001:00:1f.0"}));
}

TEST(FactReader, VfioDevWithoutCdevNeedsNoNode) {
  // 6.1-6.5: vfio-dev/vfioN exists with no device number and no node.
  test::Tree tree;
  auto spec = test::vf(4);
  spec.vfio_dev = {"vfio2"};
  spec.vfio_dev_cdev = false;
  spec.vfio_dev_nodes = false;
  tree.add(spec);
  const FactReader reader(tree.sys(), tree.dev());
  const DeviceRef ref{spec.address, (tree.sys() / "bus/pci/devices" / spec.address).string()};
  const auto f = reader.read(ref, reader.read_pci_id(ref.syspath));
  EXPECT_EQ(f.vfio_dev, std::vector<std::string>{"vfio2"});
  EXPECT_TRUE(f.vfio_dev_nodes_missing.empty());
}

TEST(FactReader, NumaNodeParsedLikeKubevirt) {
  test::Tree tree;
  auto spec = test::vf(0);
  spec.numa = "garbage";
  tree.add(spec);
  const FactReader reader(tree.sys(), tree.dev());
  const DeviceRef ref{spec.address, tree.device_dir(spec.address).string()};
  EXPECT_EQ(reader.read(ref, std::nullopt).numa_node, -1);
}

TEST(FactReader, FirstPciIdLineWins) {
  test::Tree tree;
  const auto d = tree.add(test::vf(0));
  test::write_file(d / "uevent", "DRIVER=nvidia\nPCI_ID= 10DE:2236 \nPCI_ID=10DE:1EB8\n");
  const FactReader reader(tree.sys(), tree.dev());
  EXPECT_EQ(reader.read_pci_id(d.string()).value_or(""), "10de:2236");
  test::write_file(d / "uevent", "DRIVER=nvidia\n");
  EXPECT_FALSE(reader.read_pci_id(d.string()).has_value());
}

TEST(LiveSource, ListsWhatUdevEnumerates) {
  // The live list is the udev enumeration, device for device and syspath for
  // syspath, without its cost.
  auto src = make_live_source();
  ASSERT_TRUE(src.ok()) << src.error().message;
  auto list = (*src)->list();
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ((*src)->kind(), "live");

  std::unique_ptr<udev, decltype(&udev_unref)> ctx(udev_new(), udev_unref);
  ASSERT_NE(ctx, nullptr);
  std::unique_ptr<udev_enumerate, decltype(&udev_enumerate_unref)> en(udev_enumerate_new(ctx.get()),
                                                                      udev_enumerate_unref);
  ASSERT_NE(en, nullptr);
  ASSERT_GE(udev_enumerate_add_match_subsystem(en.get(), "pci"), 0);
  ASSERT_GE(udev_enumerate_scan_devices(en.get()), 0);
  std::vector<std::string> from_udev;
  udev_list_entry* entry = nullptr;
  udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(en.get())) {
    from_udev.emplace_back(udev_list_entry_get_name(entry));
  }
  std::sort(from_udev.begin(), from_udev.end());
  if (from_udev.empty() && list->empty()) {
    GTEST_SKIP() << "no PCI devices on this machine (udev and /sys/bus/pci/devices list none)";
  }
  std::vector<std::string> live;
  for (const auto& ref : *list) {
    EXPECT_FALSE(ref.address.empty());
    EXPECT_EQ(std::filesystem::path(ref.syspath).filename().string(), ref.address);
    EXPECT_EQ(ref.syspath.rfind("/sys/devices/", 0), 0U) << ref.syspath;
    live.push_back(ref.syspath);
  }
  std::sort(live.begin(), live.end());
  EXPECT_EQ(live, from_udev);
}

}  // namespace
}  // namespace fsv
