#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# scripts/setup-fake-sriov.sh (installed as /usr/sbin/setup-fake-sriov.sh):
# the seed's own steps (setup, Verify PCI Devices, Manual VF Management, the
# test table) and the commands added since (list, status contents, setup on a
# loaded module, cleanup of VFs made every way, a load of several domains).
# budget: 150
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh

S=/usr/sbin/setup-fake-sriov.sh
DEVS=/sys/bus/pci/devices
CFS=/sys/kernel/config/fake-sriov-vgpu

[ -x "$S" ] || skip_all "$S is not installed"
trap 'rm -f /etc/modprobe.d/fsv-15.conf; "$S" cleanup >/dev/null 2>&1 || true' EXIT
"$S" cleanup >/dev/null 2>&1 || true

ktap_plan 64

# run CMD...: runs the script; OUT is its output (stdout and stderr), RC its status.
run() {
	RC=0
	OUT=$("$S" "$@" 2>&1) || RC=$?
}

# expect NAME RC PATTERN CMD...: the script exits RC and its output has PATTERN.
expect() {
	_n=$1 _rc=$2 _pat=$3
	shift 3
	run "$@"
	if [ "$RC" = "$_rc" ] && echo "$OUT" | grep -q -- "$_pat"; then
		ok "$_n"
	else
		echo "$OUT" | sed 's/^/# /'
		not_ok "$_n" "expected exit $_rc and '$_pat', got exit $RC"
	fi
}

attr() { cat "$DEVS/$1/$2" 2>/dev/null || echo missing; }
domain_devs() {
	for _d in "$DEVS"/0001:*; do
		[ -e "$_d" ] && printf '%s ' "${_d##*/}"
	done
	return 0
}

# ---- setup and the seed's "Verify PCI Devices" ----------------------------------
expect "setup (defaults)" 0 "4 VFs ready" setup
assert_eq "setup: 4 devices 0001:00:00.0-03.0" \
	"0001:00:00.0 0001:00:01.0 0001:00:02.0 0001:00:03.0 " "$(domain_devs)"
bad=
for a in 0001:00:00.0 0001:00:01.0 0001:00:02.0 0001:00:03.0; do
	got="$(attr $a vendor) $(attr $a device) $(attr $a class) $(attr $a subsystem_vendor) $(attr $a subsystem_device) $(attr $a nvidia/current_vgpu_type)"
	[ "$got" = "0x10de 0x1eb8 0x030000 0x10de 0x12a2 256" ] || bad="$bad $a=[$got]"
done
if [ -z "$bad" ]; then ok "setup: vendor/device/class/subsystem/current_vgpu_type"; else not_ok "setup: vendor/device/class/subsystem/current_vgpu_type" "$bad"; fi
drv=$(readlink $DEVS/0001:00:00.0/driver 2>/dev/null)
assert_eq "setup: VF bound to nvidia" nvidia "${drv##*/}"
assert_eq "setup: module loaded with num_vfs=4" 4 "$(cat /sys/module/fake_sriov_vgpu/parameters/num_vfs 2>/dev/null)"

# ---- list -----------------------------------------------------------------------
run list
assert_eq "list: exit 0" 0 "$RC"
assert_eq "list: one line per VF" 4 "$(echo "$OUT" | grep -c .)"
assert_eq "list: address type driver origin" "0001:00:00.0 256 nvidia load" "$(echo "$OUT" | head -n1)"

# ---- status ---------------------------------------------------------------------
run status
assert_eq "status: exit 0" 0 "$RC"
echo "$OUT" | sed 's/^/# status: /'
ver=$(cat /sys/module/fake_sriov_vgpu/version 2>/dev/null)
bad=
for pat in "loaded" "version $ver" "num_vfs *4" "vgpu_type *256" "profile *t4" \
	"VFs: *4" "0001:00:03.0 *nvidia *256" "First VF: *0001:00:00.0" \
	"Vendor: *0x10de" "Device: *0x1eb8" "vGPU type: *256"; do
	echo "$OUT" | grep -q "$pat" || bad="$bad '$pat'"
done
if [ -z "$bad" ]; then ok "status: module, version, parameters, VFs, first VF"; else
	echo "$OUT" | sed 's/^/# /'
	not_ok "status: module, version, parameters, VFs, first VF" "missing$bad"
fi
grp=$(readlink $DEVS/0001:00:01.0/iommu_group 2>/dev/null)
if [ -n "$grp" ] && echo "$OUT" | grep -q "0001:00:01.0 .* ${grp##*/} *load"; then
	ok "status: iommu group of each VF"
else
	not_ok "status: iommu group of each VF" "group '${grp##*/}' not shown"
fi

