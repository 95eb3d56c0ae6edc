#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Stress: bad input for every writable file the module is involved in and
# every module parameter, from the lists in /tests/inputs (tests/vm/inputs:
# targets.txt names target, list and the documented errno). Each input must
# get that errno in one write(2) (or fail the load), leave the module's items,
# every function of the bus, their types, drivers and driver_override as they
# were, and put nothing in the kernel log but the module's own message. Then
# bad writers race a good one on the same file. On the sanitizer kernel
# (an input costs about 1 s there, a failed load 8 s) an eighth of each list
# runs (the 1st, 9th, 17th ... input and every 4 KiB one), and the int/bool
# parameters, which the kernel itself parses, only on the stock kernels.
# budget: 50
# kmemleak: after
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

IN=/tests/inputs
W=/usr/libexec/fsv/fsv-write
KO=/lib/modules/$KREL/extra/fake-sriov-vgpu.ko
C=$FSV_CFS
VF=0001:00:08.0
[ -r $IN/targets.txt ] || skip_all "no input lists in $IN (tests/vm/run copies tests/vm/inputs)"
[ -x $W ] || skip_all "$W is missing (tests/vm/progs/fsv-write.c did not build)"

# One result per target+list line of targets.txt, one for the race.
rows=$(grep -cv '^[[:space:]]*\(#.*\)\{0,1\}$' $IN/targets.txt)
ktap_plan $((rows + 1))

pids=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	for _p in $pids; do kill "$_p" 2>/dev/null; done
	wait 2>/dev/null
	fsv_unload >/dev/null 2>&1
}
trap cleanup EXIT

# The state no bad input may change: every item's attributes, every function
# of the bus with its vGPU type, driver (nvidia/other/-) and driver_override.
snap() {
	for _si in "$C"/*; do
		[ -d "$_si" ] || continue
		printf '%s:' "${_si##*/}"
		for _sa in slot function domain vgpu_type profile enable address; do
			_sv=
			read -r _sv <"$_si/$_sa" 2>/dev/null
			printf ' %s' "$_sv"
		done
		echo
	done
	for _d in "$SYSPCI"/0001:*; do
		[ -e "$_d" ] || continue
		_st=- _so=- _sb=-
		read -r _st <"$_d/nvidia/current_vgpu_type" 2>/dev/null
		read -r _so <"$_d/driver_override" 2>/dev/null
		if [ -d "$_d/nvidia" ]; then _sb=nvidia; elif [ -e "$_d/driver" ]; then _sb=other; fi
		echo "${_d##*/} $_st $_sb $_so"
	done
	[ -d /sys/module/fake_sriov_vgpu ] && echo module
	while read -r _l; do
		case $_l in *fake-sriov-vgpu*) echo "iomem $_l" ;; esac
	done </proc/iomem
}

# The two items and the two load-time VFs (bystanders) every sysfs row uses.
setup_items() {
	fsv_load num_vfs=2 || return 1
	mkdir "$C/bad" "$C/on" || return 1
	wr "$C/bad/slot" 9 && wr "$C/bad/function" 0 &&
		wr "$C/on/slot" 8 && wr "$C/on/function" 0 && wr "$C/on/enable" 1
}

# Puts everything back after an input that changed something (a failure).
restore() {
	{
		[ -e "$SYSPCI/$VF" ] || echo 1 >/sys/bus/pci/rescan
		wr "$C/bad/enable" 0
		wr "$C/bad/slot" 9
		wr "$C/bad/function" 0
		wr "$C/bad/domain" -1
		wr "$C/bad/vgpu_type" 256
		wr "$C/bad/profile" t4
		wr "$C/on/enable" 1
		for _v in $(fsv_vfs); do
			wr "$SYSPCI/$_v/driver_override" ""
			[ -e "$SYSPCI/$_v/driver" ] || wr /sys/bus/pci/drivers/nvidia/bind "$_v"
			wr "$SYSPCI/$_v/nvidia/current_vgpu_type" 256
		done
	} >/dev/null 2>&1
}

# errno name from a kmod error message.
errname() {
	case $1 in
	# kmod's insmod says "Invalid parameters" for EINVAL.
	*"Invalid argument"* | *"Invalid parameters"*) echo EINVAL ;;
	*"Unknown symbol in module, or unknown parameter"*) echo ENOENT ;;
	*"Numerical result out of range"*) echo ERANGE ;;
	*"No space left on device"*) echo ENOSPC ;;
	*"File exists"*) echo EEXIST ;;
	*"Device or resource busy"*) echo EBUSY ;;
	*"Operation not permitted"*) echo EPERM ;;
	*"not supported"*) echo EOPNOTSUPP ;;
	*) echo "other($1)" ;;
	esac
}

