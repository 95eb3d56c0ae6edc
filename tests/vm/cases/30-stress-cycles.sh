#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Stress: VF create/remove cycles through configfs (mkdir, configure,
# enable, check, disable, rmdir) and through setup-fake-sriov.sh
# create-vf/remove-vf, while four writers race on the same VF and on
# different VFs (configfs enable/vgpu_type/slot, nvidia/current_vgpu_type,
# two items fighting for one address) and two readers sweep every attribute
# (lspci -vvv, every sysfs and configfs file, config). Counts scale with
# FSV_STRESS and are smaller on the sanitizer kernel (a cycle costs 0.5 s
# there, 25 times the stock kernel's).
# budget: 40
# kmemleak: after
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

S=/usr/sbin/setup-fake-sriov.sh
C=$FSV_CFS
X=${FSV_STRESS:-1}
# The script costs about 1 s a call under TCG: 5 cycles through it in make
# check, the full 1,000 per 10 of FSV_STRESS in make stress (~35 min).
cycles=$((1000 * X)) scycles=$((5 * X)) wrounds=$((50 * X))
[ "$X" -ge 10 ] && scycles=$((100 * X))
if [ "${FSV_DEBUG_KERNEL:-0}" = 1 ]; then
	cycles=$((40 * X)) scycles=0 wrounds=$((8 * X))
fi
STOP=/tmp/stop30
rm -f $STOP /tmp/w30.* /tmp/r30.*

ktap_plan 11
# The cycles log more than the ring buffer holds: scan as they go.
kscan_start /tmp/kbad30

# udevd is stopped while the cycles run (fsv.sh: udev_stop, udev_start).
pids=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	udev_start
	touch "$STOP"
	for _p in $pids; do kill "$_p" 2>/dev/null; done
	wait 2>/dev/null
	"$S" cleanup >/dev/null 2>&1
	fsv_unload >/dev/null 2>&1
}
trap cleanup EXIT

# wres FILE VALUE TAG: one write with the shell's echo (no fork); R is OK or
# the errno name taken from the shell's message (in /tmp/e30.TAG).
wres() {
	if echo "$2" 2>"/tmp/e30.$3" >"$1"; then R=OK; return; fi
	read -r R <"/tmp/e30.$3"
	case $R in
	# The shell opens with O_CREAT: in the moment nvidia/ exists without its
	# files (the driver core adds and removes a group file by file), that
	# is EACCES (sysfs cannot create), where a plain open says ENOENT.
	*"can't create"*"Permission denied"*) R=open:ENOENT ;;
	*busy*) R=EBUSY ;;
	*exists*) R=EEXIST ;;
	*"No such device"*) R=ENODEV ;;
	*"No such file"* | *nonexistent*) R=open:ENOENT ;;
	*"Invalid argument"*) R=EINVAL ;;
	esac
}

fsv_load num_vfs=4 || diag "load failed"
mkdir $C/shared $C/race-a $C/race-b
wr $C/shared/slot 8 && wr $C/shared/function 0 && wr $C/shared/enable 1
for it in race-a race-b; do wr $C/$it/slot 9 && wr $C/$it/function 0; done
udev_stop
t0=$(date +%s)

# ---- readers: every attribute, all along ----------------------------------
# Paced (a pass, then a pause) so they sample the whole run without taking
# the single emulated CPU from it; files are read with the shell's read.
reader_lspci() {
	_n=0
	while [ ! -e $STOP ]; do
		lspci -D -vvv >/dev/null 2>&1
		_n=$((_n + 1))
		sleep 3
	done
	echo $_n >/tmp/r30.lspci
}
reader_files() {
	_n=0
	while [ ! -e $STOP ]; do
		for _f in "$SYSPCI"/0001:*/* "$SYSPCI"/0001:*/nvidia/* "$C"/*/* /sys/module/fake_sriov_vgpu/parameters/*; do
			case ${_f##*/} in
			resource?* | rom | remove | rescan | reset* | config) continue ;;
			esac
			if [ ! -f "$_f" ] || [ ! -r "$_f" ]; then continue; fi
			while read -r _l; do :; done <"$_f" 2>/dev/null
		done
		for _f in "$SYSPCI"/0001:*/config; do
			dd if="$_f" of=/dev/null bs=4096 count=1 2>/dev/null
		done
		_n=$((_n + 1))
		sleep 1
	done
	echo $_n >/tmp/r30.files
}
reader_lspci &
pids="$pids $!"
reader_files &
pids="$pids $!"

