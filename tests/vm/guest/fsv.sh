# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
#
# /tests/fsv.sh: helpers for the module's guest test cases (busybox sh).
# Source after /tests/lib.sh.
#
#   FSV_DOM                  the default domain, 0001
#   fsv_load [PARAM=V...]    modprobe fake_sriov_vgpu with the parameters
#   fsv_insmod [PARAM=V...]  insmod it (its dependencies loaded first)
#   fsv_unload               unload it (and remove configfs items first)
#   fsv_vfs                  addresses of the module's functions, one a line
#   fsv_vfs_in DOM           the same in domain DOM
#   fsv_count                how many there are
#   fsv_domains              the PCI domains other than the host's 0000
#                            with a root bus or a function, one a line
#   entries DIR              the names in DIR, sorted, on one line
#   wr FILE VALUE            echo VALUE >FILE (busybox echo reports write errors)
#   kv_discover SEL          devices KubeVirt v1.9 would advertise for the
#                            vendor:device selector SEL ("addr group" lines)
#   pr_discover SEL          the same under pull request #16710's rules
#   drv_of ADDR              the driver bound to ADDR, or "-"
#   group_of ADDR            its IOMMU group number, or "-"
#   logged TEXT              true if the kernel log since the case began has TEXT
#   settled EXP CMD...       CMD's output once it equals EXP, or after 10 s
#                            (delayed kobject releases on the sanitizer
#                            kernel keep sysfs entries for up to 4 s)
#   full_scale               true except on the sanitizer kernel, where tests
#                            that create 33 to 256 functions would take ten
#                            minutes each; they run on every stock kernel
#   udev_stop, udev_start    stop udevd for a stress loop, start it again

FSV_DOM=0001
FSV_CFS=/sys/kernel/config/fake-sriov-vgpu
SYSPCI=/sys/bus/pci/devices

# Before a load: the previous load's driver directories (the stub PCI
# driver's, and mode=mdev's mdev driver's) must be gone. Their
# removal waits for the driver kobject's release, which the sanitizer
# kernel's DEBUG_KOBJECT_RELEASE delays up to 4 s: a load before that warns
# "cannot create duplicate filename '/bus/pci/drivers/nvidia'".
_fsv_settled() {
	[ -d /sys/module/fake_sriov_vgpu ] && return 0
	for _dd in /sys/bus/pci/drivers/nvidia /sys/bus/pci/drivers/fakevgpu \
		/sys/bus/mdev/drivers/fake-sriov-vgpu; do
		wait_gone "$_dd" 5 || diag "$_dd still there 5 s after the unload"
	done
}

# kmod's own tools by their paths: busybox sh prefers its applets, whose
# modprobe and insmod try each load twice (finit_module, then init_module),
# doubling every failed load (8 s a time on the sanitizer kernel).
KMOD_MODPROBE=/sbin/modprobe KMOD_INSMOD=/sbin/insmod
[ -x $KMOD_MODPROBE ] || KMOD_MODPROBE=modprobe
[ -x $KMOD_INSMOD ] || KMOD_INSMOD=insmod

fsv_load() {
	_fsv_settled
	$KMOD_MODPROBE fake_sriov_vgpu "$@"
}

# insmod reports EEXIST, which modprobe takes for "already loaded".
fsv_insmod() {
	_fsv_settled
	_ko=/lib/modules/$KREL/extra/fake-sriov-vgpu.ko
	for _m in $(modinfo -F depends "$_ko" | tr ',' ' '); do $KMOD_MODPROBE "$_m"; done
	$KMOD_INSMOD "$_ko" "$@"
}

# bad_load [-e TEXT] NAME MESSAGE PARAM...: the load fails (with TEXT in
# insmod's error, e.g. "Invalid parameters", kmod's words for EINVAL), leaves
# nothing behind (module, a root bus or function in any domain but 0000,
# MMIO window) and logs MESSAGE. insmod,
# not modprobe: modprobe takes EEXIST for "already loaded".
bad_load() {
	_berr=
	if [ "$1" = -e ]; then
		_berr=$2
		shift 2
	fi
	_bn=$1 _bm=$2
	shift 2
	if fsv_insmod "$@" 2>/tmp/fsv-bad-load; then
		not_ok "$_bn" "loaded with $*"
		fsv_unload
		return
	fi
	if [ -n "$_berr" ] && ! grep -q -- "$_berr" /tmp/fsv-bad-load; then
		not_ok "$_bn" "expected '$_berr', got: $(cat /tmp/fsv-bad-load)"
	elif [ -d /sys/module/fake_sriov_vgpu ] || [ -n "$(fsv_domains)" ] ||
		grep -q fake-sriov-vgpu /proc/iomem; then
		not_ok "$_bn" "something was left after the failed load: $(fsv_domains | xargs)"
	elif ! logged "$_bm"; then
		dmesg | tail -3 | sed 's/^/# /'
		not_ok "$_bn" "no kernel message '$_bm'"
	else
		ok "$_bn"
	fi
}

