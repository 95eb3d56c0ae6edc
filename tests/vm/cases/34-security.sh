#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Stress: security. The control files are root-only with the documented
# modes (configfs items and attributes, nvidia/, parameters, the driver's
# bind files); no kernel pointer or stray binary reaches user space through
# any file the module shows; an unprivileged user (uid 65534 through
# util-linux setpriv) cannot create, remove or change a VF, by configfs,
# sysfs, config space, the setup script or modprobe, and nothing changes.
# budget: 15
# kmemleak: after
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

W=/usr/libexec/fsv/fsv-write
S=/usr/sbin/setup-fake-sriov.sh
C=$FSV_CFS
V=0001:00:00.0 D=$SYSPCI/0001:00:00.0
KO=/lib/modules/$KREL/extra/fake-sriov-vgpu.ko

ktap_plan 15
# shellcheck disable=SC2317 # called by the trap
cleanup() { fsv_unload >/dev/null 2>&1; }
trap cleanup EXIT
# nobody CMD...: CMD as uid/gid 65534, no groups, no capabilities.
# util-linux setpriv by its path: busybox sh may prefer its own applet.
SETPRIV=/usr/bin/setpriv
nobody() { $SETPRIV --reuid=65534 --regid=65534 --clear-groups -- "$@"; }

fsv_load num_vfs=2
mkdir $C/sec && wr $C/sec/slot 6 && wr $C/sec/function 0 && wr $C/sec/enable 1

# modes NAME EXPECTED FILE...: "mode uid" of each file, in order.
modes() {
	_n=$1 _e=$2
	shift 2
	assert_eq "$_n" "$_e" "$(stat -c '%a %u%g' "$@" 2>&1 | xargs)"
}
# "mode uid gid" with uid and gid run together: "644 00" is 0644 root:root.
modes "configfs: subsystem and items 755, attributes 644, address 444, root's" \
	"755 00 755 00 644 00 644 00 644 00 644 00 644 00 644 00 444 00 755 00 644 00" \
	$C $C/sec $C/sec/slot $C/sec/function $C/sec/domain $C/sec/vgpu_type $C/sec/profile $C/sec/enable $C/sec/address \
	$C/load-00.0 $C/load-00.0/enable
modes "nvidia/: 755, current_vgpu_type 644, creatable_vgpu_types 444, root's" \
	"755 00 644 00 444 00" $D/nvidia $D/nvidia/current_vgpu_type $D/nvidia/creatable_vgpu_types
# shellcheck disable=SC2046 # one word per parameter file
modes "parameters: every file 444, root's" \
	"$(for _f in /sys/module/fake_sriov_vgpu/parameters/*; do printf '444 00 '; done | xargs)" \
	$(ls -d /sys/module/fake_sriov_vgpu/parameters/*)
# remove is 0220 in the PCI core itself (group root).
modes "driver bind/unbind/new_id/remove_id 200, the VF's remove 220, rescan 200, config 644" \
	"200 00 200 00 200 00 200 00 220 00 200 00 644 00" \
	/sys/bus/pci/drivers/nvidia/bind /sys/bus/pci/drivers/nvidia/unbind /sys/bus/pci/drivers/nvidia/new_id \
	/sys/bus/pci/drivers/nvidia/remove_id $D/remove $D/rescan $D/config

# Every readable text file of the functions, items, nvidia/ and parameters:
# no kernel address (ffff8... on x86_64) and no bytes outside printable text.
# One grep over all of them (a fork per file costs under the sanitizers).
nf=0
: >/tmp/files34
for f in "$SYSPCI"/0001:*/* "$SYSPCI"/0001:*/nvidia/* "$C"/*/* /sys/module/fake_sriov_vgpu/* /sys/module/fake_sriov_vgpu/parameters/*; do
	case ${f##*/} in config | rom | resource?* | remove | rescan | reset*) continue ;; esac
	if [ ! -f "$f" ] || [ ! -r "$f" ]; then continue; fi
	echo "$f" >>/tmp/files34
	nf=$((nf + 1))
done
# shellcheck disable=SC2046 # the file list has no blanks (sysfs names)
bad="$(grep -liE 'ffff[89a-f][0-9a-f]{11}' $(cat /tmp/files34) 2>/dev/null | sed 's/$/(pointer)/' | xargs)"
# shellcheck disable=SC2046 # the file list has no blanks (sysfs names)
bad="$bad${bad:+ }$(LC_ALL=C grep -l '[^[:print:][:space:]]' $(cat /tmp/files34) 2>/dev/null | sed 's/$/(binary)/' | xargs)"
if [ -z "$bad" ] && [ $nf -gt 20 ]; then ok "no kernel pointer or binary bytes in $nf readable files"; else
	not_ok "no kernel pointer or binary bytes in $nf readable files" "${bad:-too few files read}"
fi

