#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Benchmark (tests/bench/run boots it with tests/vm/run --cases-dir): the
# module's per-VF cost in guest time and kernel memory, against the kernel's
# own SR-IOV code creating QEMU NVMe VFs in the same boot. A report, not a
# test: a subtest fails only when a step could not run, never on a number.
# Every figure is one line "# bench KEY VALUE" (times in guest
# CLOCK_MONOTONIC ns, fsv-bench; memory in KiB), or "# bench-skip KEY
# REASON"; tests/bench/run turns them into the table and bench/results.json.
# udevd is stopped while timing (fsv.sh: udev_stop; the kernel still sends
# every uevent) except in the steps that measure it.
# Kernel command line: fsv.bench_repeat=N (runs per figure, median;
# default 3; tests/bench/run passes BENCH_REPEAT).
# budget: 900
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

B=/usr/libexec/fsv/fsv-bench
R=$(sed -n 's/.*fsv\.bench_repeat=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
R=${R:-3}
SIZES="1 16 256"
CFGN=2000

ktap_plan 13
bench() { echo "# bench $1 $2"; }
bskip() {
	_k=$1
	shift
	echo "# bench-skip $_k $*"
}
# med: the median of the numbers on stdin, one a line.
med() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "nan" }'; }

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	fsv_unload >/dev/null 2>&1
	udev_start
}
trap cleanup EXIT

if [ ! -x "$B" ]; then
	# Every step needs the clock.
	i=0
	while [ $i -lt 13 ]; do not_ok "step $i" "no $B (tests/vm/progs/fsv-bench.c did not build)"; i=$((i + 1)); done
	ktap_finish
fi

modprobe vfio_iommu_type1 2>/dev/null
# Dependencies and the module's pages once, so no run pays for them.
fsv_load num_vfs=1 && rmmod fake_sriov_vgpu
udev_stop
bench guest.cpus "$(grep -c ^processor /proc/cpuinfo)"
bench guest.mem_kib "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
bench guest.kernel "$KREL"
bench repeat "$R"

# time_load TAG N [PARAM=V...]: R loads with num_vfs=N and R rmmods; prints
# the medians as bench lines TAG.nN.load_ns and TAG.nN.rmmod_ns.
ERR=
time_load() {
	_tag=$1 _n=$2
	shift 2
	: >/tmp/bl
	: >/tmp/br
	_i=0
	while [ $_i -lt "$R" ]; do
		if ! $B run modprobe fake_sriov_vgpu num_vfs="$_n" "$@" >>/tmp/bl 2>/tmp/berr; then
			ERR="modprobe num_vfs=$_n $*: $(cat /tmp/berr)"
			return 1
		fi
		if [ "$(fsv_count)" != "$_n" ]; then
			ERR="num_vfs=$_n $*: $(fsv_count) functions"
			rmmod fake_sriov_vgpu
			return 1
		fi
		if ! $B run rmmod fake_sriov_vgpu >>/tmp/br 2>/tmp/berr; then
			ERR="rmmod after num_vfs=$_n: $(cat /tmp/berr)"
			return 1
		fi
		_i=$((_i + 1))
	done
	bench "$_tag.n$_n.load_ns" "$(med </tmp/bl)"
	bench "$_tag.n$_n.rmmod_ns" "$(med </tmp/br)"
}

# load_series TAG [PARAM=V...]: time_load for 0 and every size.
load_series() {
	_t=$1
	shift
	for _n in 0 $SIZES; do time_load "$_t" "$_n" "$@" || return 1; done
}

# 1-3: load and rmmod: everything; without VFIO. There is no variant
# without the driver bind: pci_bus_add_device() binds whatever
# drivers_autoprobe says, and driver_override names the stub; the traced
# breakdown (8) splits the bind out instead.
if load_series load.full; then ok "load/rmmod num_vfs=0 $SIZES"; else not_ok "load/rmmod num_vfs=0 $SIZES" "$ERR"; fi
if load_series load.novfio vfio=off; then ok "load/rmmod vfio=off"; else not_ok "load/rmmod vfio=off" "$ERR"; fi
# The T4's class is VGA (0x030000), so each of its functions also joins
# the VGA arbiter (vgaarb: a device entry, a walk of the others for bridge
# sharing, boot_vga); the A10's is 3D controller (0x030200) with the same
# BARs and everything else. The arbiter's own share is traced (8:
# pci_notify, its bus notifier); the wall times are for reference.
if time_load load.a10 1 profile=a10 && time_load load.a10 256 profile=a10; then
	ok "load/rmmod profile=a10 (no VGA arbiter)"
else
	not_ok "load/rmmod profile=a10 (no VGA arbiter)" "$ERR"
fi

