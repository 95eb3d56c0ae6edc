// SPDX-License-Identifier: Apache-2.0
// --snapshot: copy what the rules read about the matched devices into a
// directory tree that --sysfs-root/--dev-root can validate elsewhere.
#pragma once

#include <filesystem>

#include "fsv/facts.hpp"
#include "fsv/result.hpp"
#include "fsv/validate.hpp"

namespace fsv {

/// Writes <dir>/sys and <dir>/dev for the devices of `report`. `dir` must not
/// exist or be empty.
Status write_snapshot(const Report& report, const FactReader& reader,
                      const std::filesystem::path& dir);

}  // namespace fsv
