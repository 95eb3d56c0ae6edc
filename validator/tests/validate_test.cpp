// SPDX-License-Identifier: Apache-2.0
#include "fsv/validate.hpp"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tree.hpp"

namespace fsv {
namespace {

using namespace std::chrono_literals;

ValidateOptions t4(Expectation e = {}) {
  ValidateOptions o;
  o.selectors = {selector_from_arg("10de:1eb8").value()};
  o.expectation = e;
  return o;
}

TEST(ValidateOnce, CountsVerdictsOfMatchedDevicesOnly) {
  test::Tree tree;
  tree.add(test::vf(0));
  tree.add(test::vf(1));
  auto skipped = test::vf(2);
  skipped.vgpu_type = "0";
  tree.add(skipped);
  auto failed = test::vf(3);
  failed.group.reset();
  tree.add(failed);
  auto other = test::vf(4);
  other.pci_id = "8086:1237";
  tree.add(other);
  auto src = make_directory_source(tree.sys(), tree.dev());
  const FactReader reader(tree.sys(), tree.dev());
  auto r = validate_once(*src, reader, t4());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->summary.matched, 4U);
  EXPECT_EQ(r->summary.discovered, 2U);
  EXPECT_EQ(r->summary.skipped, 1U);
  EXPECT_EQ(r->summary.failed, 1U);
  EXPECT_FALSE(r->expectation_met);  // default: none may fail
  ASSERT_EQ(r->devices.size(), 4U);
  EXPECT_EQ(r->devices[3].facts.address, "0001:00:03.0");
  EXPECT_EQ(r->devices[3].evaluation.reasons, std::vector<std::string>{"no iommu_group"});
}

TEST(ValidateOnce, ExternalSelectorsAreNotChecked) {
  test::Tree tree;
  tree.add(test::vf(0));
  auto src = make_directory_source(tree.sys(), tree.dev());
  const FactReader reader(tree.sys(), tree.dev());
  auto o = t4();
  o.selectors[0].external = true;
  auto r = validate_once(*src, reader, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->summary.matched, 0U);
  EXPECT_EQ(r->selectors.size(), 1U);
}

TEST(Expectation, ExactMinAndDefault) {
  Summary s;
  s.discovered = 4;
  s.allocatable = 4;
  std::string msg;
  EXPECT_TRUE(expectation_holds({Expectation::Kind::exact, 4}, s, &msg));
  EXPECT_FALSE(expectation_holds({Expectation::Kind::exact, 3}, s, &msg));
  EXPECT_EQ(msg,
            "expected exactly 3 discovered and allocatable, found 4 discovered and allocatable");
  EXPECT_TRUE(expectation_holds({Expectation::Kind::min, 3}, s, nullptr));
  EXPECT_FALSE(expectation_holds({Expectation::Kind::min, 5}, s, nullptr));
  EXPECT_TRUE(expectation_holds({}, s, nullptr));
  s.failed = 1;
  EXPECT_FALSE(expectation_holds({}, s, nullptr));
  EXPECT_TRUE(expectation_holds({Expectation::Kind::exact, 4}, s, nullptr));
  EXPECT_FALSE(expectation_holds({}, Summary{}, nullptr));
  EXPECT_TRUE(expectation_holds({Expectation::Kind::exact, 0}, Summary{}, nullptr));
}

TEST(Expectation, CountsOnlyAllocatableDevices) {
  Summary s;
  s.discovered = 4;
  s.allocatable = 1;
  s.not_allocatable = 3;
  std::string msg;
  EXPECT_FALSE(expectation_holds({Expectation::Kind::exact, 4}, s, &msg));
  EXPECT_EQ(msg,
            "expected exactly 4 discovered and allocatable, found 1 discovered and allocatable "
            "(3 more discovered but not allocatable)");
  EXPECT_TRUE(expectation_holds({Expectation::Kind::exact, 1}, s, nullptr));
  EXPECT_TRUE(expectation_holds({Expectation::Kind::min, 1}, s, nullptr));
  EXPECT_FALSE(expectation_holds({Expectation::Kind::min, 2}, s, nullptr));
  EXPECT_FALSE(expectation_holds({}, s, nullptr));  // default: none may be unallocatable
  s.not_allocatable = 0;
  EXPECT_TRUE(expectation_holds({}, s, nullptr));
}

// The 6.1 shape: vfio-dev/vfioN without a device number or /dev node.
TEST(ValidateOnce, RuleSetDecidesAllocatableCount) {
  test::Tree tree;
  for (int i = 0; i < 4; ++i) {
    auto spec = test::vf(i);
    spec.vfio_dev = {"vfio" + std::to_string(i)};
    spec.vfio_dev_cdev = false;
    spec.vfio_dev_nodes = false;
    tree.add(spec);
  }
  auto src = make_directory_source(tree.sys(), tree.dev());
  const FactReader reader(tree.sys(), tree.dev());
  auto o = t4({Expectation::Kind::exact, 4});
  o.rules = RuleSet::kubevirt_1_9_0;
  auto r = validate_once(*src, reader, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->summary.discovered, 4U);
  EXPECT_EQ(r->summary.allocatable, 0U);
  EXPECT_EQ(r->summary.not_allocatable, 4U);
  EXPECT_FALSE(r->expectation_met);
  o.rules = RuleSet::kubevirt_main;
  r = validate_once(*src, reader, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->summary.allocatable, 4U);
  EXPECT_TRUE(r->expectation_met);
  o.rules = RuleSet::pr16710;
  r = validate_once(*src, reader, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->summary.allocatable, 4U);
  EXPECT_TRUE(r->expectation_met);
}

TEST(ValidateWaiting, SeesDevicesThatAppearLate) {
  test::Tree tree;
  tree.add(test::vf(0));
  auto src = make_directory_source(tree.sys(), tree.dev());
  const FactReader reader(tree.sys(), tree.dev());
  std::thread late([&tree] {
    std::this_thread::sleep_for(300ms);
    tree.add(test::vf(1));
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = validate_waiting(*src, reader, t4({Expectation::Kind::exact, 2}), 10s, 5s);
  const auto took = std::chrono::steady_clock::now() - start;
  late.join();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->expectation_met);
  EXPECT_GE(r->scans, 2U);
  // Woken by inotify, not by the 5 s re-check.
  EXPECT_LT(took, 4s);
}

TEST(ValidateWaiting, RecheckCatchesAttributeWrites) {
  test::Tree tree;
  auto spec = test::vf(0);
  spec.vgpu_type = "0";
  const auto dir = tree.add(spec);
  auto src = make_directory_source(tree.sys(), tree.dev());
  const FactReader reader(tree.sys(), tree.dev());
  std::thread late([&tree, dir] {
    std::this_thread::sleep_for(200ms);
    test::write_file(dir / "nvidia" / "current_vgpu_type", "256\n");
  });
  auto r = validate_waiting(*src, reader, t4({Expectation::Kind::exact, 1}), 10s, 100ms);
  late.join();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->expectation_met);
}

TEST(ValidateWaiting, GivesUpAfterTheDeadline) {
  test::Tree tree;
  tree.add(test::vf(0));
  auto src = make_directory_source(tree.sys(), tree.dev());
  const FactReader reader(tree.sys(), tree.dev());
  const auto start = std::chrono::steady_clock::now();
  auto r = validate_waiting(*src, reader, t4({Expectation::Kind::exact, 2}), 400ms, 100ms);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->expectation_met);
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 3s);
  EXPECT_GE(r->scans, 3U);
}

}  // namespace
}  // namespace fsv
