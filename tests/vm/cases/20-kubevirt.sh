#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# KubeVirt readiness (REFERENCE section 2): per-VF facts KubeVirt reads, and
# a shell re-implementation of both rule sets (shipped v1.9 and pull request
# #16710) after every scenario, checked against the validator when present.
# Then what Allocate hands the VM (REFERENCE section 8): the expectation is
# derived from what this kernel has (vfio-dev/ entries, their
# /dev/vfio/devices nodes), never from its version, and the validator's
# verdict under kubevirt-1.9.0, kubevirt-main and pr16710 must match it.
# budget: 150
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

ktap_plan 29
SEL=10de:1eb8
VALIDATE=$(command -v fakesriov-validate || true)

per_vf_facts() {
	bad=
	groups=
	for v in $(fsv_vfs); do
		d=$SYSPCI/$v
		g=$(group_of "$v")
		[ "$g" = - ] && bad="$bad $v:no-group"
		[ -e "/dev/vfio/$g" ] || bad="$bad $v:no-/dev/vfio/$g"
		# Every vfio-dev entry that is a device (has a dev number) has its
		# node. 6.1-6.5's VFIO core adds vfio-dev/vfioN with no cdev at all,
		# for every VFIO device alike.
		for e in "$d"/vfio-dev/*; do
			[ -e "$e/dev" ] || continue
			[ -c "/dev/vfio/devices/${e##*/}" ] || bad="$bad $v:vfio-dev-without-node"
		done
		cat "$d/numa_node" >/dev/null || bad="$bad $v:numa_node"
		[ "$(drv_of "$v")" = nvidia ] || bad="$bad $v:driver"
		[ -e "$d/sriov_totalvfs" ] && bad="$bad $v:sriov_totalvfs"
		for f in "$d"/virtfn*; do [ -e "$f" ] && bad="$bad $v:virtfn"; done
		groups="$groups $g"
	done
	n=$(echo "$groups" | wc -w)
	u=$(echo "$groups" | tr ' ' '\n' | sort -u | grep -c .)
	[ "$n" = "$u" ] || bad="$bad shared-groups"
	assert_eq "$1: per-VF facts" "" "$bad"
}

# scenario NAME EXPECTED: both rule sets (and the validator) find EXPECTED.
# The validator runs kubevirt-main: the same discovery as v1.9.0, without
# #18895 hiding the count on kernels with no VFIO cdev (allocate_checks
# covers that).
scenario() {
	assert_eq "$1: KubeVirt v1.9 rules discover $2" "$2" "$(kv_discover "$SEL" | wc -l | tr -d ' ')"
	assert_eq "$1: PR 16710 rules discover $2" "$2" "$(pr_discover "$SEL" | wc -l | tr -d ' ')"
	if [ -z "$VALIDATE" ]; then
		not_ok "$1: fakesriov-validate --rules kubevirt-main --expect $2" "no validator in the guest: build it first (make validator)"
	elif out=$("$VALIDATE" --rules kubevirt-main --expect "$2" 2>&1); then
		ok "$1: fakesriov-validate --rules kubevirt-main --expect $2"
	else
		echo "$out" | sed 's/^/# /'
		not_ok "$1: fakesriov-validate --rules kubevirt-main --expect $2"
	fi
}

# validate ARGS...: runs the validator; exit status in $vrc, output in $vout.
validate() {
	vrc=0
	vout=$("$VALIDATE" "$@" 2>&1) || vrc=$?
}