# 4: configfs: mkdir + enable N items, then disable + rmdir, on a module
# loaded with no VFs.
cfs_series() {
	fsv_load num_vfs=0 || { ERR="modprobe num_vfs=0"; return 1; }
	for _n in $SIZES; do
		: >/tmp/bc
		: >/tmp/bce
		: >/tmp/bd
		: >/tmp/bde
		_i=0
		while [ $_i -lt "$R" ]; do
			$B cfs-create "$FSV_CFS" b "$_n" >/tmp/bo 2>/tmp/berr || { ERR="configfs create $_n: $(cat /tmp/berr)"; return 1; }
			read -r _a _b </tmp/bo
			echo "$_a" >>/tmp/bc
			echo "$_b" >>/tmp/bce
			[ "$(fsv_count)" = "$_n" ] || { ERR="configfs: $(fsv_count) functions, not $_n"; return 1; }
			$B cfs-remove "$FSV_CFS" b "$_n" >/tmp/bo 2>/tmp/berr || { ERR="configfs remove $_n: $(cat /tmp/berr)"; return 1; }
			read -r _a _b </tmp/bo
			echo "$_a" >>/tmp/bd
			echo "$_b" >>/tmp/bde
			_i=$((_i + 1))
		done
		bench "cfs.n$_n.create_ns" "$(med </tmp/bc)"
		bench "cfs.n$_n.enable_ns" "$(med </tmp/bce)"
		bench "cfs.n$_n.remove_ns" "$(med </tmp/bd)"
		bench "cfs.n$_n.disable_ns" "$(med </tmp/bde)"
	done
	rmmod fake_sriov_vgpu
}
if cfs_series; then ok "configfs create/remove $SIZES"; else not_ok "configfs create/remove $SIZES" "$ERR"; fsv_unload; fi

