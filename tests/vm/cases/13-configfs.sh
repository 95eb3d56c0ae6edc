#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Run-time control through configfs: create, configure, enable, remove a VF,
# every errno of REFERENCE section 5, load-time items, and rmmod refused
# while user items exist.
# budget: 120
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

ktap_plan 68
fsv_load num_vfs=2
C=$FSV_CFS

check "mkdir creates an item" mkdir "$C"/a
assert_eq "defaults" "-1 -1 256 t4 0" "$(cat "$C"/a/slot "$C"/a/function "$C"/a/vgpu_type "$C"/a/profile "$C"/a/enable | xargs)"
assert_eq "address empty while disabled" "" "$(cat "$C"/a/address)"
assert_eq "no function yet" 2 "$(fsv_count)"
check "enable picks the first free seed address" wr "$C"/a/enable 1
assert_eq "address" 0001:00:02.0 "$(cat "$C"/a/address)"
assert_eq "driver" nvidia "$(drv_of 0001:00:02.0)"
assert_eq "type" 256 "$(cat "$SYSPCI"/0001:00:02.0/nvidia/current_vgpu_type)"
check "enable 1 again is a no-op" wr "$C"/a/enable 1
check_errno "slot while enabled is EBUSY" "Device or resource busy" wr "$C"/a/slot 5
check_errno "profile while enabled is EBUSY" "Device or resource busy" wr "$C"/a/profile a10
check_errno "vgpu_type while enabled is EBUSY" "Device or resource busy" wr "$C"/a/vgpu_type 512
wr "$SYSPCI"/0001:00:02.0/nvidia/current_vgpu_type 512
assert_eq "vgpu_type shows the live type" 512 "$(cat "$C"/a/vgpu_type)"
check "disable" wr "$C"/a/enable 0
assert_eq "function removed" 2 "$(fsv_count)"

check "mkdir b" mkdir "$C"/b
check "slot 5" wr "$C"/b/slot 5
check "function 2" wr "$C"/b/function 2
check "profile l40s" wr "$C"/b/profile l40s
check "vgpu_type 1145" wr "$C"/b/vgpu_type 1145
check "enable b" wr "$C"/b/enable 1
assert_eq "b's address" 0001:00:05.2 "$(cat "$C"/b/address)"
assert_eq "b is an L40S" 0x26b9 "$(cat "$SYSPCI"/0001:00:05.2/device)"

check_errno "slot 32 is EINVAL" "Invalid argument" wr "$C"/a/slot 32
check_errno "function 8 is EINVAL" "Invalid argument" wr "$C"/a/function 8
check_errno "slot abc is EINVAL" "Invalid argument" wr "$C"/a/slot abc
check_errno "enable 2 is EINVAL" "Invalid argument" wr "$C"/a/enable 2
check_errno "unknown profile is EINVAL" "Invalid argument" wr "$C"/a/profile bogus
check_errno "negative vgpu_type is EINVAL" "Invalid argument" wr "$C"/a/vgpu_type -5
wr "$C"/a/slot 0
check_errno "slot without function is EINVAL" "Invalid argument" wr "$C"/a/enable 1
wr "$C"/a/function 0
check_errno "address of a load-time VF is EEXIST" "File exists" wr "$C"/a/enable 1
assert_eq "failed enable left nothing" "0" "$(cat "$C"/a/enable)"

check_errno "load-time items cannot be removed" "Operation not permitted" rmdir "$C"/load-01.0
check "a load-time VF can be disabled" wr "$C"/load-01.0/enable 0
if [ ! -e "$SYSPCI"/0001:00:01.0 ]; then ok "its function is gone"; else not_ok "its function is gone"; fi
check "and re-enabled" wr "$C"/load-01.0/enable 1

if rmmod fake_sriov_vgpu 2>/dev/null; then
	not_ok "rmmod refused while items exist"
else
	ok "rmmod refused while items exist"
fi
check "rmdir removes item and function" rmdir "$C"/b
if [ ! -e "$SYSPCI"/0001:00:05.2 ]; then ok "b's function is gone"; else not_ok "b's function is gone"; fi
rmdir "$C"/a
check "rmmod once items are gone" rmmod fake_sriov_vgpu

fsv_load num_vfs=0 profile=l40s vgpu_type=1145
mkdir "$C"/y
assert_eq "new items start with the load-time profile and type" "l40s 1145" "$(cat "$C"/y/profile "$C"/y/vgpu_type | xargs)"
rmdir "$C"/y
fsv_unload

# domain: which of the num_domains= domains an item goes to (hex, as in the
# address; -1: the first, in order, with a free address for the request).
fsv_load num_domains=2 num_vfs=1
assert_eq "load-time items of both domains" "load-00.0 load-0002:00.0" "$(entries "$C")"
assert_eq "their domain files" "0001 0002" "$(cat "$C"/load-00.0/domain "$C"/load-0002:00.0/domain | xargs)"
mkdir "$C"/d
assert_eq "domain defaults to -1" -1 "$(cat "$C"/d/domain)"
for v in 2 0x2 0002; do
	wr "$C"/d/domain 1
	if wr "$C"/d/domain $v && [ "$(cat "$C"/d/domain)" = 0002 ]; then
		ok "domain $v reads 0002"
	else
		not_ok "domain $v reads 0002" "got $(cat "$C"/d/domain)"
	fi
done
check "enable in domain 0002" wr "$C"/d/enable 1
assert_eq "address shows the domain" 0002:00:01.0 "$(cat "$C"/d/address)"
assert_eq "the function is there, bound to nvidia" nvidia "$(drv_of 0002:00:01.0)"
check_errno "domain while enabled is EBUSY" "Device or resource busy" wr "$C"/d/domain 1
check "disable d" wr "$C"/d/enable 0
for v in 3 0 -2 xyz 10000; do
	check_errno "domain $v is EINVAL (load has 0001..0002)" "Invalid argument" wr "$C"/d/domain $v
done
assert_eq "a rejected domain leaves it" 0002 "$(cat "$C"/d/domain)"
wr "$C"/d/domain -1
wr "$C"/d/slot 0
wr "$C"/d/function 0
check_errno "an address taken in every domain is EEXIST" "File exists" wr "$C"/d/enable 1
check "disable load-0002:00.0" wr "$C/load-0002:00.0/enable" 0
check "domain -1: the first domain with that address free" wr "$C"/d/enable 1
assert_eq "it is 0002:00:00.0" 0002:00:00.0 "$(cat "$C"/d/address)"
wr "$C"/d/enable 0
check "load-0002:00.0 enabled again" wr "$C/load-0002:00.0/enable" 1
assert_eq "in its own domain" 0002:00:00.0 "$(cat "$C/load-0002:00.0/address")"
wr "$C"/d/slot -1
wr "$C"/d/function -1
check "domain -1, slot -1: enable" wr "$C"/d/enable 1
assert_eq "the first free seed address of the first domain" 0001:00:01.0 "$(cat "$C"/d/address)"
rmdir "$C"/d
fsv_unload
assert_eq "rmmod leaves no domain" "" "$(fsv_domains | xargs)"

if full_scale; then
	fsv_load num_vfs=256
	mkdir "$C"/full
	check_errno "a full bus is ENOSPC" "No space left on device" wr "$C"/full/enable 1
	rmdir "$C"/full
else
	skip "a full bus is ENOSPC" "$SCALE_SKIP"
fi
ktap_finish