# put TARGET INPUT: writes (or loads with) the input; prints OK or the errno.
put() {
	case $1 in
	param:*)
		_v=$($W -d "$2")
		# kmod's insmod by its path: busybox's applet loads twice (finit, init).
		if /sbin/insmod "$KO" "${1#param:}=$_v" 2>/tmp/insmod.err; then
			echo OK
			rmmod fake_sriov_vgpu
		else
			errname "$(cat /tmp/insmod.err)"
		fi
		return
		;;
	sparam:*)
		_v=$($W -d "$2")
		_sp=${1#sparam:}
		# num_pfs=2 beside the lists (one value or two); not for num_pfs/profiles/mode.
		case $_sp in
		mode) set -- profile=l40s ;;
		num_pfs | profiles) set -- mode=sriov profile=l40s ;;
		*) set -- mode=sriov profile=l40s num_pfs=2 ;;
		esac
		if /sbin/insmod "$KO" "$@" "$_sp=$_v" 2>/tmp/insmod.err; then
			echo OK
			rmmod fake_sriov_vgpu
		else
			errname "$(cat /tmp/insmod.err)"
		fi
		return
		;;
	cfs:*) _f=$C/bad/${1#cfs:} ;;
	cfs-on:*) _f=$C/on/${1#cfs-on:} ;;
	vf:*) _f=$SYSPCI/$VF/${1#vf:} ;;
	drv:*) _f=/sys/bus/pci/drivers/nvidia/${1#drv:} ;;
	bus:*) _f=/sys/bus/pci/${1#bus:} ;;
	*) echo "unknown-target"; return ;;
	esac
	$W "$2" "$_f"
}

# The sanitizer kernel's DEBUG_KOBJECT_RELEASE logs the delayed release of
# objects freed earlier (setup, a previous row) at any time: not the input's.
KOBJ="kobject: '[^']*' [^ ]*: kobject_release, parent [^ ]* .delayed [0-9]+."
total=0 wrong=0 changed=0 foreign=0 loaded=1
first_err() { [ -n "$_err" ] || _err=$1; }
# row TARGET LIST ERRNO: one result for all inputs of LIST.
row() {
	_t=$1 _list=$2 _want=$3
	_name="$_t: $_list: $_want"
	if [ ! -r "$IN/$_list" ]; then
		not_ok "$_name" "no list $IN/$_list"
		return
	fi
	case $_t in
	param:num_vfs | param:vgpu_type | param:domain | param:num_domains | param:strict)
		if [ "${FSV_DEBUG_KERNEL:-0}" = 1 ]; then
			skip "$_name" "the kernel's own int/bool parameter parser: runs on the stock kernels (a failed load costs about 8 s under the sanitizers)"
			return
		fi
		;;
	esac
	case $_t in
	param:* | sparam:*)
		if [ $loaded = 1 ]; then
			# rmmod, not modprobe -r: insmod needs the dependencies.
			rmdir "$C/bad" "$C/on"
			rmmod fake_sriov_vgpu
			for _m in $(modinfo -F depends "$KO" | tr ',' ' '); do modprobe "$_m"; done
			loaded=0
			KLINES=$(dmesg | wc -l)
		fi
		_allow="fake_sriov_vgpu|${_t#*param:}[:=]|callbacks suppressed|$KOBJ"
		;;
	*)
		if [ $loaded = 0 ]; then
			setup_items
			loaded=1
			KLINES=$(dmesg | wc -l)
		fi
		_allow="fake_sriov_vgpu|fake-sriov-vgpu|0001:00:|callbacks suppressed|$KOBJ"
		;;
	esac
	_n=0 _err=
	_idx=0
	while IFS= read -r _in; do
		case $_in in '' | '#'*) continue ;; esac
		_idx=$((_idx + 1))
		# Sanitizer kernel: the 1st, 9th, 17th ... input and every 4 KiB one.
		if [ "${FSV_DEBUG_KERNEL:-0}" = 1 ] && [ $((_idx % 8)) != 1 ]; then
			case $_in in *'\*'*) ;; *) continue ;; esac
		fi
		_n=$((_n + 1))
		total=$((total + 1))
		# Files and builtins, not $(...): each fork costs under TCG.
		snap >/tmp/snap32.a
		put "$_t" "$_in" >/tmp/got32
		snap >/tmp/snap32.b
		read -r _got </tmp/got32
		# The kernel log since the previous input (KLINES lines before).
		dmesg >/tmp/klog32
		awk -v k="$KLINES" -v allow="$_allow" 'NR > k && $0 !~ allow && n < 3 { print; n++ } END { print NR >"/tmp/klines32" }' /tmp/klog32 >/tmp/kbad32
		read -r KLINES </tmp/klines32
		if [ "$_got" != "$_want" ]; then
			wrong=$((wrong + 1))
			diag "$_t: input '$_in': got $_got, expected $_want"
			first_err "input '$_in' got $_got"
		fi
		if ! cmp -s /tmp/snap32.a /tmp/snap32.b; then
			changed=$((changed + 1))
			diag "$_t: input '$_in' changed the state:"
			sed 's/^/#   before: /' /tmp/snap32.a
			sed 's/^/#   after:  /' /tmp/snap32.b
			first_err "input '$_in' changed the state"
			restore
		fi
		if [ -s /tmp/kbad32 ]; then
			foreign=$((foreign + 1))
			sed "s/^/# $_t: input '$_in': kernel log: /" /tmp/kbad32
			read -r _l </tmp/kbad32
			first_err "input '$_in' logged: $_l"
		fi
	done <"$IN/$_list"
	if [ $_n = 0 ]; then
		not_ok "$_name" "no inputs in $_list"
	else
		ok_unless "$_name ($_n inputs)" "$_err"
	fi
}

