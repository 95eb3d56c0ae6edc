// SPDX-License-Identifier: Apache-2.0
// Reporters: a Report as a table, JSON or JUnit XML.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "fsv/result.hpp"
#include "fsv/validate.hpp"

namespace fsv {

enum class Format { table, json, junit };
Result<Format> parse_format(std::string_view name);

/// Version of the JSON document layout (docs/validator.md). Bump on any
/// incompatible change; adding fields is compatible.
inline constexpr int kJsonSchemaVersion = 1;

struct RenderOptions {
  bool color = false;   ///< ANSI colours (table only)
  bool quiet = false;   ///< only failures (table only)
  std::string version;  ///< tool version, for JSON and JUnit
};

std::string render_table(const Report& report, const RenderOptions& options);
std::string render_json(const Report& report, const RenderOptions& options);
std::string render_junit(const Report& report, const RenderOptions& options);
/// The --wait progress line, e.g. "waiting: 2 of 4 devices, 12 s of 60 s".
std::string wait_progress(const Report& report, std::chrono::milliseconds waited,
                          std::chrono::milliseconds wait);

std::string render(Format format, const Report& report, const RenderOptions& options);

}  // namespace fsv
