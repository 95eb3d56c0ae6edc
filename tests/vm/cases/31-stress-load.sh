#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Stress: load/unload cycles with 0, 1 and 256 VFs in every bind state: bound
# to nvidia, unbound, bound to another driver through driver_override
# (pci-stub: vfio-pci refuses fake VFs on 6.1+), and with VFIO open by a
# process (vfio-walk BDF hold: the device fd, which must make rmmod fail
# until it is closed; where type1 cannot attach, the module's load line says
# "vfio=auto (own IOMMU group)", /dev/vfio/<group> is held open instead and
# rmmod must complete). 256 VFs carry every state at once. Afterwards nothing
# may be left: no function, IOMMU group, VFIO node, MMIO window, driver.
# budget: 40
# kmemleak: after
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

WALK=/usr/libexec/fsv/vfio-walk
X=${FSV_STRESS:-1}
n=$((100 * X))
# A load/unload costs about 8 s on the sanitizer kernel (delayed releases).
[ "${FSV_DEBUG_KERNEL:-0}" = 1 ] && n=$((5 * X))
# 0 VFs: n/5; 1 VF: n/5 in each of four states; 256 VFs: n/50 (at least 1)
# in make check, n/10 in make stress (FSV_STRESS >= 10: 100 per 10).
n0=$((n / 5)) n1=$((n / 5)) n256=$((n / 50))
[ "$X" -ge 10 ] && n256=$((n / 10))
[ $n256 -gt 0 ] || n256=1

ktap_plan 8
# The cycles log more than the ring buffer holds: scan as they go.
kscan_start /tmp/kbad31

# udevd is stopped while the cycles run (fsv.sh: udev_stop, udev_start).
holder=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	udev_start
	[ -z "$holder" ] || kill "$holder" 2>/dev/null
	wait 2>/dev/null
	fsv_unload >/dev/null 2>&1
	rmmod pci_stub 2>/dev/null
}
trap cleanup EXIT