# The state nothing below may change.
state() {
	for _i in "$C"/*; do cat "$_i/slot" "$_i/function" "$_i/vgpu_type" "$_i/profile" "$_i/enable" "$_i/address" 2>&1; done
	for _v in $(fsv_vfs); do echo "$_v $(cat "$SYSPCI/$_v/nvidia/current_vgpu_type" 2>&1) $(drv_of "$_v") $(cat "$SYSPCI/$_v/driver_override")"; done
	dd if=$D/config bs=4096 count=1 2>/dev/null | md5sum
	[ -d /sys/module/fake_sriov_vgpu ] && echo loaded
}
before=$(state)

UNPRIV="util-linux setpriv is not in the initramfs (not on the host)"
if [ -x $SETPRIV ] && $SETPRIV --help 2>&1 | grep -q -- --reuid; then
	UNPRIV="setpriv could not switch to uid 65534: $(nobody id -u 2>&1)"
	[ "$(nobody id -u 2>/dev/null)" = 65534 ] && UNPRIV=
fi
# as_nobody_write FILE INPUT: what uid 65534 gets for a write (fsv-write).
as_nobody_write() { nobody $W "$2" "$1" 2>&1; }
# nobody_fails NAME WANT FILE INPUT [FILE INPUT...]: each write gets WANT.
nobody_fails() {
	_n=$1 _w=$2 _bad=
	shift 2
	while [ $# -ge 2 ]; do
		_g=$(as_nobody_write "$1" "$2")
		[ "$_g" = "$_w" ] || _bad="$_bad ${1#/sys/}:$_g"
		shift 2
	done
	if [ -z "$_bad" ]; then ok "$_n"; else not_ok "$_n" "expected $_w:$_bad"; fi
}

if [ -z "$UNPRIV" ]; then
	diag "unprivileged commands run as: setpriv --reuid=65534 --regid=65534 --clear-groups"
	check_errno "uid 65534: mkdir of a configfs item is EACCES" "Permission denied" nobody mkdir $C/evil
	check_errno "uid 65534: rmdir of an item is EACCES" "Permission denied" nobody rmdir $C/sec
	nobody_fails "uid 65534: configfs enable/slot/function/domain/vgpu_type/profile writes are EACCES" open:EACCES \
		$C/sec/enable '0\n' $C/load-00.0/enable '0\n' $C/sec/slot '7\n' $C/sec/function '1\n' $C/sec/domain '1\n' \
		$C/sec/vgpu_type '512\n' $C/sec/profile 'a10\n'
	nobody_fails "uid 65534: nvidia/current_vgpu_type write is EACCES" open:EACCES \
		$D/nvidia/current_vgpu_type '512\n' $SYSPCI/0001:00:06.0/nvidia/current_vgpu_type '0\n'
	nobody_fails "uid 65534: remove, rescan, driver_override, bind/unbind are EACCES" open:EACCES \
		$D/remove '1\n' $D/rescan '1\n' /sys/bus/pci/rescan '1\n' $D/driver_override 'pci-stub\n' \
		/sys/bus/pci/drivers/nvidia/unbind "$V\n" /sys/bus/pci/drivers/nvidia/bind "$V\n"
	n64=$(nobody dd if=$D/config bs=4096 count=1 2>/dev/null | wc -c)
	g=$(as_nobody_write $D/config '\xff\xff\xff\xff')
	assert_eq "uid 65534: config write is EACCES, config read gives the 64-byte header only" "open:EACCES 64" "$g $n64"
	out=$(nobody $S create-vf 9 0 2>&1)
	rc1=$?
	out2=$(nobody $S remove-vf 0 0 2>&1)
	rc2=$?
	if [ $rc1 != 0 ] && [ $rc2 != 0 ] && [ ! -e $SYSPCI/0001:00:09.0 ] && [ -e $D ]; then
		ok "uid 65534: setup-fake-sriov.sh create-vf/remove-vf fail and change nothing"
	else
		echo "$out" "$out2" | sed 's/^/# /'
		not_ok "uid 65534: setup-fake-sriov.sh create-vf/remove-vf fail and change nothing" "exit $rc1/$rc2"
	fi
	e=
	# -f: kmod's rmmod refuses a module in use (the item) before asking
	# the kernel; forced, it goes to delete_module(), which must say EPERM.
	expect_errno "Operation not permitted" nobody rmmod -f fake_sriov_vgpu || e="$e rmmod"
	nobody modprobe -r fake_sriov_vgpu >/dev/null 2>&1 && e="$e modprobe-r"
	expect_errno "Operation not permitted" nobody insmod "$KO" domain=2 || e="$e insmod"
	if [ -z "$e" ] && [ -d /sys/module/fake_sriov_vgpu ] && [ ! -e $SYSPCI/0002:00:00.0 ]; then
		ok "uid 65534: rmmod, modprobe -r and insmod are refused (EPERM)"
	else
		not_ok "uid 65534: rmmod, modprobe -r and insmod are refused (EPERM)" "allowed or wrong errno:$e"
	fi
	assert_eq "uid 65534 can read current_vgpu_type (0644, as documented)" 256 "$(nobody cat $D/nvidia/current_vgpu_type 2>&1)"
else
	for t in "mkdir of a configfs item is EACCES" "rmdir of an item is EACCES" \
		"configfs attribute writes are EACCES" "nvidia/current_vgpu_type write is EACCES" \
		"remove, rescan, driver_override, bind/unbind are EACCES" "config write is EACCES" \
		"setup-fake-sriov.sh create-vf/remove-vf fail" "rmmod, modprobe -r and insmod are refused" \
		"can read current_vgpu_type"; do
		skip "uid 65534: $t" "$UNPRIV"
	done
fi
after=$(state)
if [ "$before" = "$after" ]; then ok "nothing changed: items, functions, types, drivers, config"; else
	diag "before: $before"
	diag "after:  $after"
	not_ok "nothing changed: items, functions, types, drivers, config"
fi
diag "figures: modes checked 4 groups, files scanned $nf, unprivileged attempts $([ -z "$UNPRIV" ] && echo 24 || echo 0)"
ktap_finish
