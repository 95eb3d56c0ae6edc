#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# nvidia/current_vgpu_type and creatable_vgpu_types in both modes:
# lenient (the seed's) and strict (NVIDIA's errnos, REFERENCE section 3).
# budget: 90
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

ktap_plan 26
N=$SYSPCI/0001:00:00.0/nvidia

fsv_load num_vfs=1 vgpu_type=0
assert_eq "starts at 0" 0 "$(cat "$N"/current_vgpu_type)"
assert_eq "creatable header" "ID    : vGPU Name" "$(head -n 1 "$N"/creatable_vgpu_types)"
assert_eq "creatable lists the t4 catalogue" 11 "$(tail -n +2 "$N"/creatable_vgpu_types | wc -l | tr -d ' ')"
assert_eq "creatable line format" "256   : GRID T4-1B" "$(sed -n 2p "$N"/creatable_vgpu_types)"
if tail -n +2 "$N"/creatable_vgpu_types | grep -qvE '^[0-9]+ +: .+$'; then
	not_ok "every line is ID : name"
else
	ok "every line is ID : name"
fi
check "lenient: write 512" wr "$N"/current_vgpu_type 512
assert_eq "reads 512" 512 "$(cat "$N"/current_vgpu_type)"
assert_eq "creatable is empty once a type is set" "ID    : vGPU Name" "$(cat "$N"/creatable_vgpu_types)"
check "lenient: overwrite with 256" wr "$N"/current_vgpu_type 256
check "lenient: any type (12345)" wr "$N"/current_vgpu_type 12345
check "lenient: 0 clears" wr "$N"/current_vgpu_type 0
check "lenient: 0 again is fine" wr "$N"/current_vgpu_type 0
check_errno "0x10 is EINVAL (decimal only)" "Invalid argument" wr "$N"/current_vgpu_type 0x10
check_errno "-1 is EINVAL" "Invalid argument" wr "$N"/current_vgpu_type -1
check_errno "abc is EINVAL" "Invalid argument" wr "$N"/current_vgpu_type abc
check_errno "lone newline is EINVAL" "Invalid argument" wr "$N"/current_vgpu_type ""
check_errno "256abc is EINVAL" "Invalid argument" wr "$N"/current_vgpu_type 256abc
if logged "current_vgpu_type: '0x10' is not a vGPU type"; then ok "bad input is explained in the log"; else not_ok "bad input is explained in the log"; fi
assert_eq "still 0 after bad writes" 0 "$(cat "$N"/current_vgpu_type)"
fsv_unload

fsv_load num_vfs=1 vgpu_type=0 strict=1
check_errno "strict: 0 when none set is EPERM" "Operation not permitted" wr "$N"/current_vgpu_type 0
check_errno "strict: uncatalogued type is EIO" "Input/output error" wr "$N"/current_vgpu_type 999
check "strict: catalogue type" wr "$N"/current_vgpu_type 259
check_errno "strict: replacing a set type is EPERM" "Operation not permitted" wr "$N"/current_vgpu_type 256
assert_eq "strict: keeps 259" 259 "$(cat "$N"/current_vgpu_type)"
check "strict: 0 clears a set type" wr "$N"/current_vgpu_type 0
check_errno "strict: abc is EINVAL" "Invalid argument" wr "$N"/current_vgpu_type abc
ktap_finish