modprobe pci-stub 2>/dev/null
modprobe vfio_iommu_type1 2>/dev/null
snapshot() {
	{
		fsv_vfs
		set -- /sys/kernel/iommu_groups/*
		echo "groups $#"
		ls /dev/vfio
		grep -c fake-sriov-vgpu /proc/iomem
		ls /sys/bus/pci/drivers
		[ -d $FSV_CFS ] && echo configfs
	} 2>/dev/null | xargs
}
fsv_load num_vfs=0 && rmmod fake_sriov_vgpu
base=$(snapshot)
diag "baseline: $base"

# How VFIO is held on this kernel: "device" (vfio-walk hold: rmmod must fail
# while it holds), "group" (/dev/vfio/<group> open: rmmod must complete) or
# "none" (no /dev/vfio/<group>). Decided at the first hold.
vmode=
T=$((30 * FSV_SLOW))

# hold V: starts a holder of V's VFIO device (or group); sets holder.
hold() {
	_g=$(group_of "$1")
	if [ ! -e "/dev/vfio/$_g" ]; then vmode=none; return 1; fi
	if [ "$vmode" != group ]; then
		# Emptied here: the child's own truncation may come after the poll.
		: >/tmp/hold31
		$WALK "$1" hold >>/tmp/hold31 2>&1 &
		holder=$!
		_hw=0
		while ! grep -q holding /tmp/hold31 && kill -0 $holder 2>/dev/null && [ $_hw -lt $((100 * FSV_SLOW)) ]; do
			sleep 0.1
			_hw=$((_hw + 1))
		done
		if grep -q holding /tmp/hold31; then vmode=device; return 0; fi
		kill -0 $holder 2>/dev/null && echo "vfio-walk $1 hold: no 'holding' after $_hw polls, still running" >>/tmp/hold31
		kill $holder 2>/dev/null
		wait $holder 2>/dev/null
		holder=
		if [ "$vmode" = device ] || ! grep -q "type1 cannot attach" /tmp/hold31; then
			sed 's/^/# vfio-walk: /' /tmp/hold31
			dmesg | tail -n 5 | sed 's/^/# kernel: /'
			return 1
		fi
		vmode=group
	fi
	# shellcheck disable=SC2217 # sleep only keeps the group's fd open
	sleep 100000 <"/dev/vfio/$_g" &
	holder=$!
	return 0
}
release() {
	[ -z "$holder" ] || { kill $holder 2>/dev/null; wait $holder 2>/dev/null; }
	holder=
}

# unload_held: rmmod with a holder; "device" must refuse, then unload once
# released; "group" must unload while held. Returns 1 with ERR set.
unload_held() {
	if [ "$vmode" = device ]; then
		if rmmod fake_sriov_vgpu 2>/dev/null; then ERR="rmmod succeeded while the VFIO device was open"; release; return 1; fi
		release
		rmmod fake_sriov_vgpu 2>/tmp/rm31 || { ERR="rmmod after closing: $(cat /tmp/rm31)"; return 1; }
	else
		timeout "$T" rmmod fake_sriov_vgpu 2>/tmp/rm31
		_rc=$?
		release
		if [ $_rc != 0 ]; then
			ERR="rmmod with /dev/vfio/group open: exit $_rc $(cat /tmp/rm31)"
			wait_gone /sys/module/fake_sriov_vgpu 30
			return 1
		fi
	fi
	return 0
}

# to_stub V: moves V to pci-stub through driver_override.
to_stub() {
	wr "$SYSPCI/$1/driver/unbind" "$1" &&
		wr "$SYSPCI/$1/driver_override" pci-stub &&
		wr /sys/bus/pci/drivers/pci-stub/bind "$1" &&
		[ "$(drv_of "$1")" = pci-stub ]
}

# cycles NAME COUNT STATE: COUNT loads of 1 VF (0 for STATE "none") in STATE.
V=0001:00:00.0
cycles() {
	_name=$1 _cnt=$2 _st=$3 _i=0 ERR=
	while [ $_i -lt "$_cnt" ]; do
		_nv=1
		[ "$_st" = none ] && _nv=0
		if ! fsv_load num_vfs=$_nv 2>/tmp/ld31; then ERR="cycle $_i: load: $(cat /tmp/ld31)"; break; fi
		if [ "$(fsv_count "$FSV_DOM")" != $_nv ]; then ERR="cycle $_i: $(fsv_count "$FSV_DOM") VFs, not $_nv"; break; fi
		case $_st in
		nvidia) [ "$(drv_of $V)" = nvidia ] || { ERR="cycle $_i: not bound to nvidia"; break; } ;;
		unbound)
			wr $SYSPCI/$V/driver/unbind $V
			[ "$(drv_of $V)" = - ] || { ERR="cycle $_i: still bound"; break; }
			;;
		stub) to_stub $V || { ERR="cycle $_i: pci-stub did not take $V ($(drv_of $V))"; break; } ;;
		vfio)
			if ! hold $V; then
				[ "$vmode" = none ] && break
				ERR="cycle $_i: could not open $V through VFIO"
				break
			fi
			unload_held || { ERR="cycle $_i: $ERR"; break; }
			_i=$((_i + 1))
			[ $((_i % 10)) != 0 ] || kscan
			continue
			;;
		esac
		if ! rmmod fake_sriov_vgpu 2>/tmp/rm31; then ERR="cycle $_i: rmmod: $(cat /tmp/rm31)"; break; fi
		_i=$((_i + 1))
		[ $((_i % 10)) != 0 ] || kscan
	done
	fsv_unload >/dev/null 2>&1
	if [ "$_st" = vfio ] && [ "$vmode" = none ]; then
		skip "$_name" "no /dev/vfio/<group> on this kernel (VFIO not registered)"
	elif [ -z "$ERR" ]; then
		ok "$_name"
	else
		not_ok "$_name" "$ERR"
	fi
}

udev_stop
t0=$(date +%s)
cycles "0 VFs: $n0 load/unload cycles" $n0 none
cycles "1 VF bound to nvidia: $n1 cycles" $n1 nvidia
cycles "1 VF unbound: $n1 cycles" $n1 unbound
cycles "1 VF on pci-stub through driver_override: $n1 cycles" $n1 stub
t1=$(date +%s)
cycles "1 VF held open through VFIO: $n1 cycles" $n1 vfio
diag "VFIO hold: ${vmode:-not tried} ($([ "$vmode" = group ] && echo "type1 cannot attach here (own IOMMU group): /dev/vfio/<group> held open instead of the device" || echo "vfio-walk holds the device fd"))"
t2=$(date +%s)

# 256 VFs, every state at once: 1f.7 unbound, 1f.6 on pci-stub, 1f.5 held
# through VFIO, the rest bound to nvidia.
if full_scale; then
	i=0 ERR=
	while [ $i -lt $n256 ]; do
		if ! fsv_load num_vfs=256 2>/tmp/ld31 || [ "$(fsv_count "$FSV_DOM")" != 256 ]; then ERR="cycle $i: load of 256: $(cat /tmp/ld31) $(fsv_count "$FSV_DOM")"; break; fi
		wr $SYSPCI/0001:00:1f.7/driver/unbind 0001:00:1f.7
		to_stub 0001:00:1f.6 || { ERR="cycle $i: pci-stub did not take 1f.6"; break; }
		if hold 0001:00:1f.5; then
			unload_held || { ERR="cycle $i: $ERR"; break; }
		elif [ "$vmode" = none ]; then
			rmmod fake_sriov_vgpu 2>/tmp/rm31 || { ERR="cycle $i: rmmod: $(cat /tmp/rm31)"; break; }
		else
			ERR="cycle $i: could not open 1f.5 through VFIO"
			break
		fi
		i=$((i + 1))
		kscan
	done
	fsv_unload >/dev/null 2>&1
	if [ -z "$ERR" ]; then ok "256 VFs in every bind state at once: $n256 cycles"; else not_ok "256 VFs in every bind state at once: $n256 cycles" "$ERR"; fi
else
	skip "256 VFs in every bind state at once: $n256 cycles" "$SCALE_SKIP"
fi
t3=$(date +%s)
udev_start

assert_eq "nothing left after the cycles" "$base" "$(settled "$base" snapshot)"
klog_report "$KFILE" "no kernel report (BUG, WARNING, KASAN, lockdep, ...) during the cycles"
total=$((n0 + 4 * n1))
full_scale && total=$((total + n256))
diag "figures: load/unload $total (0 VFs $n0, 1 VF $((4 * n1)) in 4 states, 256 VFs $(full_scale && echo $n256 || echo 0)), vfio hold ${vmode:-none}, kernel reports $KLOG_REPORTS, 1-VF states $((t1 - t0)) s, vfio $((t2 - t1)) s, 256 VFs $((t3 - t2)) s, udevd stopped during the cycles"
ktap_finish
