#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# KubeVirt readiness (REFERENCE section 2): per-VF facts KubeVirt reads, and
# a shell re-implementation of both rule sets (shipped v1.9 and pull request
# #16710) after every scenario, checked against the validator when present.
# budget: 150
# Guest paths and values have no blanks or globs: words are split on purpose.
# shellcheck disable=SC1091,SC2086,SC2012,SC2010,SC2116
. /tests/lib.sh
. /tests/fsv.sh

ktap_plan 23
SEL=10de:1eb8
VALIDATE=$(command -v fakesriov-validate || true)

per_vf_facts() {
	bad=
	groups=
	for v in $(fsv_vfs); do
		d=$SYSPCI/$v
		g=$(group_of $v)
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
		[ "$(drv_of $v)" = nvidia ] || bad="$bad $v:driver"
		[ -e "$d/sriov_totalvfs" ] && bad="$bad $v:sriov_totalvfs"
		ls "$d" | grep -q '^virtfn' && bad="$bad $v:virtfn"
		groups="$groups $g"
	done
	n=$(echo $groups | wc -w)
	u=$(echo $groups | tr ' ' '\n' | sort -u | grep -c .)
	[ "$n" = "$u" ] || bad="$bad shared-groups"
	assert_eq "$1: per-VF facts" "" "$bad"
}

# scenario NAME EXPECTED: both rule sets (and the validator) find EXPECTED.
scenario() {
	assert_eq "$1: KubeVirt v1.9 rules discover $2" "$2" "$(kv_discover $SEL | wc -l | tr -d ' ')"
	assert_eq "$1: PR 16710 rules discover $2" "$2" "$(pr_discover $SEL | wc -l | tr -d ' ')"
	if [ -z "$VALIDATE" ]; then
		skip "$1: fakesriov-validate --expect $2" "validator not in the guest"
	elif out=$("$VALIDATE" --expect "$2" 2>&1); then
		ok "$1: fakesriov-validate --expect $2"
	else
		echo "$out" | sed 's/^/# /'
		not_ok "$1: fakesriov-validate --expect $2"
	fi
}

fsv_load num_vfs=4 vgpu_type=256
per_vf_facts "4 x 256"
scenario "4 x 256" 4
# Unbinding one from the driver removes it from discovery.
wr $SYSPCI/0001:00:03.0/driver/unbind 0001:00:03.0
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
assert_eq "the type-0 VF is the one skipped" "0001:00:00.0 0001:00:02.0" "$(kv_discover $SEL | cut -d' ' -f1 | xargs)"
# Setting a type at run time makes it discoverable.
wr $SYSPCI/0001:00:01.0/nvidia/current_vgpu_type 256
scenario "type set at run time" 3
fsv_unload

# Other profiles use their own device ID as the selector.
fsv_load num_vfs=2 profile=l40s vgpu_type=1145
assert_eq "l40s: 10de:26b9 selector discovers 2" 2 "$(kv_discover 10de:26b9 | wc -l | tr -d ' ')"
assert_eq "l40s: the T4 selector discovers none" 0 "$(kv_discover $SEL | wc -l | tr -d ' ')"
fsv_unload

fsv_load num_vfs=2 vfio=off
assert_eq "vfio=off: no /dev/vfio node, KubeVirt would mark them unhealthy" 0 "$(kv_discover $SEL | wc -l | tr -d ' ')"
ktap_finish
