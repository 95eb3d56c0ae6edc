// SPDX-License-Identifier: Apache-2.0
#include "fsv/config.hpp"

#include <gtest/gtest.h>

namespace fsv {
namespace {

constexpr const char* kCr = R"(apiVersion: kubevirt.io/v1
kind: KubeVirt
metadata:
  name: kubevirt
  namespace: kubevirt
spec:
  configuration:
    permittedHostDevices:
      pciHostDevices:
      - pciVendorSelector: "10DE:1EB8"
        resourceName: nvidia.com/TU104GL_Tesla_T4
      - pciVendorSelector: 10de:2236
        resourceName: nvidia.com/GA102GL_A10
        externalResourceProvider: true
)";

TEST(KubevirtCr, ParsesSelectorsAndResourceNames) {
  auto r = parse_kubevirt_cr(kCr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2U);
  EXPECT_EQ((*r)[0].pci_id, "10de:1eb8");
  EXPECT_EQ((*r)[0].resource_name, "nvidia.com/TU104GL_Tesla_T4");
  EXPECT_FALSE((*r)[0].external);
  EXPECT_EQ((*r)[1].pci_id, "10de:2236");
  EXPECT_TRUE((*r)[1].external);
}

TEST(KubevirtCr, FindsKubevirtInMultiDocumentAndList) {
  const std::string multi =
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: kubevirt}\n---\n" + std::string(kCr);
  auto r = parse_kubevirt_cr(multi);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 2U);
  const std::string list =
      "apiVersion: v1\nkind: List\nitems:\n- kind: KubeVirt\n  spec:\n    configuration:\n"
      "      permittedHostDevices:\n        pciHostDevices:\n"
      "        - {pciVendorSelector: 10de:1eb8, resourceName: nvidia.com/T4}\n";
  r = parse_kubevirt_cr(list);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0].resource_name, "nvidia.com/T4");
}

TEST(KubevirtCr, AcceptsJson) {
  auto r = parse_kubevirt_cr(
      R"({"kind":"KubeVirt","spec":{"configuration":{"permittedHostDevices":{"pciHostDevices":)"
      R"([{"pciVendorSelector":"10de:1eb8","resourceName":"nvidia.com/T4"}]}}}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0].pci_id, "10de:1eb8");
}

TEST(KubevirtCr, RejectsMalformedYaml) {
  auto r = parse_kubevirt_cr("spec: [unclosed\n  : :\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not valid YAML"), std::string::npos) << r.error().message;
}

TEST(KubevirtCr, RejectsMissingOrWrongLayout) {
  auto r = parse_kubevirt_cr("kind: KubeVirt\nspec:\n  configuration: {}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "no spec.configuration.permittedHostDevices");
  EXPECT_FALSE(parse_kubevirt_cr("kind: Pod\nspec: {}\n").ok());
  EXPECT_FALSE(parse_kubevirt_cr("").ok());
  r = parse_kubevirt_cr(
      "kind: KubeVirt\nspec:\n  configuration:\n    permittedHostDevices:\n"
      "      pciHostDevices:\n      - resourceName: x\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "pciHostDevices[0] has no pciVendorSelector");
  r = parse_kubevirt_cr(
      "kind: KubeVirt\nspec:\n  configuration:\n    permittedHostDevices:\n"
      "      pciHostDevices:\n      - {pciVendorSelector: 10de:1eb8, resourceName: x, "
      "externalResourceProvider: maybe}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not a boolean"), std::string::npos);
}

TEST(KubevirtCr, LoadReportsUnreadableFile) {
  auto r = load_kubevirt_cr("/nonexistent/cr.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/cr.yaml"), std::string::npos);
}

TEST(SelectorArg, ValidatesAndLowerCases) {
  auto s = selector_from_arg("10DE:1EB8");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->pci_id, "10de:1eb8");
  EXPECT_EQ(s->resource_name, "10de:1eb8");
  EXPECT_FALSE(selector_from_arg("10de1eb8").ok());
  EXPECT_FALSE(selector_from_arg("10de:1eb").ok());
  EXPECT_FALSE(selector_from_arg("10dg:1eb8").ok());
}

}  // namespace
}  // namespace fsv
