// SPDX-License-Identifier: Apache-2.0
#include "fsv/config.hpp"

#include <cctype>
#include <exception>
#include <optional>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "fsv/facts.hpp"
#include "fsv/mdev.hpp"

namespace fsv {

namespace {

// The node holding spec.configuration.permittedHostDevices in one document,
// if any. A List's items are searched for kind KubeVirt.
std::optional<YAML::Node> find_kubevirt(const YAML::Node& doc) {
  if (!doc.IsMap()) {
    return std::nullopt;
  }
  if (doc["kind"] && doc["kind"].IsScalar() && doc["kind"].Scalar() == "List" && doc["items"] &&
      doc["items"].IsSequence()) {
    for (const auto& item : doc["items"]) {
      if (auto found = find_kubevirt(item)) {
        return found;
      }
    }
    return std::nullopt;
  }
  if (doc["kind"] && doc["kind"].IsScalar() && doc["kind"].Scalar() != "KubeVirt") {
    return std::nullopt;
  }
  if (!doc["spec"]) {
    return std::nullopt;
  }
  return doc;
}

// What every permittedHostDevices entry has: its selector (the value of key),
// resourceName and externalResourceProvider, checked the same way.
struct EntryFields {
  std::string selector;
  std::string resource_name;
  bool external = false;
};

Result<EntryFields> entry_fields(const YAML::Node& entry, const std::string& where,
                                 const char* key) {
  if (!entry.IsMap()) {
    return Error{where + " is not a mapping"};
  }
  const auto sel = entry[key];
  if (!sel || !sel.IsScalar() || sel.Scalar().empty()) {
    return Error{where + " has no " + key};
  }
  const auto name = entry["resourceName"];
  if (!name || !name.IsScalar() || name.Scalar().empty()) {
    return Error{where + " has no resourceName"};
  }
  EntryFields f{sel.Scalar(), name.Scalar()};
  if (const auto ext = entry["externalResourceProvider"]; ext) {
    if (!ext.IsScalar() || !YAML::convert<bool>::decode(ext, f.external)) {
      return Error{where + ".externalResourceProvider is not a boolean"};
    }
  }
  return f;
}

Result<Selector> selector_from_node(const YAML::Node& entry, size_t index) {
  auto f = entry_fields(entry, "pciHostDevices[" + std::to_string(index) + "]",
                        "pciVendorSelector");
  if (!f) {
    return f.error();
  }
  Selector s;
  s.pci_id = io::to_lower(io::trim(f->selector));
  s.resource_name = std::move(f->resource_name);
  s.external = f->external;
  return s;
}

// The KubeVirt resource of a CR's text (several documents, a List).
Result<YAML::Node> find_cr(const std::string& text) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return Error{"not valid YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  for (const auto& doc : docs) {
    if (auto cr = find_kubevirt(doc)) {
      return *cr;
    }
  }
  return Error{"no KubeVirt resource with a spec found"};
}

// The node at `keys` below `node`, if every step is a mapping that has it.
std::optional<YAML::Node> descend(const YAML::Node& start, std::initializer_list<const char*> keys) {
  YAML::Node node = start;
  for (const char* key : keys) {
    if (!node.IsMap()) {
      return std::nullopt;
    }
    const YAML::Node next = std::as_const(node)[key];
    if (!next) {
      return std::nullopt;
    }
    node.reset(next);  // operator= would overwrite the tree's content
  }
  return node;
}

Result<MdevSelector> mdev_selector_from_node(const YAML::Node& entry, size_t index) {
  auto f = entry_fields(entry, "mediatedDevices[" + std::to_string(index) + "]",
                        "mdevNameSelector");
  if (!f) {
    return f.error();
  }
  MdevSelector s;
  // device_controller.go compares the selector with its spaces made underscores.
  s.name = mdev_type_key(f->selector);
  s.resource_name = std::move(f->resource_name);
  s.external = f->external;
  return s;
}

}  // namespace