# allocate_checks: 6 results. Derives, per VF, whether every host path
# Allocate would hand exists: /dev/vfio/vfio and /dev/vfio/<group> under
# every set, plus /dev/vfio/devices/X for each vfio-dev/X under v1.9.0 (main
# leaves absent ones out, #16710's head hands none), then checks the
# validator's counts, gate and #18895 reasons against that.
allocate_checks() {
	n=0 base=0 v190=0 entries=0 miss=
	for v in $(fsv_vfs); do
		n=$((n + 1))
		g=$(group_of "$v")
		if [ ! -e /dev/vfio/vfio ] || [ ! -e "/dev/vfio/$g" ]; then continue; fi
		base=$((base + 1))
		whole=1
		for e in "$SYSPCI/$v"/vfio-dev/*; do
			[ -e "$e" ] || continue
			entries=$((entries + 1))
			[ -e "/dev/vfio/devices/${e##*/}" ] && continue
			whole=0
			miss="$miss /dev/vfio/devices/${e##*/}"
		done
		[ $whole = 1 ] && v190=$((v190 + 1))
	done
	miss=$(echo "$miss" | tr ' ' '\n' | sort | xargs)
	diag "$n VFs, $entries vfio-dev entries, absent cdev nodes: ${miss:-none}"
	if [ -z "$VALIDATE" ]; then
		for c in 1 2 3 4 5 6; do not_ok "allocate check $c" "no validator in the guest: build it first (make validator)"; done
		return 0
	fi
	# The count each set allocates, and the gate for all of them.
	for set in kubevirt-1.9.0 kubevirt-main pr16710; do
		exp=$base
		[ $set = kubevirt-1.9.0 ] && exp=$v190
		validate --rules "$set" --expect "$exp"
		[ "$vrc" = 0 ] || echo "$vout" | sed 's/^/# /'
		assert_eq "$set: $exp of $n discovered and allocatable" 0 "$vrc"
	done
	gate=0
	[ "$v190" = "$n" ] || gate=1
	validate --rules kubevirt-1.9.0 --expect "$n"
	assert_eq "kubevirt-1.9.0: gate --expect $n exits $gate" "$gate" "$vrc"
	named=$(echo "$vout" | sed -n 's|.*Allocate hands \(/dev/vfio/devices/[^,]*\), which does not exist.*(kubevirt issue #18895).*|\1|p' | sort | xargs)
	assert_eq "kubevirt-1.9.0: #18895 reason names each absent cdev node" "$miss" "$named"
	validate --rules kubevirt-main --expect "$n"
	rc=$vrc
	case $vout in
	*"#18895"*) rc="$rc, #18895 reported" ;;
	esac
	gate=0
	[ "$base" = "$n" ] || gate=1
	assert_eq "kubevirt-main: gate --expect $n exits $gate, no #18895" "$gate" "$rc"
}

fsv_load num_vfs=4 vgpu_type=256
per_vf_facts "4 x 256"
scenario "4 x 256" 4
allocate_checks
# Unbinding one from the driver removes it from discovery.
wr "$SYSPCI"/0001:00:03.0/driver/unbind 0001:00:03.0
scenario "one unbound" 3
if [ "$(group_of 0001:00:03.0)" != - ]; then ok "an unbound VF keeps a group"; else not_ok "an unbound VF keeps a group"; fi
fsv_unload

fsv_load num_vfs=4 vgpu_type=0
per_vf_facts "type 0"
scenario "type 0" 0
fsv_unload

fsv_load vfs=256,0,512
per_vf_facts "256,0,512"
scenario "256,0,512" 2
assert_eq "the type-0 VF is the one skipped" "0001:00:00.0 0001:00:02.0" "$(kv_discover "$SEL" | cut -d' ' -f1 | xargs)"
# Setting a type at run time makes it discoverable.
wr "$SYSPCI"/0001:00:01.0/nvidia/current_vgpu_type 256
scenario "type set at run time" 3
fsv_unload

# Other profiles use their own device ID as the selector.
fsv_load num_vfs=2 profile=l40s vgpu_type=1145
assert_eq "l40s: 10de:26b9 selector discovers 2" 2 "$(kv_discover 10de:26b9 | wc -l | tr -d ' ')"
assert_eq "l40s: the T4 selector discovers none" 0 "$(kv_discover "$SEL" | wc -l | tr -d ' ')"
fsv_unload

fsv_load num_vfs=2 vfio=off
assert_eq "vfio=off: no /dev/vfio node, KubeVirt would mark them unhealthy" 0 "$(kv_discover "$SEL" | wc -l | tr -d ' ')"
ktap_finish
