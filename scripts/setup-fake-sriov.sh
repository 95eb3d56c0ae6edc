#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# setup-fake-sriov.sh: the seed's user interface to the fake_sriov_vgpu
# kernel module, on top of modprobe and the module's configfs directory.
# POSIX sh: it runs under dash, bash and busybox ash.
#
# Usage: setup-fake-sriov.sh COMMAND [ARGS]
#
# Commands:
#   setup                     load the module with $FAKE_SRIOV_VFS VFs of type
#                             $FAKE_SRIOV_VGPU_TYPE; VF number i is DDDD:00:SS.F
#                             with slot i % 32 and function i / 32 (4 VFs:
#                             0001:00:00.0 ... 0001:00:03.0). When the module is
#                             already loaded, creates the missing ones.
#   cleanup                   remove every VF and unload the module
#   status                    the module (version, parameters), the VFs, and
#                             the first VF's vendor, device and vGPU type
#   list                      one line per VF: address, vGPU type, driver,
#                             origin (load = made at module load, configfs =
#                             made at run time)
#   create-vf SLOT FUNC [TYPE]
#                             create one VF at slot SLOT (0-31) function FUNC
#                             (0-7), both decimal, with vGPU type TYPE
#                             (decimal, default 256; 0 = no vGPU type)
#   remove-vf SLOT FUNC       remove the VF at that address
#   -h, --help                this text
#
# Environment:
#   FAKE_SRIOV_VFS            number of VFs for setup (0-256, default 4)
#   FAKE_SRIOV_VGPU_TYPE      their vGPU type (default 256)
#   FAKE_SRIOV_MODULE         path of a fake-sriov-vgpu.ko to insmod instead of
#                             the installed module (default: the installed one,
#                             else src/fake-sriov-vgpu.ko of the source tree
#                             this script lives in, if built)
#
# Exit status: 0 success, 1 the operation failed, 2 usage error.
set -eu

PROG=${0##*/}
MODNAME=fake_sriov_vgpu
SYSMOD=/sys/module/$MODNAME
CFS_MNT=/sys/kernel/config
CFS=$CFS_MNT/fake-sriov-vgpu
PCIDEVS=/sys/bus/pci/devices
MAX_TYPE=2147483647

usage() {
	sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//'
}

# die MESSAGE: the operation failed (exit 1).
die() {
	echo "$PROG: error: $*" >&2
	exit 1
}

# usage_error MESSAGE: bad command line (exit 2).
usage_error() {
	echo "$PROG: $*" >&2
	echo "Run '$PROG --help' for usage." >&2
	exit 2
}

info() { echo "$PROG: $*"; }

# ---- argument checks --------------------------------------------------------

# dec NAME VALUE MIN MAX: prints VALUE as a plain decimal number if it is one
# in [MIN, MAX]; usage error otherwise.
dec() {
	case $2 in
	'' | *[!0-9]*)
		usage_error "$1 '$2' is not a decimal number (allowed: $3-$4)"
		;;
	esac
	_v=$(echo "$2" | sed 's/^0*//')
	[ -n "$_v" ] || _v=0
	if [ ${#_v} -gt 10 ] || [ "$_v" -lt "$3" ] || [ "$_v" -gt "$4" ]; then
		usage_error "$1 $2 is out of range (allowed: $3-$4)"
	fi
	echo "$_v"
}

need_root() {
	[ "$(id -u)" = 0 ] || die "'$1' changes the kernel's state: run it as root"
}

# ---- kernel state -----------------------------------------------------------

loaded() { [ -d "$SYSMOD" ]; }

param() { cat "$SYSMOD/parameters/$1" 2>/dev/null || true; }

# DOM: the PCI domain of the module's (first) bus, as four hex digits; DOMS:
# every domain of the load (num_domains= of them from domain= up). set_dom
# sets both once the module is loaded; every fork saved counts on slow
# kernels.
DOM=0001
DOMS=0001
set_dom() {
	_d=$(param domain)
	case $_d in '' | *[!0-9]*) _d=1 ;; esac
	_n=$(param num_domains)
	case $_n in '' | *[!0-9]*) _n=1 ;; esac
	DOM=$(printf '%04x' "$_d")
	DOMS=$DOM
	_i=1
	while [ "$_i" -lt "$_n" ]; do
		DOMS="$DOMS $(printf '%04x' $((_d + _i)))"
		_i=$((_i + 1))
	done
}
# "domain 0001", or "domains 0001-0004" for a load of several.
domain_label() {
	case $DOMS in
	*" "*) echo "domains $DOM-${DOMS##* }" ;;
	*) echo "domain $DOM" ;;
	esac
}