# ---- the seed's "Manual VF Management" --------------------------------------------
expect "create-vf 4 0 512" 0 "created VF 0001:00:04.0" create-vf 4 0 512
assert_eq "create-vf: 0001:00:04.0 has type 512" 512 "$(attr 0001:00:04.0 nvidia/current_vgpu_type)"
assert_eq "create-vf: device 0x1eb8" 0x1eb8 "$(attr 0001:00:04.0 device)"
assert_eq "create-vf: configfs item vf-04.0" 1 "$(cat $CFS/vf-04.0/enable 2>/dev/null)"
run list
assert_eq "list: configfs origin" "0001:00:04.0 512 nvidia configfs" "$(echo "$OUT" | grep 0001:00:04.0)"
expect "remove-vf 4 0" 0 "removed VF 0001:00:04.0" remove-vf 4 0
if [ ! -e $DEVS/0001:00:04.0 ] && [ ! -e $CFS/vf-04.0 ]; then ok "remove-vf: device and item gone"; else not_ok "remove-vf: device and item gone"; fi

expect "create-vf SLOT 32: usage error" 2 "SLOT 32 is out of range" create-vf 32 0
expect "create-vf FUNC 8: usage error" 2 "FUNC 8 is out of range" create-vf 1 8
expect "create-vf SLOT x: usage error" 2 "not a decimal number" create-vf x 0
expect "create-vf SLOT -1: usage error" 2 "not a decimal number" create-vf -1 0
expect "create-vf TYPE abc: usage error" 2 "TYPE 'abc' is not a decimal" create-vf 6 0 abc
expect "create-vf TYPE 0x10: usage error" 2 "not a decimal number" create-vf 6 0 0x10
expect "create-vf with one argument: usage error" 2 "usage:" create-vf 6
expect "unknown command: usage error" 2 "unknown command" frobnicate
expect "no command: usage error" 2 "command is needed"
expect "--help: exit codes documented" 0 "Exit status: 0 success, 1" --help
assert_eq "bad input created nothing" \
	"0001:00:00.0 0001:00:01.0 0001:00:02.0 0001:00:03.0 " "$(domain_devs)"
expect "create-vf at a taken address: exit 1" 1 "0001:00:02.0 is already taken" create-vf 2 0
assert_eq "taken address: load VF untouched" 256 "$(attr 0001:00:02.0 nvidia/current_vgpu_type)"
expect "remove-vf of nothing: exit 1" 1 "no VF at 0001:00:09.0" remove-vf 9 0
expect "remove-vf FUNC 8: usage error" 2 "FUNC 8 is out of range" remove-vf 1 8

# ---- the seed's test table: a VF with type 0 ------------------------------------
expect "create-vf 5 0 0" 0 "created VF 0001:00:05.0" create-vf 5 0 0
assert_eq "type 0 VF exists with current_vgpu_type 0" 0 "$(attr 0001:00:05.0 nvidia/current_vgpu_type)"
if grep -q '^ID    : vGPU Name' $DEVS/0001:00:05.0/nvidia/creatable_vgpu_types 2>/dev/null &&
	grep -q '^256   : GRID T4-1B' $DEVS/0001:00:05.0/nvidia/creatable_vgpu_types; then
	ok "type 0 VF lists creatable types"
else
	not_ok "type 0 VF lists creatable types"
fi

# ---- a load-time VF removed and made again -------------------------------------------
expect "remove-vf 1 0 (load-time VF)" 0 "removed VF 0001:00:01.0" remove-vf 1 0
if [ ! -e $DEVS/0001:00:01.0 ] && [ "$(cat $CFS/load-01.0/enable 2>/dev/null)" = 0 ]; then
	ok "load-time VF disabled"
else
	not_ok "load-time VF disabled"
fi
expect "create-vf 1 0 512 re-enables it" 0 "created VF 0001:00:01.0" create-vf 1 0 512
assert_eq "re-enabled VF has type 512" 512 "$(attr 0001:00:01.0 nvidia/current_vgpu_type)"

# ---- setup when already loaded ------------------------------------------------------------
"$S" remove-vf 3 0 >/dev/null 2>&1
export FAKE_SRIOV_VFS=6
expect "setup when loaded: creates the missing ones" 0 "created 0001:00:03.0" setup
unset FAKE_SRIOV_VFS
bad=
for a in 0001:00:00.0 0001:00:01.0 0001:00:02.0 0001:00:03.0 0001:00:04.0 0001:00:05.0; do
	[ -e $DEVS/$a ] || bad="$bad $a"
done
if [ -z "$bad" ]; then ok "setup when loaded: 6 VFs present"; else not_ok "setup when loaded: 6 VFs present" "missing$bad"; fi
assert_eq "setup when loaded: existing VF keeps its type" 0 "$(attr 0001:00:05.0 nvidia/current_vgpu_type)"

# ---- cleanup ------------------------------------------------------------------------
expect "cleanup" 0 "unloaded" cleanup
if [ ! -d /sys/module/fake_sriov_vgpu ] && [ -z "$(domain_devs)" ] && [ ! -e $CFS ]; then
	ok "cleanup: no module, no 0001: devices, no configfs dir"