TR=/sys/kernel/tracing
[ -e $TR/current_tracer ] || mount -t tracefs nodev $TR 2>/dev/null
[ -e $TR/current_tracer ] || TR=/sys/kernel/debug/tracing
# Memory: R samples of creating N functions, each diffing /proc/slabinfo
# (bytes of active objects per cache: the figure) and /proc/meminfo (KiB).
# The meminfo deltas count pages, and only the first sample's are kept: a
# later sample fills the partly used slabs the previous remove left, which
# no shrink frees, and shows fewer new pages than the objects it made.
MEMKEYS="MemFree Slab SUnreclaim SReclaimable VmallocUsed Percpu KernelStack PageTables"
# SLUB keeps freed objects in per-CPU slabs, which /proc/slabinfo counts as
# active, and empty slabs on its partial lists: shrinking every cache first
# leaves the live objects and the pages they need.
shrink_slabs() {
	for _s in /sys/kernel/slab/*/shrink; do
		[ ! -w "$_s" ] || echo 1 >"$_s" 2>/dev/null
	done
}
meminfo() {
	sync
	sleep 1
	shrink_slabs
	awk -v k=" $MEMKEYS " '{ n = $1; sub(":", "", n) } index(k, " " n " ") { print n, $2 }' /proc/meminfo
}
slabinfo() {
	shrink_slabs
	awk 'NR > 2 { print $1, $2 * $4 }' /proc/slabinfo 2>/dev/null
}
# mem_report TAG N: bench lines TAG.nN.KEY_kib, the first sample's
# /proc/meminfo deltas (files /tmp/m0.0 and /tmp/m1.0).
mem_report() {
	for _k in $MEMKEYS; do
		bench "$1.n$2.${_k}_kib" "$(awk -v k="$_k" 'FNR == NR { if ($1 == k) a = $2; next } $1 == k { print $2 - a }' /tmp/m0.0 /tmp/m1.0)"
	done
}
# slab_report TAG N: the 8 caches that grew most in the first sample, and the
# median over the samples of every cache's growth, bytes per function.
slab_sum() { awk 'FNR == NR { a[$1] = $2; next } { t += $2 - a[$1] } END { printf "%d\n", t }' "$1" "$2"; }
slab_report() {
	awk 'FNR == NR { a[$1] = $2; next } { d = $2 - a[$1]; if (d > 0) print d, $1 }' \
		/tmp/s0.0 /tmp/s1.0 | sort -rn | head -n 8 |
		while read -r _d _c; do bench "$1.slab.$_c.bytes_per_fn" "$((_d / $2))"; done
	_j=0
	: >/tmp/bm
	while [ $_j -lt "$R" ]; do
		slab_sum "/tmp/s0.$_j" "/tmp/s1.$_j" >>/tmp/bm
		_j=$((_j + 1))
	done
	bench "$1.slab.samples" "\"$(xargs </tmp/bm)\""
	bench "$1.slab.all.bytes_per_fn" "$(($(med </tmp/bm) / $2))"
}
mem_fake() { # TAG [PARAM=V...]: 256 configfs functions on a load with the parameters
	_mt=$1
	shift
	fsv_load num_vfs=0 "$@" || { ERR="modprobe num_vfs=0 $*"; return 1; }
	_j=0
	while [ $_j -lt "$R" ]; do
		meminfo >"/tmp/m0.$_j"
		slabinfo >"/tmp/s0.$_j"
		$B cfs-create "$FSV_CFS" b 256 >/dev/null 2>/tmp/berr || { ERR="configfs create 256: $(cat /tmp/berr)"; return 1; }
		meminfo >"/tmp/m1.$_j"
		slabinfo >"/tmp/s1.$_j"
		$B cfs-remove "$FSV_CFS" b 256 >/dev/null 2>/tmp/berr || { ERR="configfs remove 256: $(cat /tmp/berr)"; return 1; }
		_j=$((_j + 1))
	done
	meminfo >/tmp/m2
	bench "$_mt.n256.before" "\"$(xargs </tmp/m0.0)\""
	bench "$_mt.n256.after" "\"$(xargs </tmp/m1.0)\""
	mem_report "$_mt" 256
	[ ! -s /tmp/s0.0 ] || slab_report "$_mt" 256
	[ "$_mt" != mem.fake ] || alloc_report "$_mt" || return 1
	bench "$_mt.after_remove.SUnreclaim_kib" "$(awk 'FNR == NR { if ($1 == "SUnreclaim") a = $2; next } $1 == "SUnreclaim" { print $2 - a }' /tmp/m0.0 /tmp/m2)"
	rmmod fake_sriov_vgpu
}
# alloc_live FILE N: the slab allocations (kmem events) of a configfs
# create of N functions still live when it returns: "BYTES COUNT SITE" a
# call site (the caller of kmalloc or kmem_cache_alloc).
KMEM_EVENTS="kmalloc kmalloc_node kmem_cache_alloc kmem_cache_alloc_node kfree kmem_cache_free"
alloc_live() {
	for _e in $KMEM_EVENTS; do
		[ ! -e "$TR/events/kmem/$_e/enable" ] || echo 1 >"$TR/events/kmem/$_e/enable"
	done
	echo 8192 >$TR/buffer_size_kb
	: >$TR/trace
	echo 1 >$TR/tracing_on
	_rc=0
	$B cfs-create "$FSV_CFS" "a$2x" "$2" >/dev/null 2>/tmp/berr || _rc=$?
	echo 0 >$TR/tracing_on
	echo 0 >$TR/events/kmem/enable
	[ $_rc = 0 ] || { ERR="configfs create $2 traced: $(cat /tmp/berr)"; return 1; }
	grep -q 'entries-in-buffer/entries-written: \([0-9]*\)/\1 ' $TR/trace || { ERR="kmem trace buffer overrun"; return 1; }
	awk '/ (kmalloc|kmalloc_node|kmem_cache_alloc|kmem_cache_alloc_node): / {
			site = ""; ptr = ""; ba = 0
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^call_site=/) { site = substr($i, 11); sub(/\+.*/, "", site) }
				else if ($i ~ /^ptr=/) ptr = substr($i, 5)
				else if ($i ~ /^bytes_alloc=/) ba = substr($i, 13) + 0
			}
			live[ptr] = site; sz[ptr] = ba; next
		}
		/ (kfree|kmem_cache_free): / {
			for (i = 1; i <= NF; i++) if ($i ~ /^ptr=/) delete live[substr($i, 5)]
		}
		END { for (p in live) { b[live[p]] += sz[p]; n[live[p]]++ } for (k in b) print b[k], n[k], k }' \
		$TR/trace >"$1"
	echo 1408 >$TR/buffer_size_kb
	: >$TR/trace
}
# alloc_report TAG: what one function allocates and keeps, by call site: the
# live allocations of a create of 9 less those of a create of 1 (the
# writer's own, its process, its lookups, are in both), over 8.
alloc_report() {
	[ -e "$TR/events/kmem/kmalloc/enable" ] || { bskip "$1.allocs" "no kmem trace events in $TR"; return 0; }
	alloc_live /tmp/al1 1 || return 1
	alloc_live /tmp/al9 9 || return 1
	for _k in 1 9; do
		$B cfs-remove "$FSV_CFS" "a${_k}x" "$_k" >/dev/null || { ERR="configfs remove of the $_k traced functions"; return 1; }
	done
	awk 'FNR == NR { b[$3] -= $1; n[$3] -= $2; next } { b[$3] += $1; n[$3] += $2 }
		END { for (k in b) if (b[k] > 0) { printf "%d %.2f %s\n", b[k] / 8, n[k] / 8, k; t += b[k] } printf "%d 0 all\n", t / 8 }' \
		/tmp/al1 /tmp/al9 | sort -rn | head -n 17 |
		while read -r _b _n _s; do
			bench "$1.allocs.$_s.bytes_per_fn" "$_b"
			[ "$_s" = all ] || bench "$1.allocs.$_s.count_per_fn" "$_n"
		done
}
# 5: everything; and with vfio=off, which leaves VFIO's share out
if mem_fake mem.fake; then ok "kernel memory of 256 functions"; else not_ok "kernel memory of 256 functions" "$ERR"; fsv_unload; fi
if mem_fake mem.novfio vfio=off; then ok "kernel memory of 256 functions, vfio=off"; else not_ok "kernel memory of 256 functions, vfio=off" "$ERR"; fsv_unload; fi