# addr SLOT FUNC: DDDD:00:SS.F of the loaded module's bus.
addr() { printf '%s:00:%02x.%x' "$DOM" "$1" "$2"; }

# Mounts configfs if it is not mounted yet.
ensure_configfs() {
	if ! grep -qs " $CFS_MNT configfs " /proc/mounts; then
		[ -d "$CFS_MNT" ] || modprobe -q configfs 2>/dev/null || true
		mount -t configfs none "$CFS_MNT" 2>/dev/null ||
			die "cannot mount configfs on $CFS_MNT (is CONFIG_CONFIGFS_FS enabled?)"
	fi
	if loaded && [ ! -d "$CFS" ]; then
		die "the module is loaded but $CFS is missing"
	fi
	return 0
}

# wr FILE VALUE: writes VALUE to FILE; on failure WR_ERR is the system's error
# text ("File exists", ...) and it returns 1. dd, not a shell redirection:
# busybox's printf and dash's echo do not report the write's errno.
wr() {
	if WR_ERR=$(printf '%s\n' "$2" | dd of="$1" conv=notrunc 2>&1); then
		return 0
	fi
	WR_ERR=$(echo "$WR_ERR" | sed -n 's/.*: //p' | head -n 1)
	[ -n "$WR_ERR" ] || WR_ERR="write failed"
	return 1
}

# What an errno text means for a VF at address $1.
explain() {
	case $2 in
	*"File exists"*) echo "address $1 is already taken by another VF" ;;
	*"No space"*) echo "the bus is full (256 functions)" ;;
	*"Invalid argument"*) echo "the module rejected a value (Invalid argument; see dmesg)" ;;
	*"busy"*) echo "the VF is busy or the module is unloading ($2)" ;;
	*"Operation not permitted"*) echo "operation not permitted ($2)" ;;
	*"No such device"*) echo "the module is going away ($2)" ;;
	*) echo "$2" ;;
	esac
}

# The kernel log lines of the module, for a failed load.
kmsg_tail() {
	dmesg 2>/dev/null | grep "$MODNAME" | tail -n 3 | sed 's/^/  kernel: /' >&2 || true
}

# Prints "ADDRESS ORIGIN ITEM" for every enabled VF, sorted by address.
# Without configfs (not mounted, not root) the devices of every domain of
# the load, origin "?".
vf_records() {
	if [ ! -d "$CFS" ]; then
		for _dd in $DOMS; do
			for _i in "$PCIDEVS/$_dd":*; do
				[ -e "$_i" ] && echo "${_i##*/} ? -"
			done
		done
		return 0
	fi
	# One grep reads every address file (empty while disabled):
	# ".../ITEM/address:ADDRESS".
	grep -s -H . "$CFS"/*/address | sed -n \
		-e 's|^.*/\(load-[^/]*\)/address:\(.*\)$|\2 load \1|p' \
		-e 't' \
		-e 's|^.*/\([^/]*\)/address:\(.*\)$|\2 configfs \1|p' | sort
}

# item_at ADDRESS: the configfs item that holds the VF at ADDRESS, if any.
item_at() {
	vf_records | while read -r _a _o _n; do
		if [ "$_a" = "$1" ]; then
			echo "$_n"
			break
		fi
	done
}