Result<MdevConfig> parse_kubevirt_cr_mdev(const std::string& text) {
  auto cr = find_cr(text);
  if (!cr) {
    return cr.error();
  }
  try {
    constexpr const char* kPath = "spec.configuration.permittedHostDevices.mediatedDevices";
    const auto devices =
        descend(*cr, {"spec", "configuration", "permittedHostDevices", "mediatedDevices"});
    if (!devices) {
      return Error{std::string("no ") + kPath};
    }
    if (!devices->IsSequence()) {
      return Error{std::string(kPath) + " is not a list"};
    }
    MdevConfig out;
    size_t index = 0;
    for (const auto& entry : *devices) {
      auto s = mdev_selector_from_node(entry, index++);
      if (!s) {
        return s.error();
      }
      out.selectors.push_back(std::move(s).value());
    }
    if (out.selectors.empty()) {
      return Error{std::string(kPath) + " is empty"};
    }
    for (const char* key : {"mediatedDeviceTypes", "mediatedDevicesTypes"}) {
      const auto types = descend(*cr, {"spec", "configuration", "mediatedDevicesConfiguration", key});
      if (!types) {
        continue;
      }
      const std::string where =
          std::string("spec.configuration.mediatedDevicesConfiguration.") + key;
      if (!types->IsSequence()) {
        return Error{where + " is not a list"};
      }
      std::vector<std::string> list;
      for (const auto& t : *types) {
        if (!t.IsScalar()) {
          return Error{where + " holds a non-string entry"};
        }
        list.push_back(t.Scalar());
      }
      out.desired_types = std::move(list);
      out.desired_types_key = key;
      break;
    }
    return out;
  } catch (const YAML::Exception& e) {
    return Error{"unexpected layout: " + e.msg};
  }
}

Result<MdevConfig> load_kubevirt_cr_mdev(const std::filesystem::path& file) {
  const auto text = io::read_file(file);
  if (!text) {
    return Error{"cannot read " + file.string()};
  }
  auto parsed = parse_kubevirt_cr_mdev(*text);
  if (!parsed) {
    return Error{file.string() + ": " + parsed.error().message};
  }
  return parsed;
}

bool is_valid_pci_id(std::string_view s) {
  if (s.size() != 9 || s[4] != ':') {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != 4 && std::isxdigit(static_cast<unsigned char>(s[i])) == 0) {
      return false;
    }
  }
  return true;
}

Result<Selector> selector_from_arg(std::string_view arg) {
  const std::string id = io::to_lower(io::trim(arg));
  if (!is_valid_pci_id(id)) {
    return Error{"selector '" + std::string(arg) + "' is not VENDOR:DEVICE (e.g. 10de:1eb8)"};
  }
  return Selector{id, id, false};
}

Result<std::vector<Selector>> parse_kubevirt_cr(const std::string& text) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return Error{"not valid YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  std::optional<YAML::Node> cr;
  for (const auto& doc : docs) {
    if ((cr = find_kubevirt(doc))) {
      break;
    }
  }
  if (!cr) {
    return Error{"no KubeVirt resource with a spec found"};
  }
  try {
    YAML::Node node = *cr;
    std::string path;
    for (const char* key : {"spec", "configuration", "permittedHostDevices", "pciHostDevices"}) {
      path += path.empty() ? key : std::string(".") + key;
      if (!node.IsMap()) {
        return Error{"no " + path};
      }
      const YAML::Node next = std::as_const(node)[key];
      if (!next) {
        return Error{"no " + path};
      }
      node.reset(next);  // operator= would overwrite the tree's content
    }
    const YAML::Node& devices = node;
    if (!devices.IsSequence()) {
      return Error{"spec.configuration.permittedHostDevices.pciHostDevices is not a list"};
    }
    std::vector<Selector> out;
    size_t index = 0;
    for (const auto& entry : devices) {
      auto s = selector_from_node(entry, index++);
      if (!s) {
        return s.error();
      }
      out.push_back(std::move(s).value());
    }
    if (out.empty()) {
      return Error{"spec.configuration.permittedHostDevices.pciHostDevices is empty"};
    }
    return out;
  } catch (const YAML::Exception& e) {
    return Error{"unexpected layout: " + e.msg};
  }
}

Result<std::vector<Selector>> load_kubevirt_cr(const std::filesystem::path& file) {
  const auto text = io::read_file(file);
  if (!text) {
    return Error{"cannot read " + file.string()};
  }
  auto parsed = parse_kubevirt_cr(*text);
  if (!parsed) {
    return Error{file.string() + ": " + parsed.error().message};
  }
  return parsed;
}

}  // namespace fsv