fsv_unload() {
	for _i in "$FSV_CFS"/*; do
		case ${_i##*/} in load-*|"*") ;; *) rmdir "$_i" 2>/dev/null ;; esac
	done
	[ ! -d /sys/module/fake_sriov_vgpu ] || $KMOD_MODPROBE -r fake_sriov_vgpu || return
	_fsv_settled
}

fsv_vfs_in() {
	for _d in "$SYSPCI/$1":*; do
		[ -e "$_d" ] && echo "${_d##*/}"
	done
	return 0
}

fsv_vfs() { fsv_vfs_in "$FSV_DOM"; }

fsv_count() { fsv_vfs | wc -l | tr -d ' '; }

fsv_domains() {
	for _d in /sys/class/pci_bus/* "$SYSPCI"/*; do
		case ${_d##*/} in 0000:* | "*") ;; *) _n=${_d##*/}; echo "${_n%%:*}" ;; esac
	done | sort -u
}

# entries DIR: the names in DIR, sorted, on one line.
entries() { find "$1" -mindepth 1 -maxdepth 1 | sed 's|.*/||' | sort | xargs; }

wr() { echo "$2" >"$1"; }

_base() { _l=$(readlink "$1" 2>/dev/null) && echo "${_l##*/}"; }

drv_of() { _base "$SYSPCI/$1/driver" || echo -; }

group_of() { _base "$SYSPCI/$1/iommu_group" || echo -; }

# Shared part of both rule sets: PCI_ID match, driver, group, health.
# $1: selector, $2: the rule set's vGPU VF test (a function of the device dir).
_discover() {
	for _d in "$SYSPCI"/*; do
		_id=$(sed -n 's/^PCI_ID=//p' "$_d/uevent" | head -n 1 | tr '[:upper:]' '[:lower:]' | tr -d ' ')
		[ "$_id" = "$1" ] || continue
		_drv=$(_base "$_d/driver") || continue
		if [ "$_drv" != vfio-pci ]; then
			"$2" "$_d" "$_drv" || continue
		fi
		_g=$(_base "$_d/iommu_group") || continue
		[ -e "/dev/vfio/$_g" ] || continue
		echo "${_d##*/} $_g"
	done
}

_vgpu_type_set() {
	_t=$(tr -d ' \t\n' <"$1/nvidia/current_vgpu_type" 2>/dev/null) || return 1
	[ -n "$_t" ] && [ "$_t" != 0 ]
}

_kv_rule() {
	[ "$2" = nvidia ] && [ ! -e "$1/sriov_totalvfs" ] && _vgpu_type_set "$1"
}

_pr_rule() {
	for _v in "$1"/virtfn*; do [ -e "$_v" ] && return 1; done
	_vgpu_type_set "$1"
}

kv_discover() { _discover "$1" _kv_rule; }
pr_discover() { _discover "$1" _pr_rule; }

logged() {
	dmesg >/tmp/fsv-dmesg
	_n=$(grep -n 'fsv: case .* begin' /tmp/fsv-dmesg | tail -n 1 | cut -d: -f1)
	tail -n +"${_n:-1}" /tmp/fsv-dmesg | grep -q -- "$1"
}

settled() {
	_exp=$1
	shift
	_t=100
	while _out=$("$@") && [ "$_out" != "$_exp" ] && [ $_t -gt 0 ]; do
		sleep 0.1
		_t=$((_t - 1))
	done
	echo "$_out"
}

full_scale() { [ "${FSV_DEBUG_KERNEL:-0}" != 1 ]; }
# shellcheck disable=SC2034 # used by the cases
SCALE_SKIP="runs on the stock kernels; 33-256 functions take minutes under the sanitizers"

# udev_stop / udev_start: udevd spends about 20 ms of emulated CPU on every
# uevent (rules, hwdb), more than the module itself; stress cycles stop it
# while they run (the kernel still sends every uevent) and start it again.
UDEVD=
udev_stop() {
	pidof systemd-udevd >/dev/null 2>&1 || return 0
	UDEVD=1
	udevadm control --exit 2>/dev/null
	_uw=0
	while pidof systemd-udevd >/dev/null 2>&1 && [ $_uw -lt 50 ]; do sleep 0.1; _uw=$((_uw + 1)); done
}
udev_start() {
	[ -n "$UDEVD" ] || return 0
	UDEVD=
	mkdir -p /run/udev
	/lib/systemd/systemd-udevd --daemon 2>/dev/null
}