# 6: load to all ready: every function has a driver, an IOMMU group and its
# /dev/vfio node (devtmpfs); udevd stopped.
ready_series() { # TAG
	: >/tmp/br1
	: >/tmp/bs1
	_i=0
	while [ $_i -lt "$R" ]; do
		_t0=$($B now)
		fsv_load num_vfs=256 2>/tmp/berr || { ERR="modprobe num_vfs=256: $(cat /tmp/berr)"; return 1; }
		$B ready "$_t0" "$FSV_DOM" 256 $((60 * FSV_SLOW)) >>/tmp/br1 2>/tmp/berr || { ERR="$(cat /tmp/berr)"; rmmod fake_sriov_vgpu; return 1; }
		if [ "$1" = udev ]; then
			udevadm settle --timeout=120 2>/dev/null
			echo $(($($B now) - _t0)) >>/tmp/bs1
		fi
		rmmod fake_sriov_vgpu
		_i=$((_i + 1))
	done
	bench "ready.$1.n256_ns" "$(med </tmp/br1)"
	[ "$1" != udev ] || bench "ready.udev.n256.settled_ns" "$(med </tmp/bs1)"
}
if ready_series noudev; then ok "load to all ready, 256 VFs, udevd stopped"; else not_ok "load to all ready, 256 VFs, udevd stopped" "$ERR"; fi
# 7: the same with udevd running, and until udevadm settle returns.
if ! command -v udevadm >/dev/null; then
	bskip ready.udev "no udevadm in the guest"
	skip "load to all ready with udevd" "no udevadm in the guest"
else
	udev_start
	sleep 1
	if ready_series udev; then ok "load to all ready with udevd, and udevadm settle"; else not_ok "load to all ready with udevd, and udevadm settle" "$ERR"; fi
	udev_stop
fi

