#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# The README's examples, run as root in the guest: every fenced block
# annotated "<!-- doc-test: vm ... -->" (tests/sections/docs --help), in the
# README's order, as a user would type them, so the docs cannot rot. One
# result per block, named by its README line. Before each block the module
# is unloaded (configfs items removed first), the modprobe.d file removed and
# the kernel log set aside: a fresh host with the module installed; "cont" in
# the annotation keeps the previous block's state instead. "file=NAME"
# blocks (a KubeVirt CR) are written to NAME in the blocks' working
# directory, not run. A command a block runs that the guest lacks is a SKIP
# when the annotation lists it in needs=, else a failure. Lines "CMD # => TEXT"
# check CMD's output (tests/docs/blocks.awk). "kernel=X.Y" blocks are a SKIP
# on older kernels. The kernel log set aside is
# scanned for BUG/WARNING/... at the end (one more result), as the runner
# would have.
# needs: readme
# budget: 120
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

R=/tests/readme
W=/tmp/readme
CONF=/etc/modprobe.d/fake-sriov-vgpu.conf
rm -rf "$W"
mkdir -p "$W/blocks" "$W/work"

if [ ! -r "$R/README.md" ] || [ ! -r "$R/blocks.awk" ]; then
	ktap_plan 1
	not_ok "README blocks" "no $R/README.md or blocks.awk: tests/vm/run copies them for a case with '# needs: readme'"
	ktap_finish
fi
if ! awk -v mode=extract -v out="$W/blocks" -f "$R/blocks.awk" "$R/README.md" 2>"$W/extract.err"; then
	ktap_plan 1
	sed 's/^/# /' "$W/extract.err"
	not_ok "README blocks" "extracting the code blocks failed"
	ktap_finish
fi
# The vm blocks, and how many of them run (file= blocks are only written).
awk -F '\t' '$1 == "block" && ($4 == "vm" || $4 ~ /^vm /)' "$W/blocks/index" >"$W/vm.index"
runs=$(grep -cv '	vm .*file=' "$W/vm.index")
if [ "$runs" = 0 ]; then
	ktap_plan 1
	not_ok "README vm blocks" "the README has no block annotated <!-- doc-test: vm -->"
	ktap_finish
fi
ktap_plan $((runs + 1))

# opt SPEC KEY: the value of KEY=VALUE in the annotation.
opt() { echo " $1" | sed -n "s/.*[[:space:]]$2=\([^[:space:]]*\).*/\1/p" | head -n1; }

# fresh: the module unloaded, no modprobe.d file, the kernel log kept aside.
fresh() {
	dmesg -c >>"$W/klog" 2>/dev/null
	fsv_unload >/dev/null 2>&1
	rm -f "$CONF"
	dmesg -c >>"$W/klog" 2>/dev/null
}

fresh
while IFS='	' read -r _kind line lang spec; do
	name="README.md:$line"
	body=$W/blocks/L$line
	file=$(opt "$spec" file)
	if [ -n "$file" ]; then
		cp "$body" "$W/work/$file"
		diag "$name ($lang): written to $file"
		continue
	fi
	case " $spec " in *" cont "*) ;; *) fresh ;; esac
	needs=$(opt "$spec" needs)
	# kernel=X.Y: the block needs Linux X.Y or later (mode=mdev: 6.1).
	mink=$(opt "$spec" kernel)
	if [ -n "$mink" ] && ! kernel_at_least "$mink"; then
		skip "$name" "needs Linux $mink or later (this guest runs $KREL)"
		continue
	fi
	undeclared='' declared=''
	awk -v mode=commands -f "$R/blocks.awk" "$body" >"$W/cmds"
	while read -r w; do
		command -v "$w" >/dev/null 2>&1 && continue
		case ",$needs," in
		*",$w,"*) declared="$declared $w" ;;
		*) undeclared="$undeclared $w" ;;
		esac
	done <"$W/cmds"
	if [ -n "$undeclared" ]; then
		not_ok "$name" "runs$undeclared, which the guest does not have: fix the command, add it to the initramfs (tests/vm/run) or declare needs="
		continue
	fi
	if [ -n "$declared" ]; then
		skip "$name" "needs$declared, not in the guest"
		continue
	fi
	awk -v mode=script -v target=vm -v first=$((line + 1)) -f "$R/blocks.awk" "$body" >"$W/L$line.sh"
	rc=0
	(cd "$W/work" && timeout $((60 * FSV_SLOW)) sh -e -o pipefail "$W/L$line.sh") </dev/null >"$W/out" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		grep '^README line' "$W/out" | sed 's/^/# /'
		ok "$name"
	else
		tail -n 25 "$W/out" | sed 's/^/# /'
		if [ "$rc" = 124 ] || [ "$rc" = 143 ]; then
			not_ok "$name" "timeout after $((60 * FSV_SLOW)) s"
		else
			not_ok "$name" "exit status $rc: $(grep '^README line' "$W/out" | tail -n1)"
		fi
	fi
done <"$W/vm.index"
fresh

if grep -Eq "$FSV_BAD" "$W/klog"; then
	grep -E -A20 "$FSV_BAD" "$W/klog" | head -40 | sed 's/^/# kernel: /'
	not_ok "kernel log during the README blocks" "$(grep -Em1 "$FSV_BAD" "$W/klog")"
else
	ok "kernel log during the README blocks: none of the failure patterns (patterns.sh)"
fi
ktap_finish