# ---- writers --------------------------------------------------------------
# Each logs every answer that is not one of the errnos its file documents.
# 1 and 2 race on the same VF (0001:00:08.0, item "shared").
writer1() {
	_r=0
	while [ $_r -lt $wrounds ]; do
		wres $C/shared/enable 0 1
		[ "$R" = OK ] || echo "shared/enable 0: $R"
		wres $C/shared/vgpu_type $((1000 + _r)) 1
		[ "$R" = OK ] || echo "shared/vgpu_type: $R"
		wres $C/shared/enable 1 1
		[ "$R" = OK ] || echo "shared/enable 1: $R"
		_r=$((_r + 1))
	done >/tmp/w30.1
}
writer2() {
	_r=0
	while [ $_r -lt $wrounds ]; do
		wres "$SYSPCI/0001:00:08.0/nvidia/current_vgpu_type" $((2000 + _r)) 2
		case $R in OK | open:ENOENT | ENODEV) ;; *) echo "current_vgpu_type: $R" ;; esac
		wres $C/shared/vgpu_type $((3000 + _r)) 2
		case $R in OK | EBUSY) ;; *) echo "shared/vgpu_type: $R" ;; esac
		wres $C/shared/slot 8 2
		case $R in OK | EBUSY) ;; *) echo "shared/slot: $R" ;; esac
		_r=$((_r + 1))
	done >/tmp/w30.2
}
# 3 and 4: two items fight for 0001:00:09.0, and each also writes the type
# of a load-time VF of its own (02.0, 03.0), ending with 257 and 258.
writer34() {
	_it=$1 _vf=$2 _last=$3 _r=0 _won=0 _lost=0
	while [ $_r -lt $wrounds ]; do
		wres "$C/$_it/enable" 1 "$_it"
		case $R in
		OK) _won=$((_won + 1)) ;;
		EEXIST) _lost=$((_lost + 1)) ;;
		*) echo "$_it/enable 1: $R" ;;
		esac
		wres "$SYSPCI/$_vf/nvidia/current_vgpu_type" $((4000 + _r)) "$_it"
		[ "$R" = OK ] || echo "$_vf current_vgpu_type: $R"
		wres "$C/$_it/enable" 0 "$_it"
		[ "$R" = OK ] || echo "$_it/enable 0: $R"
		_r=$((_r + 1))
	done >"/tmp/w30.$_it"
	wres "$SYSPCI/$_vf/nvidia/current_vgpu_type" "$_last" "$_it"
	echo "$R" >"/tmp/w30.$_it.last"
	echo "$_won $_lost" >"/tmp/w30.$_it.count"
}
writer1 &
wp="$!"
writer2 &
wp="$wp $!"
writer34 race-a 0001:00:02.0 257 &
wp="$wp $!"
writer34 race-b 0001:00:03.0 258 &
wp="$wp $!"
pids="$pids $wp"

# ---- create/remove cycles through configfs ---------------------------------
# Eight items at slots 0x10-0x17 take turns; each cycle gives its item a new
# function and type, enables it, checks the function, disables it; every
# eighth turn of an item also removes and makes the item itself (rmdir/mkdir).
i=0 bad=
while [ $i -lt $cycles ]; do
	j=$((i % 8)) f=$(((i / 8) % 8)) t=$((256 + i % 7))
	it=$C/c$j a=0001:00:1$j.$f
	if [ $((i % 64)) -lt 8 ]; then
		[ ! -d $it ] || rmdir $it || { bad="cycle $i: rmdir $it"; break; }
		if ! mkdir $it || ! wr $it/slot $((16 + j)); then bad="cycle $i: mkdir $it"; break; fi
	fi
	if ! { wr $it/function $f && wr $it/vgpu_type $t && wr $it/enable 1; } 2>/tmp/c30.err; then
		read -r e </tmp/c30.err
		bad="cycle $i: configure/enable $a: $e"
		break
	fi
	got=missing ad=
	read -r got <"$SYSPCI/$a/nvidia/current_vgpu_type"
	read -r ad <$it/address
	if [ "$got" != "$t" ] || [ "$ad" != "$a" ]; then
		bad="cycle $i: $a type '$got' (want $t), address '$ad'"
		break
	fi
	if ! wr $it/enable 0; then bad="cycle $i: disable $a"; break; fi
	if [ -e "$SYSPCI/$a" ]; then bad="cycle $i: $a still there after disable"; break; fi
	i=$((i + 1))
	[ $((i % 100)) != 0 ] || kscan
done
for j in 0 1 2 3 4 5 6 7; do [ ! -d $C/c$j ] || rmdir $C/c$j; done
if [ -z "$bad" ]; then ok "configfs: $cycles VF create/remove cycles"; else not_ok "configfs: $cycles VF create/remove cycles" "$bad"; fi
t1=$(date +%s)

# shellcheck disable=SC2086 # a list of pids
wait $wp
udev_start
# ---- create/remove cycles through the setup script (udevd running) ------------
i=0 bad=
while [ $i -lt $scycles ]; do
	f=$((i % 8))
	if ! out=$("$S" create-vf 26 $f 512 2>&1); then bad="cycle $i create-vf 26 $f: $out"; break; fi
	if [ "$(cat $SYSPCI/0001:00:1a.$f/nvidia/current_vgpu_type 2>/dev/null)" != 512 ]; then bad="cycle $i: 0001:00:1a.$f missing or wrong type"; break; fi
	if ! out=$("$S" remove-vf 26 $f 2>&1); then bad="cycle $i remove-vf 26 $f: $out"; break; fi
	i=$((i + 1))