# 8: where the time goes: function_graph with a filter of the functions of
# interest (each a leaf unless its caller is traced too; funcgraph-tail
# names the closing braces). Debian's kernels have no FUNCTION_PROFILER.
# kobject_uevent_env() is in lib/, which is built without ftrace: its parts
# dev_uevent() (once a uevent) and netlink_broadcast() stand for it.
FUNCS="fsv_vf_create fsv_vf_destroy fsv_bus_notify fsv_probe fsv_remove
fsv_vfio_register fsv_vfio_unregister fsv_vf_group_attach fsv_vf_group_detach
fsv_cfg_read fsv_cfg_write fsv_bus_first_free_devfn fsv_vf_cfg_read
fsv_configfs_exit fsv_driver_unregister pci_unregister_driver pci_get_slot
pci_scan_single_device pci_setup_device pci_device_add pci_bus_add_device
pci_stop_and_remove_bus_device device_add device_del
pci_notify vga_arbiter_add_pci_device dev_uevent netlink_broadcast
device_initial_probe __device_attach really_probe device_release_driver
iommu_group_alloc iommu_group_add_device iommu_group_remove_device
vfio_register_group_dev vfio_register_emulated_iommu_dev vfio_unregister_group_dev
pci_create_sysfs_dev_files sysfs_create_groups devtmpfs_create_node
pci_claim_resource pci_iov_add_virtfn pci_iov_remove_virtfn pci_enable_sriov
pci_disable_sriov sriov_enable sriov_disable msleep"
# The headline ratio traces only the two functions it compares (each call a
# leaf, no tracer cost inside it): with the filter above, every traced call
# nested in fsv_vf_create (110 config reads a VF) would add the tracer's
# own cost to it, and pci_iov_add_virtfn nests few of them.
TOP="fsv_vf_create fsv_vf_destroy pci_iov_add_virtfn pci_iov_remove_virtfn"
trace_on() { # TRACED_FUNCS_FILE [FUNCTIONS]: FUNCS by default
	echo nop >$TR/current_tracer
	: >$TR/set_ftrace_filter
	: >"$1"
	for _f in ${2:-$FUNCS}; do
		echo "$_f" >>$TR/set_ftrace_filter 2>/dev/null && echo "$_f" >>"$1"
	done
	echo 32768 >$TR/buffer_size_kb
	echo function_graph >$TR/current_tracer || return 1
	for _o in funcgraph-tail:1 funcgraph-irqs:0 funcgraph-proc:0; do
		echo "${_o#*:}" >"$TR/options/${_o%%:*}" 2>/dev/null
	done
	: >$TR/trace
	echo 1 >$TR/tracing_on
}
# trace_off TAG N [calls]: each function's summed durations per function
# made (TAG.F.us_per_fn); with "calls", also its median call
# (TAG.F.us_median_call).
trace_off() {
	echo 0 >$TR/tracing_on
	: >/tmp/tdur
	awk -v tag="$1" -v n="$2" -v calls="${3:-}" '
		/\|/ {
			l = $0; sub(/\|.*/, "", l); r = $0; sub(/^[^|]*\|[ \t]*/, "", r)
			if (!match(l, /[0-9.]+ us/)) next
			d = substr(l, RSTART, RLENGTH - 3) + 0
			# Module functions carry " [module]" (%ps).
			if (match(r, /^} \/\* [A-Za-z0-9_.]+( \[[A-Za-z0-9_]+\])? \*\//)) f = substr(r, 6, RLENGTH - 8)
			else if (match(r, /^[A-Za-z0-9_.]+( \[[A-Za-z0-9_]+\])?\(\);/)) f = substr(r, 1, RLENGTH - 3)
			else next
			sub(/ .*/, "", f)
			us[f] += d; c[f]++
			if (calls) print f, d >"/tmp/tdur"
		}
		/entries-in-buffer/ { print "# bench " tag ".entries " $0 }
		END { for (f in us) printf "# bench %s.%s.us_per_fn %.1f\n# bench %s.%s.calls_per_fn %.2f\n", tag, f, us[f] / n, tag, f, c[f] / n }
	' $TR/trace | sed 's/entries \(.*\)$/entries "\1"/'
	# The median call: the cost of one call without the runs held up by
	# something else (QEMU's own work for the NVMe VFs it has just made
	# slows the first of them, in bursts).
	cut -d' ' -f1 /tmp/tdur | sort -u | while read -r _f; do
		bench "$1.$_f.us_median_call" "$(awk -v f="$_f" '$1 == f { print $2 }' /tmp/tdur | med)"
	done
	echo nop >$TR/current_tracer
	: >$TR/set_ftrace_filter
	echo 1408 >$TR/buffer_size_kb
}
# trace_med FILE: FILE holds trace_off's lines of several runs of one TAG.
# Prints each us_per_fn key's median over the runs and each
# us_median_call key's smallest (the fastest run's median call), with
# every run's value as KEY.runs and KEY.call_runs, and the other keys of
# the first run. Some runs of the NVMe baseline come out twice as slow as
# others, most of their calls included, while the module's runs agree:
# the fastest run is each side's cost without whatever held the others up.
trace_med() {
	awk '$1 == "#" && $2 == "bench" {
		k = $3
		if (k ~ /\.us_(per_fn|median_call)$/) { v[k] = v[k] " " $4; next }
		if (!(k in o)) { o[k] = $0; ord[++n] = k }
	}
	END {
		for (i = 1; i <= n; i++) print o[ord[i]]
		for (k in v) print "#V " k v[k]
	}' "$1" | while read -r _a _b _c; do
		if [ "$_a" = "#V" ]; then
			case $_b in
			*.us_per_fn)
				bench "$_b" "$(echo "$_c" | tr ' ' '\n' | med)"
				bench "${_b%.us_per_fn}.runs" "\"$_c\""
				;;
			*)
				bench "$_b" "$(echo "$_c" | awk '{ m = $1; for (i = 2; i <= NF; i++) if ($i + 0 < m + 0) m = $i; print m }')"
				bench "${_b%.us_median_call}.call_runs" "\"$_c\""
				;;
			esac
		else
			echo "$_a $_b $_c"
		fi
	done
}
trace_fake() {
	fsv_load num_vfs=0 || { ERR="modprobe num_vfs=0"; return 1; }
	trace_on /tmp/traced || { ERR="function_graph tracer refused"; return 1; }
	_c=$($B cfs-create "$FSV_CFS" b 256) || { trace_off x 1 >/dev/null; ERR="configfs create 256 under the tracer"; return 1; }
	trace_off trace.create 256
	bench trace.create.traced_total_ns "${_c% *}"
	trace_on /tmp/traced
	_c=$($B cfs-remove "$FSV_CFS" b 256) || { trace_off x 1 >/dev/null; ERR="configfs remove 256 under the tracer"; return 1; }
	trace_off trace.remove 256
	bench trace.remove.traced_total_ns "${_c% *}"
	bench trace.functions "\"$(xargs </tmp/traced)\""
	# Flatness: the per-VF functions alone, at 16 and at 256 functions
	# (trace.top_create is the 256 run); R runs each (trace_med).
	for _n in 16 256; do
		_t=trace.top_create
		[ "$_n" = 256 ] || _t=trace.flat16_create
		: >/tmp/tc
		: >/tmp/td
		_j=0
		while [ $_j -lt "$R" ]; do
			trace_on /tmp/traced "$TOP"
			$B cfs-create "$FSV_CFS" b "$_n" >/dev/null || { trace_off x 1 >/dev/null; ERR="configfs create $_n under the tracer"; return 1; }
			trace_off "$_t" "$_n" calls >>/tmp/tc
			trace_on /tmp/traced "$TOP"
			$B cfs-remove "$FSV_CFS" b "$_n" >/dev/null || { trace_off x 1 >/dev/null; ERR="configfs remove $_n under the tracer"; return 1; }
			trace_off "${_t%_create}_remove" "$_n" calls >>/tmp/td
			_j=$((_j + 1))
		done
		trace_med /tmp/tc
		trace_med /tmp/td
	done
	rmmod fake_sriov_vgpu
	for _n in 16 256; do
		: >/tmp/tc
		_j=0
		while [ $_j -lt "$R" ]; do
			fsv_load num_vfs="$_n" || { ERR="modprobe num_vfs=$_n"; return 1; }
			trace_on /tmp/traced pci_stop_and_remove_bus_device
			rmmod fake_sriov_vgpu || { trace_off x 1 >/dev/null; ERR="rmmod under the tracer"; return 1; }
			trace_off "trace.flat${_n}_rmmod" "$_n" calls >>/tmp/tc
			_j=$((_j + 1))
		done
		trace_med /tmp/tc
	done
	# rmmod with 256 load-time VFs (the module's symbols are gone when the
	# trace is read: only the kernel's functions are named).
	fsv_load num_vfs=256 || { ERR="modprobe num_vfs=256"; return 1; }
	trace_on /tmp/traced
	_t0=$($B now)
	rmmod fake_sriov_vgpu || { trace_off x 1 >/dev/null; ERR="rmmod under the tracer"; return 1; }
	bench trace.rmmod.traced_total_ns $(($($B now) - _t0))
	trace_off trace.rmmod 256
}
TRACE_OK=
if ! grep -qw function_graph $TR/available_tracers 2>/dev/null; then
	bskip trace "no function_graph tracer in tracefs ($TR)"
	skip "function_graph breakdown of 256 configfs creates" "no function_graph tracer in tracefs"
