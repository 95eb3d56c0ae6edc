# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# tests/lib/validator.sh: which fakesriov-validate the host-side tests use
# (tests/sections/docs, tests/vm/run, which copies it into the guests).
#
#   fsv_find_validator TOP   print the validator's path: $FSV_VALIDATOR when
#                            set (as given, even if it does not exist), else
#                            the newest executable fakesriov-validate under
#                            TOP/build/release (the CMake "release" preset),
#                            else under TOP/build (any preset or build
#                            directory, searched recursively), never a
#                            sanitizer build (a path with "asan") nor CPack's
#                            staging copy. Prints nothing and returns 1 when
#                            there is none.

fsv_find_validator() {
	local top=$1 d found
	if [ -n "${FSV_VALIDATOR:-}" ]; then
		printf '%s\n' "$FSV_VALIDATOR"
		return 0
	fi
	for d in "$top/build/release" "$top/build"; do
		[ -d "$d" ] || continue
		found=$(find "$d" -type f -name fakesriov-validate -perm -u+x \
			-not -path '*asan*' -not -path '*_CPack_Packages*' -printf '%T@ %p\n' 2>/dev/null |
			sort -rn | head -n1 | cut -d' ' -f2- || true)
		if [ -n "$found" ]; then
			printf '%s\n' "$found"
			return 0
		fi
	done
	return 1
}