done
if [ "$scycles" = 0 ]; then
	skip "setup-fake-sriov.sh: create-vf/remove-vf cycles" "runs on the stock kernels (a script cycle costs about 13 s under the sanitizers; configfs cycles above cover the kernel side)"
else
	ok_unless "setup-fake-sriov.sh: $scycles create-vf/remove-vf cycles" "$bad"
fi
t2=$(date +%s)
touch $STOP
# shellcheck disable=SC2086 # a list of pids
wait $pids
pids=
t3=$(date +%s)

w1=$(cat /tmp/w30.1) w2=$(cat /tmp/w30.2)
if [ -z "$w1" ]; then ok "same VF, writer 1: $wrounds x enable 0, vgpu_type, enable 1 all succeeded"; else
	echo "$w1" | head -n 5 | sed 's/^/# /'
	not_ok "same VF, writer 1: $wrounds x enable 0, vgpu_type, enable 1 all succeeded" "$(echo "$w1" | head -n 1)"
fi
if [ -z "$w2" ]; then ok "same VF, writer 2: current_vgpu_type, vgpu_type, slot: OK or a documented errno"; else
	echo "$w2" | head -n 5 | sed 's/^/# /'
	not_ok "same VF, writer 2: current_vgpu_type, vgpu_type, slot: OK or a documented errno" "$(echo "$w2" | head -n 1)"
fi
w34=$(cat /tmp/w30.race-a /tmp/w30.race-b /tmp/w30.race-a.last /tmp/w30.race-b.last 2>&1 | grep -vx OK)
ca=$(cat /tmp/w30.race-a.count 2>/dev/null) cb=$(cat /tmp/w30.race-b.count 2>/dev/null)
diag "one address, two items: race-a won/lost $ca, race-b won/lost $cb"
if [ -z "$w34" ] && [ -n "$ca" ] && [ -n "$cb" ] && [ ! -e $SYSPCI/0001:00:09.0 ] &&
	[ "$(cat $C/race-a/enable $C/race-b/enable | xargs)" = "0 0" ]; then
	ok "different VFs, writers 3 and 4: enable OK or EEXIST, nothing left at 0001:00:09.0"
else
	echo "$w34" | head -n 5 | sed 's/^/# /'
	not_ok "different VFs, writers 3 and 4: enable OK or EEXIST, nothing left at 0001:00:09.0" "$(echo "$w34" | head -n 1)"
fi

# After the race: the shared VF still answers, through both files.
wr $SYSPCI/0001:00:08.0/nvidia/current_vgpu_type 777 2>/dev/null
assert_eq "shared VF after the race: 777 through sysfs and configfs, enabled, bound" \
	"777 777 1 nvidia" "$(cat $SYSPCI/0001:00:08.0/nvidia/current_vgpu_type $C/shared/vgpu_type $C/shared/enable 2>&1 | xargs) $(drv_of 0001:00:08.0)"
assert_eq "load-time VFs: 00.0 01.0 untouched, 02.0 03.0 have their writer's last type" \
	"256 256 257 258" "$(for v in 00.0 01.0 02.0 03.0; do cat $SYSPCI/0001:00:$v/nvidia/current_vgpu_type 2>&1; done | xargs)"
assert_eq "functions left: the 4 load-time VFs and the shared one" \
	"0001:00:00.0 0001:00:01.0 0001:00:02.0 0001:00:03.0 0001:00:08.0" "$(fsv_vfs | xargs)"
nl=$(cat /tmp/r30.lspci 2>/dev/null) nf=$(cat /tmp/r30.files 2>/dev/null)
if [ "${nl:-0}" -gt 0 ] && [ "${nf:-0}" -gt 0 ]; then
	ok "readers ran all along: $nl lspci -vvv, $nf sweeps of every file"
else
	not_ok "readers ran all along: $nl lspci -vvv, $nf sweeps of every file" "a reader did not finish a pass"
fi

# Teardown leaves nothing.
rmdir $C/shared $C/race-a $C/race-b
rmmod fake_sriov_vgpu
left=$( (fsv_vfs; ls $C 2>/dev/null; grep fake-sriov-vgpu /proc/iomem) | xargs)
assert_eq "after rmmod: no function, item or MMIO window left" "" "$left"
klog_report "$KFILE" "no kernel report (BUG, WARNING, KASAN, lockdep, ...) during the cycles"
diag "figures: cycles $cycles, script cycles $scycles, concurrent writers 4 x $wrounds rounds, readers 2 ($nl lspci, $nf sweeps), kernel reports $KLOG_REPORTS, leftovers $(echo "$left" | wc -w), configfs $((t1 - t0)) s, script $((t2 - t1)) s, all $((t3 - t0)) s, udevd stopped during the configfs cycles and writers"
ktap_finish