elif trace_fake; then
	TRACE_OK=1
	ok "function_graph breakdown of 256 configfs creates and removes"
else
	not_ok "function_graph breakdown of 256 configfs creates and removes" "$ERR"
	fsv_unload
fi

# sriov_cycles PF N KEY: R timed cycles of sriov_numvfs N then 0 on PF,
# checking that N virtfn links appear; medians as KEY.nN.enable_ns and
# KEY.nN.disable_ns. ERR says what failed.
sriov_cycles() {
	: >/tmp/bc
	: >/tmp/bd
	_i=0
	while [ $_i -lt "$R" ]; do
		$B write "$1/sriov_numvfs" "$2" >>/tmp/bc 2>/tmp/berr || { ERR="sriov_numvfs=$2: $(cat /tmp/berr) $(dmesg | tail -n 3)"; return 1; }
		_c=0
		for _v in "$1"/virtfn*; do [ -L "$_v" ] && _c=$((_c + 1)); done
		[ "$_c" = "$2" ] || { ERR="sriov_numvfs=$2 made $_c VFs"; return 1; }
		$B write "$1/sriov_numvfs" 0 >>/tmp/bd 2>/tmp/berr || { ERR="sriov_numvfs=0: $(cat /tmp/berr)"; return 1; }
		_i=$((_i + 1))
	done
	bench "$3.n$2.enable_ns" "$(med </tmp/bc)"
	bench "$3.n$2.disable_ns" "$(med </tmp/bd)"
}

# 9: the baseline: the kernel's SR-IOV code creates N VFs of a QEMU NVMe
# PF (tests/bench/run: -device nvme,sriov_max_vfs=...) with
# sriov_drivers_autoprobe=0: bare pci_devs (no driver, no IOMMU group).
# Also the cost of one config read on a fake function and on an NVMe VF.
nvme_pf() {
	for _d in "$SYSPCI"/*; do
		[ -e "$_d/sriov_totalvfs" ] && [ "$(cat "$_d/vendor")" = 0x1b36 ] && { echo "$_d"; return 0; }
	done
	return 1
}
# cfg_cost: a config space read through this bus's accessor (guest code)
# and through QEMU's ECAM (the NVMe VF's, QEMU's own code): the same pread
# of a dword, CFGN of them, on the first fake function and on PF's virtfn0;
# R runs after a warm-up one.
cfg_cost() {
	_v=$(readlink "$PF/virtfn0") || { ERR="no virtfn0 after sriov_numvfs=1"; return 1; }
	_f=$(fsv_vfs | head -n1)
	[ -n "$_f" ] || { ERR="num_vfs=1 made no function"; return 1; }
	: >/tmp/cf
	: >/tmp/cn
	_j=0
	while [ $_j -le "$R" ]; do # the first of each: warm-up, dropped
		$B cfgread "$SYSPCI/$_f/config" "$CFGN" >>/tmp/cf 2>/tmp/berr ||
			{ ERR="cfgread $_f: $(cat /tmp/berr)"; return 1; }
		$B cfgread "$SYSPCI/${_v##*/}/config" "$CFGN" >>/tmp/cn 2>/tmp/berr ||
			{ ERR="cfgread ${_v##*/}: $(cat /tmp/berr)"; return 1; }
		_j=$((_j + 1))
	done
	bench cfgread.fake_ns "$(sed 1d /tmp/cf | med)"
	bench cfgread.nvme_ns "$(sed 1d /tmp/cn | med)"
}
nvme_series() {
	modprobe nvme 2>/tmp/berr || { ERR="modprobe nvme: $(cat /tmp/berr)"; return 1; }
	PF=$(nvme_pf) || { ERR="no NVMe PF with sriov_totalvfs"; return 1; }
	wait_for_path "$PF/driver" 30 || { ERR="nvme did not bind $PF"; return 1; }
	echo 0 >"$PF/sriov_drivers_autoprobe"
	NT=$(cat "$PF/sriov_totalvfs")
	bench nvme.pf "${PF##*/}"
	bench nvme.totalvfs "$NT"
	for _n in 1 16 "$NT"; do
		sriov_cycles "$PF" "$_n" nvme || return 1
	done
	fsv_load num_vfs=1 2>/tmp/berr || { ERR="modprobe num_vfs=1: $(cat /tmp/berr)"; return 1; }
	echo 1 >"$PF/sriov_numvfs"
	cfg_cost
	_rc=$?
	echo 0 >"$PF/sriov_numvfs"
	fsv_unload
	[ "$_rc" = 0 ] || return 1
	_j=0
	while [ $_j -lt "$R" ]; do
		meminfo >"/tmp/m0.$_j"
		slabinfo >"/tmp/s0.$_j"
		echo "$NT" >"$PF/sriov_numvfs"
		meminfo >"/tmp/m1.$_j"
		slabinfo >"/tmp/s1.$_j"
		echo 0 >"$PF/sriov_numvfs"
		_j=$((_j + 1))
	done
	mem_report mem.nvme "$NT"
	[ ! -s /tmp/s0.0 ] || slab_report mem.nvme "$NT"
	if grep -qw function_graph $TR/available_tracers 2>/dev/null; then
		trace_on /tmp/traced && echo "$NT" >"$PF/sriov_numvfs"
		trace_off trace.nvme_enable "$NT"
		trace_on /tmp/traced && echo 0 >"$PF/sriov_numvfs"
		trace_off trace.nvme_disable "$NT"
		: >/tmp/tc
		: >/tmp/td
		_j=0
		while [ $_j -lt "$R" ]; do
			trace_on /tmp/traced "$TOP" && echo "$NT" >"$PF/sriov_numvfs"
			trace_off trace.top_nvme_enable "$NT" calls >>/tmp/tc
			trace_on /tmp/traced "$TOP" && echo 0 >"$PF/sriov_numvfs"
			trace_off trace.top_nvme_disable "$NT" calls >>/tmp/td
			_j=$((_j + 1))
		done
		trace_med /tmp/tc
		trace_med /tmp/td
	fi
}
if nvme_series; then
	ok "baseline: NVMe SR-IOV VFs through sriov_numvfs"