t0=$(date +%s)
if ! setup_items; then
	diag "could not set up the items: $(dmesg | tail -n 3)"
fi
KLINES=$(dmesg | wc -l)
rows_run=0
while read -r tgt lst want _; do
	case $tgt in '' | '#'*) continue ;; esac
	rows_run=$((rows_run + 1))
	row "$tgt" "$lst" "$want"
done <$IN/targets.txt

# Bad writers race a good one on the same file: every bad write is EINVAL,
# the last good value is what stays, the other functions keep theirs.
[ $loaded = 0 ] && setup_items
F=$SYSPCI/$VF/nvidia/current_vgpu_type
rounds=$((2 * ${FSV_STRESS:-1}))
[ "${FSV_DEBUG_KERNEL:-0}" = 1 ] && rounds=${FSV_STRESS:-1}
for k in 1 2; do
	(
		r=0
		while [ $r -lt "$rounds" ]; do
			while IFS= read -r in; do
				case $in in '' | '#'*) continue ;; esac
				$W "$in" $F
				if [ $k = 2 ]; then $W "$in" $C/bad/slot; fi
			done <$IN/int.txt
			r=$((r + 1))
		done >/tmp/race32.$k 2>&1
	) &
	pids="$pids $!"
done
good=0 goodbad=0
while [ $good -lt $((rounds * 20)) ]; do
	[ "$($W "$((300 + good))\n" $F)" = OK ] || goodbad=$((goodbad + 1))
	good=$((good + 1))
done
# shellcheck disable=SC2086 # a list of pids
wait $pids
pids=
racebad=$(cat /tmp/race32.1 /tmp/race32.2 | grep -cvx EINVAL)
racen=$(cat /tmp/race32.1 /tmp/race32.2 | wc -l)
final=$(cat $F)
others=$(for v in 0001:00:00.0 0001:00:01.0; do cat $SYSPCI/$v/nvidia/current_vgpu_type; done | xargs)
if [ "$racebad" = 0 ] && [ $goodbad = 0 ] && [ "$final" = $((300 + good - 1)) ] &&
	[ "$others" = "256 256" ] && [ "$(cat $C/bad/slot)" = 9 ]; then
	ok "concurrent: $racen bad writes EINVAL while $good good ones landed"
else
	grep -vx EINVAL /tmp/race32.1 /tmp/race32.2 | sort | uniq -c | head -n 5 | sed 's/^/# race: /'
	not_ok "concurrent: $racen bad writes EINVAL while $good good ones landed" \
		"$racebad bad writes not EINVAL, $goodbad good ones failed, final $final, others '$others', slot $(cat $C/bad/slot)"
fi
total=$((total + racen))
diag "figures: bad inputs $total, targets $rows_run, wrong errno $wrong, state changes $changed, foreign log lines $foreign, concurrent writers 3, $(($(date +%s) - t0)) s"
ktap_finish