# vf_type ADDRESS ITEM: current vGPU type (sysfs, else the configfs item).
vf_type() {
	if [ -r "$PCIDEVS/$1/nvidia/current_vgpu_type" ]; then
		cat "$PCIDEVS/$1/nvidia/current_vgpu_type" 2>/dev/null && return 0
	fi
	cat "$CFS/$2/vgpu_type" 2>/dev/null || echo "-"
}

# link_name PATH: last component of a symlink's target, or "none".
link_name() {
	_l=$(readlink "$1" 2>/dev/null || true)
	if [ -n "$_l" ]; then echo "${_l##*/}"; else echo none; fi
}

# ---- creating and removing one VF --------------------------------------------

# create SLOT FUNC TYPE: one VF at the address; 0 created, 1 failed (message
# printed), 3 already there.
create() {
	_s=$1 _f=$2 _t=$3
	_addr=$(addr "$_s" "$_f")
	_tag=$(printf '%02x.%x' "$_s" "$_f")
	if [ -n "$(item_at "$_addr")" ]; then
		return 3
	fi
	# A load-time VF disabled with remove-vf comes back in its own item.
	_load=$CFS/load-$_tag
	if [ -d "$_load" ] && [ "$(cat "$_load/enable")" = 0 ]; then
		if ! wr "$_load/vgpu_type" "$_t" || ! wr "$_load/enable" 1; then
			echo "$PROG: error: cannot create VF $_addr: $(explain "$_addr" "$WR_ERR")" >&2
			return 1
		fi
		return 0
	fi
	_it=$CFS/vf-$_tag
	# A disabled leftover of ours is reused.
	if [ ! -d "$_it" ] && ! _err=$(mkdir "$_it" 2>&1); then
		echo "$PROG: error: cannot create configfs item $_it: ${_err##*: }" >&2
		return 1
	fi
	if wr "$_it/slot" "$_s" && wr "$_it/function" "$_f" &&
		wr "$_it/vgpu_type" "$_t" && wr "$_it/enable" 1; then
		return 0
	fi
	rmdir "$_it" 2>/dev/null || true
	echo "$PROG: error: cannot create VF $_addr: $(explain "$_addr" "$WR_ERR")" >&2
	return 1
}

# ---- commands -----------------------------------------------------------------