elif [ -z "${PF:-}" ] && [ "${ERR#no NVMe}" != "$ERR" ]; then
	bskip nvme "$ERR (QEMU without -device nvme,sriov_max_vfs=)"
	skip "baseline: NVMe SR-IOV VFs through sriov_numvfs" "$ERR"
else
	not_ok "baseline: NVMe SR-IOV VFs through sriov_numvfs" "$ERR"
fi
[ -z "${PF:-}" ] || echo 0 >"$PF/sriov_numvfs" 2>/dev/null

# 10: the module's SR-IOV mode (PFs with sriov_numvfs), when this version
# has it.
params=$(modinfo -p fake_sriov_vgpu 2>/dev/null | sed 's/:.*//' | xargs)
bench module.params "\"$params\""
missing=
for p in mode profiles num_pfs; do
	case " $params " in *" $p "*) ;; *) missing="$missing $p=" ;; esac
done
missing=${missing# }
fsv_pfs() {
	for _d in "$SYSPCI/$FSV_DOM":*; do [ -e "$_d/sriov_numvfs" ] && echo "$_d"; done
	return 0
}
sriov_series() {
	fsv_load mode=sriov profiles=l40s num_pfs=1 2>/tmp/berr || { ERR="modprobe mode=sriov profiles=l40s num_pfs=1: $(cat /tmp/berr)"; return 1; }
	FPF=$(fsv_pfs | head -n1)
	[ -n "$FPF" ] || { ERR="mode=sriov: no PF with sriov_numvfs in $FSV_DOM"; return 1; }
	FT=$(cat "$FPF/sriov_totalvfs")
	bench sriov.totalvfs "$FT"
	for _n in $SIZES; do
		[ "$_n" -le "$FT" ] || continue
		sriov_cycles "$FPF" "$_n" sriov || return 1
	done
	rmmod fake_sriov_vgpu
}
# 11: 1,024 VFs, 256 in each of four domains (num_domains=4 num_vfs=256):
# R loads timed to all ready (every VF has a driver, an IOMMU group and its
# /dev/vfio node, fsv-bench ready per domain from the same start) and R
# rmmods; udevd stopped. Four 128 GiB MMIO windows above 4 GiB fit the
# 40-bit physical address space QEMU TCG gives the guest (1 TiB; seven
# windows fit there), so the guest needs no -cpu phys-bits=.
domains_series() { # TAG [PARAM=V...]: domains.TAG.n1024.* (full: domains.n1024.*)
	_k=domains
	[ "$1" = full ] || _k=domains.$1
	shift
	: >/tmp/bl
	: >/tmp/by
	: >/tmp/br
	_i=0
	while [ $_i -lt "$R" ]; do
		_t0=$($B now)
		$B run modprobe fake_sriov_vgpu num_domains=4 num_vfs=256 "$@" >>/tmp/bl 2>/tmp/berr ||
			{ ERR="modprobe num_domains=4 num_vfs=256 $*: $(cat /tmp/berr)"; return 1; }
		# Ready means a /dev/vfio node too: only with VFIO (vfio=off
		# has the load time, modprobe returning with every VF bound).
		if [ "$_k" = domains ]; then
			for _d in 0001 0002 0003 0004; do
				$B ready "$_t0" "$_d" 256 $((60 * FSV_SLOW)) >/tmp/bo 2>/tmp/berr ||
					{ ERR="domain $_d: $(cat /tmp/berr)"; rmmod fake_sriov_vgpu; return 1; }
			done
			cat /tmp/bo >>/tmp/by
		fi
		# The driver's directory lists every function bound to it.
		_n=$(find "$SYSPCI"/ -maxdepth 1 -name '000[1-4]:*' | wc -l)
		_b=$(find /sys/bus/pci/drivers/nvidia/ -maxdepth 1 -name '000[1-4]:*' | wc -l)
		if [ "$_n" != 1024 ] || [ "$_b" != 1024 ]; then
			ERR="num_domains=4 num_vfs=256 $*: $_n functions, $_b bound to nvidia (not 1024)"
			rmmod fake_sriov_vgpu
			return 1
		fi
		$B run rmmod fake_sriov_vgpu >>/tmp/br 2>/tmp/berr ||
			{ ERR="rmmod with 1,024 VFs: $(cat /tmp/berr)"; return 1; }
		_i=$((_i + 1))
	done
	bench "$_k.n1024.load_ns" "$(med </tmp/bl)"
	[ "$_k" != domains ] || bench "$_k.n1024.ready_ns" "$(med </tmp/by)"
	bench "$_k.n1024.rmmod_ns" "$(med </tmp/br)"
}
# Where a 1,024-VF load's extra time per VF goes: the same load-time
# creation traced (the breakdown's filter) with 256 VFs in one domain and
# with 1,024 in four; the report lists the functions whose time per VF grew
# most (difference and ratio).
domains_trace() {
	[ -n "$TRACE_OK" ] || return 0
	for _n in 256 1024; do
		_p="num_vfs=256"
		[ "$_n" = 256 ] || _p="num_domains=4 num_vfs=256"
		trace_on /tmp/traced || { ERR="function_graph tracer refused"; return 1; }
		# shellcheck disable=SC2086 # the parameters, split on purpose
		modprobe fake_sriov_vgpu $_p 2>/tmp/berr ||
			{ trace_off x 1 >/dev/null; ERR="modprobe $_p under the tracer: $(cat /tmp/berr)"; return 1; }
		trace_off "trace.load$_n" "$_n"
		rmmod fake_sriov_vgpu || { ERR="rmmod after the traced $_p"; return 1; }
	done
}
if [ -n "$missing" ]; then
	bskip sriov "needs the module's SR-IOV mode: modinfo -p has no $missing"
	skip "SR-IOV mode: PF sriov_numvfs $SIZES" "modinfo -p has no $missing"
elif sriov_series; then
	ok "SR-IOV mode: PF sriov_numvfs $SIZES"
else
	not_ok "SR-IOV mode: PF sriov_numvfs $SIZES" "$ERR"
	fsv_unload
fi
case " $params " in
*" num_domains "*)
	# t(0) of four domains: what the three more root buses cost at load.
	if time_load domains4 0 num_domains=4 && time_load domains4.novfio 0 num_domains=4 vfio=off &&
		domains_series full && domains_series novfio vfio=off && domains_trace; then
		ok "1,024 VFs: num_domains=4 num_vfs=256, load to all ready and rmmod"
	else
		not_ok "1,024 VFs: num_domains=4 num_vfs=256, load to all ready and rmmod" "$ERR"
		fsv_unload
	fi
	;;
