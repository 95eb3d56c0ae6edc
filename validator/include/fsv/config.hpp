// SPDX-License-Identifier: Apache-2.0
// Selectors: from the command line or from the user's KubeVirt CR.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fsv/result.hpp"

namespace fsv {

/// One pciHostDevices entry (or one --selector).
struct Selector {
  std::string pci_id;         ///< lower-cased "vvvv:dddd"
  std::string resource_name;  ///< KubeVirt's resourceName
  bool external = false;      ///< externalResourceProvider: KubeVirt leaves it alone
};

/// True for "vvvv:dddd" with 4 hex digits each.
bool is_valid_pci_id(std::string_view s);

/// A --selector argument; the resource name is the selector itself.
Result<Selector> selector_from_arg(std::string_view arg);

/// spec.configuration.permittedHostDevices.pciHostDevices[] of a KubeVirt CR
/// (YAML or JSON; a List or several documents are searched for kind KubeVirt).
Result<std::vector<Selector>> parse_kubevirt_cr(const std::string& text);
Result<std::vector<Selector>> load_kubevirt_cr(const std::filesystem::path& file);

}  // namespace fsv