else
	not_ok "cleanup: no module, no 0001: devices, no configfs dir" "module=$([ -d /sys/module/fake_sriov_vgpu ] && echo yes) devs=$(domain_devs)"
fi
expect "cleanup when not loaded: exit 0" 0 "not loaded" cleanup
expect "create-vf without the module: exit 1" 1 "not loaded" create-vf 4 0

# ---- environment ---------------------------------------------------------------------
export FAKE_SRIOV_VFS=2 FAKE_SRIOV_VGPU_TYPE=512
expect "FAKE_SRIOV_VFS=2 FAKE_SRIOV_VGPU_TYPE=512 setup" 0 "2 VFs ready" setup
unset FAKE_SRIOV_VGPU_TYPE
assert_eq "2 VFs of type 512" "0001:00:00.0 512 nvidia load|0001:00:01.0 512 nvidia load" \
	"$("$S" list | tr '\n' '|' | sed 's/|$//')"
FAKE_SRIOV_VFS=abc
expect "FAKE_SRIOV_VFS=abc: usage error" 2 "FAKE_SRIOV_VFS 'abc'" setup
"$S" cleanup >/dev/null 2>&1
FAKE_SRIOV_VFS=33
expect "FAKE_SRIOV_VFS=33: VF 32 at slot 0 function 1" 0 "33 VFs ready" setup
unset FAKE_SRIOV_VFS
assert_eq "VF 32 at 0001:00:00.1" 256 "$(attr 0001:00:00.1 nvidia/current_vgpu_type)"
"$S" create-vf 7 3 >/dev/null 2>&1
mkdir $CFS/raw && echo 1 >$CFS/raw/enable
assert_eq "list: a raw configfs item at the first free address" \
	"0001:00:01.1 256 nvidia configfs" "$("$S" list | grep 0001:00:01.1)"
expect "cleanup after load and configfs VFs" 0 "unloaded" cleanup
assert_eq "cleanup: nothing left" "" "$(domain_devs)"

# modprobe takes the module's EEXIST (bus taken) for "already loaded".
echo "options fake_sriov_vgpu domain=0 bus=0" >/etc/modprobe.d/fsv-15.conf
expect "setup when the PCI domain exists: exit 1, kernel's reason" 1 "already exists" setup
rm -f /etc/modprobe.d/fsv-15.conf

# ---- a kernel error undoes the half-made item; insmod of a given .ko ---------------------
if modprobe fake_sriov_vgpu num_vfs=1 strict=1; then
	expect "create-vf of a type the kernel rejects: exit 1" 1 "rejected a value" create-vf 4 0 999
	if [ ! -e $CFS/vf-04.0 ] && [ ! -e $DEVS/0001:00:04.0 ]; then ok "rejected create-vf left no item"; else not_ok "rejected create-vf left no item"; fi
else
	not_ok "create-vf of a type the kernel rejects: exit 1" "modprobe strict=1 failed"
	skip "rejected create-vf left no item" "no module"
fi
"$S" cleanup >/dev/null 2>&1
export FAKE_SRIOV_MODULE="/lib/modules/$KREL/extra/fake-sriov-vgpu.ko" FAKE_SRIOV_VFS=1
expect "FAKE_SRIOV_MODULE: setup with insmod" 0 "loading $FAKE_SRIOV_MODULE" setup
unset FAKE_SRIOV_MODULE FAKE_SRIOV_VFS
assert_eq "insmod: 1 VF" "0001:00:00.0 " "$(domain_devs)"
export FAKE_SRIOV_MODULE=/nonexistent.ko
"$S" cleanup >/dev/null 2>&1
expect "FAKE_SRIOV_MODULE missing: exit 1" 1 "no such file" setup
unset FAKE_SRIOV_MODULE

# ---- a load of several PCI domains: list and status show every one --------------
"$S" cleanup >/dev/null 2>&1
if modprobe fake_sriov_vgpu num_domains=2 num_vfs=1; then
	assert_eq "list: the VFs of both domains (num_domains=2)" \
		"0001:00:00.0 0002:00:00.0" "$("$S" list | cut -d' ' -f1 | xargs)"
	run status
	assert_eq "status: both domains counted and named" 1 "$(echo "$OUT" | grep -c '^VFs: *2 (domains 0001-0002)$')"
	# Not root and no configfs mounted: the domains' devices themselves.
	grep -q '^nobody:' /etc/passwd || echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
	out=$(unshare -m sh -c "umount /sys/kernel/config && su -s /bin/sh -c '$S list' nobody" 2>&1)
	assert_eq "list without configfs, not root: both domains' devices" \
		"0001:00:00.0 0002:00:00.0" "$(echo "$out" | cut -d' ' -f1 | xargs)"
	"$S" cleanup >/dev/null 2>&1
else
	not_ok "list: the VFs of both domains (num_domains=2)" "modprobe num_domains=2 num_vfs=1 failed"
	not_ok "status: both domains counted and named" "no module"
	not_ok "list without configfs, not root: both domains' devices" "no module"
fi

ktap_finish