*)
	bskip domains "not supported by this module version: one PCI domain of 256 functions; 1,024 VFs need several domains (no num_domains= in modinfo -p)"
	skip "1,024 VFs: num_domains=4 num_vfs=256, load to all ready and rmmod" "no num_domains= in modinfo -p"
	;;
esac

# 12: the validator (--rules kubevirt-main: 6.1 has no /dev/vfio/devices
# nodes, which the default rule set asks for) on the real module with 256
# VFs against lspci -n (udevd running, as in production).
VAL=$(command -v fakesriov-validate || true)
if [ -z "$VAL" ] || ! command -v lspci >/dev/null; then
	_m=
	[ -n "$VAL" ] || _m="fakesriov-validate (make validator)"
	command -v lspci >/dev/null || _m="${_m:+$_m, }lspci"
	bskip validator "not in the guest: $_m"
	skip "validator vs lspci -n, 256 VFs" "not in the guest: $_m"
else
	udev_start
	sleep 1
	val_series() {
		fsv_load num_vfs=256 || { ERR="modprobe num_vfs=256"; return 1; }
		udevadm settle --timeout=120 2>/dev/null
		"$VAL" --rules kubevirt-main --expect 256 >/tmp/bo 2>&1 || { ERR="validator: $(tail -n 3 /tmp/bo | xargs)"; return 1; }
		: >/tmp/bv
		: >/tmp/bl
		_i=0
		while [ $_i -lt "$R" ]; do
			$B run "$VAL" --rules kubevirt-main --expect 256 >>/tmp/bv
			$B run lspci -n >>/tmp/bl
			_i=$((_i + 1))
		done
		bench validator.n256.validate_ns "$(med </tmp/bv)"
		bench validator.n256.lspci_ns "$(med </tmp/bl)"
		bench validator.pci_devices "$(find /sys/bus/pci/devices -mindepth 1 -maxdepth 1 | wc -l)"
		rmmod fake_sriov_vgpu
	}
	if val_series; then ok "validator vs lspci -n, 256 VFs"; else not_ok "validator vs lspci -n, 256 VFs" "$ERR"; fsv_unload; fi
	udev_stop
fi
ktap_finish