cmd_setup() {
	need_root setup
	vfs=$(dec FAKE_SRIOV_VFS "${FAKE_SRIOV_VFS:-4}" 0 256)
	type=$(dec FAKE_SRIOV_VGPU_TYPE "${FAKE_SRIOV_VGPU_TYPE:-256}" 0 $MAX_TYPE)

	if ! loaded; then
		ko=${FAKE_SRIOV_MODULE:-}
		if [ -z "$ko" ] && ! modinfo "$MODNAME" >/dev/null 2>&1; then
			_top=$(cd "$(dirname "$0")/.." 2>/dev/null && pwd) || _top=
			if [ -n "$_top" ] && [ -f "$_top/src/fake-sriov-vgpu.ko" ]; then
				ko=$_top/src/fake-sriov-vgpu.ko
			else
				die "module $MODNAME is not installed (modprobe cannot find it) and no built src/fake-sriov-vgpu.ko was found; install the package or set FAKE_SRIOV_MODULE=/path/to/fake-sriov-vgpu.ko"
			fi
		fi
		if [ -n "$ko" ]; then
			[ -f "$ko" ] || die "FAKE_SRIOV_MODULE=$ko: no such file"
			# insmod does not load dependencies: the ones the .ko
			# names (vfio, ...), and configfs, best effort.
			for _m in configfs $(modinfo -F depends "$ko" 2>/dev/null | tr ',' ' '); do
				modprobe -q "$_m" 2>/dev/null || true
			done
			info "loading $ko with num_vfs=$vfs vgpu_type=$type"
			if ! _err=$(insmod "$ko" "num_vfs=$vfs" "vgpu_type=$type" 2>&1); then
				echo "$PROG: error: cannot load $ko: ${_err:-insmod failed}" >&2
				kmsg_tail
				exit 1
			fi
		else
			info "loading $MODNAME with num_vfs=$vfs vgpu_type=$type"
			if ! _err=$(modprobe "$MODNAME" "num_vfs=$vfs" "vgpu_type=$type" 2>&1); then
				echo "$PROG: error: cannot load $MODNAME: ${_err:-modprobe failed}" >&2
				kmsg_tail
				exit 1
			fi
		fi
		# modprobe takes the module's EEXIST (its PCI domain exists
		# already) for "already loaded" and reports success.
		if ! loaded; then
			echo "$PROG: error: $MODNAME did not load" >&2
			kmsg_tail
			exit 1
		fi
		set_dom
		ensure_configfs
	else
		set_dom
		ensure_configfs
		info "$MODNAME is already loaded; creating the missing VFs through configfs"
		[ "$vfs" -le 0 ] || for i in $(seq 0 $((vfs - 1))); do
			rc=0
			create $((i % 32)) $((i / 32)) "$type" || rc=$?
			case $rc in
			0) info "created $(addr $((i % 32)) $((i / 32))) (vGPU type $type)" ;;
			3) ;;
			*) exit 1 ;;
			esac
		done
	fi

	# Every seed address must now hold a VF.
	missing=
	[ "$vfs" -le 0 ] || for i in $(seq 0 $((vfs - 1))); do
		a=$(addr $((i % 32)) $((i / 32)))
		if [ ! -e "$PCIDEVS/$a" ]; then
			[ -n "$(item_at "$a")" ] && [ -w /sys/bus/pci/rescan ] &&
				echo 1 >/sys/bus/pci/rescan
			[ -e "$PCIDEVS/$a" ] || missing="$missing $a"
		fi
	done
	[ -z "$missing" ] || die "VFs missing after setup:$missing (see dmesg)"
	info "$vfs VFs ready$([ "$vfs" -gt 0 ] && echo ": $(addr 0 0) ... $(addr $(((vfs - 1) % 32)) $(((vfs - 1) / 32)))")"
}

cmd_cleanup() {
	need_root cleanup
	if ! loaded; then
		info "$MODNAME is not loaded; nothing to clean up"
		return 0
	fi
	ensure_configfs
	# The load-SS.F items refuse rmdir (EPERM); rmmod removes them. A user
	# item someone named load-* goes with rmdir like any other.
	for it in "$CFS"/*; do
		[ -d "$it" ] || continue
		if ! _err=$(rmdir "$it" 2>&1); then
			case ${it##*/} in load-*) continue ;; esac
			die "cannot remove configfs item $it: ${_err##*: }"
		fi
	done
	if ! _err=$(rmmod "$MODNAME" 2>&1); then
		die "cannot unload $MODNAME: ${_err:-rmmod failed} (a VFIO user may still hold a VF open)"
	fi
	info "removed all VFs and unloaded $MODNAME"
}

cmd_status() {
	if ! loaded; then
		echo "Module:     $MODNAME not loaded"
		echo "VFs:        0"
		return 0
	fi
	set_dom
	echo "Module:     $MODNAME loaded, version $(cat "$SYSMOD/version" 2>/dev/null || echo unknown)"
	echo "Parameters:"
	for p in "$SYSMOD"/parameters/*; do
		[ -e "$p" ] || continue
		printf '  %-12s %s\n' "${p##*/}" "$(cat "$p" 2>/dev/null)"
	done
	[ "$(id -u)" != 0 ] || ensure_configfs
	recs=$(vf_records)
	n=0
	[ -z "$recs" ] || n=$(echo "$recs" | wc -l)
	echo "VFs:        $n ($(domain_label))"
	if [ "$n" -gt 0 ]; then
		printf '  %-14s %-10s %-10s %-12s %s\n' ADDRESS DRIVER VGPU_TYPE IOMMU_GROUP ORIGIN
		echo "$recs" | while read -r a o it; do
			d=$PCIDEVS/$a
			if [ -e "$d" ]; then
				drv=$(link_name "$d/driver")
				grp=$(link_name "$d/iommu_group")
			else
				drv="(removed; echo 1 > /sys/bus/pci/rescan)" grp=-
			fi
			printf '  %-14s %-10s %-10s %-12s %s\n' "$a" "$drv" "$(vf_type "$a" "$it")" "$grp" "$o"
		done
	fi
	off=
	for it in "$CFS"/load-*; do
		[ -d "$it" ] && [ "$(cat "$it/enable" 2>/dev/null)" = 0 ] && off="$off ${it##*/}"
	done
	[ -z "$off" ] || echo "Disabled load-time VFs:$off"
	first=$(echo "$recs" | head -n 1)
	if [ -n "$first" ]; then
		a=${first%% *}
		it=${first##* }
		d=$PCIDEVS/$a
		echo "First VF:   $a"
		echo "  Vendor:    $(cat "$d/vendor" 2>/dev/null || echo -)"
		echo "  Device:    $(cat "$d/device" 2>/dev/null || echo -)"
		echo "  vGPU type: $(vf_type "$a" "$it")"
	fi
}

cmd_list() {
	loaded || return 0
	set_dom
	[ "$(id -u)" != 0 ] || ensure_configfs
	vf_records | while read -r a o it; do
		printf '%s %s %s %s\n' "$a" "$(vf_type "$a" "$it")" \
			"$(link_name "$PCIDEVS/$a/driver")" "$o"
	done
}

cmd_create_vf() {
	case $# in 2 | 3) ;; *) usage_error "usage: $PROG create-vf SLOT FUNC [TYPE]" ;; esac
	slot=$(dec SLOT "$1" 0 31)
	fn=$(dec FUNC "$2" 0 7)
	type=$(dec TYPE "${3:-256}" 0 $MAX_TYPE)
	need_root create-vf
	loaded || die "$MODNAME is not loaded: run '$PROG setup' first"
	set_dom
	ensure_configfs
	a=$(addr "$slot" "$fn")
	rc=0
	create "$slot" "$fn" "$type" || rc=$?
	case $rc in
	0) info "created VF $a (vGPU type $type)" ;;
	3) die "cannot create VF $a: $(explain "$a" "File exists")" ;;
	*) exit 1 ;;
	esac
}

cmd_remove_vf() {
	[ $# -eq 2 ] || usage_error "usage: $PROG remove-vf SLOT FUNC"
	slot=$(dec SLOT "$1" 0 31)
	fn=$(dec FUNC "$2" 0 7)
	need_root remove-vf
	loaded || die "no VF at slot $slot function $fn: $MODNAME is not loaded"
	set_dom
	ensure_configfs
	a=$(addr "$slot" "$fn")
	it=$(item_at "$a")
	case $it in
	'')
		# A disabled leftover item of ours goes too, quietly.
		tag=$(printf '%02x.%x' "$slot" "$fn")
		[ ! -d "$CFS/vf-$tag" ] || rmdir "$CFS/vf-$tag" 2>/dev/null || true
		die "no VF at $a"
		;;
	load-*)
		wr "$CFS/$it/enable" 0 || die "cannot remove VF $a: $(explain "$a" "$WR_ERR")"
		;;
	*)
		_err=$(rmdir "$CFS/$it" 2>&1) || die "cannot remove VF $a: ${_err##*: }"
		;;
	esac
	info "removed VF $a"
}

[ $# -gt 0 ] || usage_error "a command is needed"
cmd=$1
shift
case $cmd in
-h | --help | help)
	usage
	exit 0
	;;
setup | cleanup | status | list)
	[ $# -eq 0 ] || usage_error "'$cmd' takes no arguments"
	"cmd_$cmd"
	;;
create-vf) cmd_create_vf "$@" ;;
remove-vf) cmd_remove_vf "$@" ;;
*) usage_error "unknown command '$cmd'" ;;
esac
