#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Kernels under test: download Debian's kernel packages into the cache, extract
# them, and build a module against them. Sourced by tests/vm/run and
# tests/vm/fetch; every function works on ${FSV_CACHE}.
#
#   5.10 -> bullseye   6.1 -> bookworm   6.12 -> trixie   sid -> sid (newest)
#   5.15  -> the 5.15 LTS kernel from ../shared/lts-kernel (or the cache)
#   debug -> the sanitizer kernel from ../shared/debug-kernel (or the cache)
#
# Cache layout:
#   $FSV_CACHE/apt/<suite>/            private apt state (sources, lists, debs)
#   $FSV_CACHE/kernels/<alias>.krel    resolved release of an alias
#   $FSV_CACHE/kernels/<krel>/root/    extracted image + headers (+ .complete)
#   $FSV_CACHE/chroot/<suite>/         mmdebstrap chroot (trixie, sid compiler)
#   $FSV_CACHE/locks/                  flock files

: "${FSV_CACHE:=${HOME:-/root}/.cache/fake-sriov-vgpu}"
export FSV_CACHE
FSV_ARCH=amd64

fsv_log() { echo "# $*" >&2; }
fsv_die() { echo "error: $*" >&2; exit 1; }

# fsv_probes FILE: conftest.h's answers on one line ("FEATURE=y|n ...").
fsv_probes() {
	sed -n 's|^#define FSV_HAVE_\([A-Z0-9_]*\) 1$|\1=y|p; s|^/\* #undef FSV_HAVE_\([A-Z0-9_]*\) \*/$|\1=n|p' "$1" | tr '\n' ' '
}

# fsv_lock NAME CMD...: run CMD under an exclusive lock on NAME.
fsv_lock() {
	local name=$1; shift
	mkdir -p "$FSV_CACHE/locks"
	(
		flock 9
		"$@"
	) 9>"$FSV_CACHE/locks/$name.lock"
}

fsv_suite_of() {
	case $1 in
	5.10) echo bullseye ;;
	6.1) echo bookworm ;;
	6.12) echo trixie ;;
	sid) echo sid ;;
	*) return 1 ;;
	esac
}

# Suites whose kernel headers need a newer compiler/glibc than the host has.
fsv_needs_chroot() {
	case $1 in
	trixie | sid) return 0 ;;
	*) return 1 ;;
	esac
}

# The Debian archive to use: $FSV_DEBIAN_MIRROR, else the first non-security
# Debian archive in the host's own apt sources.
fsv_mirror() {
	if [ -n "${FSV_DEBIAN_MIRROR:-}" ]; then
		echo "${FSV_DEBIAN_MIRROR%/}"
		return
	fi
	local uri
	uri=$(
		{
			cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
				awk 'tolower($1)=="uris:" { for (i = 2; i <= NF; i++) print $i }'
			cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
				awk '$1=="deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break } }'
		} | grep -E '/debian/?$' | grep -v -- '-security' | head -n1
	)
	[ -n "$uri" ] || fsv_die "no Debian archive found in /etc/apt/sources*; set FSV_DEBIAN_MIRROR=<archive URL>"
	echo "${uri%/}"
}

# The Debian security archive from the host's apt sources (may be empty).
fsv_security_mirror() {
	if [ -n "${FSV_DEBIAN_SECURITY_MIRROR+x}" ]; then
		echo "${FSV_DEBIAN_SECURITY_MIRROR%/}"
		return
	fi
	{
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
			awk 'tolower($1)=="uris:" { for (i = 2; i <= NF; i++) print $i }'
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1=="deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break } }'
	} | grep -E '/debian-security/?$' | head -n1 | sed 's|/$||'
}

fsv_keyring() {
	local k=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$k" ] || fsv_die "$k missing: install debian-archive-keyring (scripts/install-deps)"
	echo "$k"
}

# fsv_apt SUITE ARGS...: apt-get/apt-cache with the suite's private state.
fsv_apt_opts() {
	local d=$FSV_CACHE/apt/$1
	printf '%s\n' -o "Dir::State=$d/state" -o "Dir::Cache=$d/cache" \
		-o "Dir::State::status=$d/status" \
		-o "Dir::Etc::SourceList=$d/sources.list" \
		-o "Dir::Etc::SourceParts=$d/empty" \
		-o "Dir::Etc::Preferences=$d/empty/preferences" \
		-o "Dir::Etc::PreferencesParts=$d/empty" \
		-o "APT::Architecture=$FSV_ARCH" -o "APT::Architectures=$FSV_ARCH" \
		-o "APT::Sandbox::User=root" -o "Acquire::Languages=none" \
		-o "Acquire::Check-Valid-Until=false" -o "Debug::NoLocking=true"
}
fsv_apt_get() {
	local s=$1; shift
	local -a o
	mapfile -t o < <(fsv_apt_opts "$s")
	apt-get -q "${o[@]}" "$@"
}
fsv_apt_cache() {
	local s=$1; shift
	local -a o
	mapfile -t o < <(fsv_apt_opts "$s")
	apt-cache "${o[@]}" "$@"
}

fsv_apt_setup() {
	local s=$1 d=$FSV_CACHE/apt/$1
	mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial" "$d/empty" "$d/debs"
	local sec
	sec=$(fsv_security_mirror)
	{
		echo "deb [signed-by=$(fsv_keyring)] $(fsv_mirror) $s main"
		if [ "$s" != sid ] && [ -n "$sec" ]; then
			echo "deb [signed-by=$(fsv_keyring)] $sec $s-security main"
		fi
	} >"$d/sources.list"
	: >"$d/status"
}

# Refresh the suite's package lists at most once per FSV_REFRESH_HOURS (24).
fsv_apt_update() {
	local s=$1 d=$FSV_CACHE/apt/$1 stamp
	fsv_apt_setup "$s"
	stamp=$d/updated
	if [ -e "$stamp" ] && [ -z "${FSV_REFRESH:-}" ] &&
		[ "$(find "$stamp" -mmin -$((${FSV_REFRESH_HOURS:-24} * 60)) | wc -l)" -gt 0 ]; then
		return 0
	fi
	[ -n "${FSV_OFFLINE:-}" ] && [ -e "$stamp" ] && return 0
	fsv_log "apt update ($s, $(fsv_mirror))"
	if fsv_apt_get "$s" update >"$d/update.log" 2>&1; then
		touch "$stamp"
	elif [ -e "$stamp" ]; then
		fsv_log "apt update for $s failed; using the cached lists"
	else
		cat "$d/update.log" >&2
		fsv_die "apt update for $s failed"
	fi
}

# Newest kernel release of a suite (e.g. 6.1.0-56-amd64) from linux-image-amd64.
fsv_resolve_krel() {
	local s=$1 pkg
	pkg=$(fsv_apt_cache "$s" depends linux-image-amd64 2>/dev/null |
		awk '$1 ~ /Depends:/ && $2 ~ /^linux-image-[0-9]/ { print $2 }' |
		sort -V | tail -n1)
	[ -n "$pkg" ] || fsv_die "cannot resolve linux-image-amd64 in $s"
	echo "${pkg#linux-image-}"
}

# Package names needed for KREL: image (+ sid's binary/modules split),
# headers, headers-common, kbuild.
fsv_kernel_pkgs() {
	local s=$1 krel=$2
	fsv_apt_cache "$s" depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances \
		"linux-image-$krel" "linux-headers-$krel" 2>/dev/null |
		grep -E '^linux-(image|binary|modules|headers|kbuild)-[0-9]' |
		grep -v -e '-dbg$' -e '-unsigned$' | sort -u
}

# Extract the debs into root/ and make the tree usable from there.
fsv_extract() {
	local kdir=$1 krel=$2 deb
	rm -rf "$kdir/root"
	mkdir -p "$kdir/root"
	for deb in "$kdir"/debs/*.deb; do
		dpkg-deb -x "$deb" "$kdir/root"
	done
	# Headers' Makefiles include the common tree by absolute path.
	grep -rlZ --include=Makefile -e '/usr/src/linux-headers' "$kdir/root/usr/src" 2>/dev/null |
		xargs -0 -r sed -i "s|\([^/a-zA-Z0-9_.-]\)/usr/src/linux-headers|\1$kdir/root/usr/src/linux-headers|g"
	if [ -d "$kdir/root/lib/modules/$krel" ]; then
		depmod -b "$kdir/root" "$krel"
	else
		depmod -b "$kdir/root/usr" "$krel" 2>/dev/null
	fi
	touch "$kdir/root/.complete"
}

fsv_fetch_debian() {
	local alias=$1 s krel kdir
	s=$(fsv_suite_of "$alias")
	fsv_apt_update "$s"
	if [ -n "${FSV_OFFLINE:-}" ] && [ -s "$FSV_CACHE/kernels/$alias.krel" ]; then
		krel=$(cat "$FSV_CACHE/kernels/$alias.krel")
	else
		krel=$(fsv_resolve_krel "$s")
	fi
	kdir=$FSV_CACHE/kernels/$krel
	if [ ! -e "$kdir/root/.complete" ]; then
		local -a pkgs
		mapfile -t pkgs < <(fsv_kernel_pkgs "$s" "$krel")
		[ ${#pkgs[@]} -ge 3 ] || fsv_die "incomplete package set for $krel: ${pkgs[*]}"
		fsv_log "downloading $alias ($krel): ${pkgs[*]}"
		rm -rf "$kdir/debs"
		mkdir -p "$kdir/debs"
		(cd "$kdir/debs" && fsv_apt_get "$s" download "${pkgs[@]}" >"$kdir/download.log" 2>&1) ||
			{ cat "$kdir/download.log" >&2; fsv_die "download of $krel failed"; }
		fsv_extract "$kdir" "$krel"
	fi
	echo "$krel" >"$FSV_CACHE/kernels/$alias.krel"
}

# Kernels built from source by the project's recipes (scripts/<dir>/build.sh),
# kept as linux-image/linux-headers .debs: "debug" (the sanitizer kernel,
# debug-kernel) and "5.15" (the 5.15 LTS kernel, lts-kernel).
fsv_local_dir_of() {
	case $1 in
	debug) echo debug-kernel ;;
	5.15) echo lts-kernel ;;
	*) return 1 ;;
	esac
}

# fsv_local_debs_dir ALIAS: where ALIAS's .debs are: $FSV_DEBUG_KERNEL_DIR /
# $FSV_LTS_KERNEL_DIR, else ../shared/<dir> beside the repo, else
# $FSV_CACHE/<dir> (where make debug-kernel / make lts-kernel put them).
fsv_local_debs_dir() {
	local sub top d env
	sub=$(fsv_local_dir_of "$1") || return 1
	case $1 in
	debug) env=${FSV_DEBUG_KERNEL_DIR:-} ;;
	*) env=${FSV_LTS_KERNEL_DIR:-} ;;
	esac
	top=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel 2>/dev/null || true)
	for d in $env ${top:+$top/../shared/$sub} "$FSV_CACHE/$sub"; do
		if compgen -G "$d/linux-image-*.deb" >/dev/null; then
			(cd "$d" && pwd)
			return 0
		fi
	done
	return 1
}

# fsv_local_missing ALIAS: why ALIAS cannot be had, for a SKIP line.
fsv_local_missing() {
	local sub
	sub=$(fsv_local_dir_of "$1")
	echo "no $1 kernel: neither ../shared/$sub nor \$FSV_CACHE/$sub has its packages; build it with 'make $sub'"
}

fsv_fetch_local() {
	local alias=$1 src img krel kdir
	src=$(fsv_local_debs_dir "$alias") || return 3
	img=$(find "$src" -maxdepth 1 -name 'linux-image-*.deb' ! -name '*-dbg_*' | sort -V | tail -n1)
	krel=$(dpkg-deb -f "$img" Package)
	krel=${krel#linux-image-}
	kdir=$FSV_CACHE/kernels/$krel
	if [ ! -e "$kdir/root/.complete" ] || [ "$img" -nt "$kdir/root/.complete" ]; then
		fsv_log "extracting $alias kernel $krel from $src"
		rm -rf "$kdir/debs"
		mkdir -p "$kdir/debs"
		cp "$img" "$src"/linux-headers-"$krel"_*.deb "$kdir/debs/"
		fsv_extract "$kdir" "$krel"
	fi
	echo "$krel" >"$FSV_CACHE/kernels/$alias.krel"
}

# fsv_fetch ALIAS: make the kernel available; prints its release.
# Returns 3 when a locally built kernel (debug, 5.15) is not available.
fsv_fetch() {
	local alias=$1 rc=0
	case $alias in
	debug | 5.15) fsv_lock "kernel-$alias" fsv_fetch_local "$alias" || rc=$? ;;
	*)
		fsv_suite_of "$alias" >/dev/null || fsv_die "unknown kernel '$alias' (5.10 5.15 6.1 6.12 sid debug)"
		fsv_lock "kernel-$alias" fsv_fetch_debian "$alias" || rc=$?
		;;
	esac
	[ "$rc" = 0 ] || return "$rc"
	cat "$FSV_CACHE/kernels/$alias.krel"
}

fsv_kroot() { echo "$FSV_CACHE/kernels/$1/root"; }

# vmlinuz of a release inside its extracted root.
fsv_vmlinuz() {
	local r
	r=$(fsv_kroot "$1")
	for f in "$r/boot/vmlinuz-$1" "$r/usr/lib/modules/$1/vmlinuz" "$r/lib/modules/$1/vmlinuz"; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# Module tree of a release (lib/modules or usr/lib/modules).
fsv_moddir() {
	local r
	r=$(fsv_kroot "$1")
	if [ -d "$r/lib/modules/$1/kernel" ]; then echo "$r/lib/modules/$1"; else echo "$r/usr/lib/modules/$1"; fi
}

fsv_headers() { echo "$(fsv_kroot "$1")/usr/src/linux-headers-$1"; }

# Chroot with the suite's compiler and the kernel's headers installed at their
# real paths (their modpost/objtool need the suite's glibc).
fsv_chroot_make() {
	local s=$1 krel=$2 c=$FSV_CACHE/chroot/$1
	if [ ! -e "$c/.complete-$krel" ]; then
		if [ ! -e "$c/.complete" ]; then
			fsv_log "creating $s chroot (once, ~2 min)"
			rm -rf "$c"
			mkdir -p "$FSV_CACHE/chroot"
			mmdebstrap --variant=apt --quiet --aptopt='Acquire::Check-Valid-Until "false"' \
				--keyring="$(fsv_keyring)" --include=make,gcc,libc6-dev,kmod \
				"$s" "$c" "deb $(fsv_mirror) $s main" >"$FSV_CACHE/chroot/$s.log" 2>&1 ||
				{ tail -20 "$FSV_CACHE/chroot/$s.log" >&2; fsv_die "mmdebstrap $s failed"; }
			touch "$c/.complete"
		fi
		fsv_log "installing linux-headers-$krel in the $s chroot"
		# (INITRD=No: the headers pull in the image; skip its initramfs.)
		# The same archives as the kernel download (security included).
		fsv_apt_setup "$s"
		mkdir -p "$c/usr/share/keyrings"
		cp "$(fsv_keyring)" "$c/usr/share/keyrings/debian-archive-keyring.gpg"
		cp "$FSV_CACHE/apt/$s/sources.list" "$c/etc/apt/sources.list"
		rm -f "$c"/etc/apt/sources.list.d/*
		chroot "$c" apt-get -q -o Acquire::Check-Valid-Until=false update >/dev/null 2>&1 || true
		chroot "$c" env DEBIAN_FRONTEND=noninteractive INITRD=No apt-get -q -y install \
			--no-install-recommends "linux-headers-$krel" >"$FSV_CACHE/chroot/$s-$krel.log" 2>&1 ||
			{ tail -20 "$FSV_CACHE/chroot/$s-$krel.log" >&2; fsv_die "headers install in $s chroot failed"; }
		touch "$c/.complete-$krel"
	fi
}

# fsv_build_module ALIAS KREL SRCDIR OUTDIR [MAKEARGS...]
# Builds the out-of-tree module in SRCDIR against KREL's headers the way the
# kernel documents it (make -C <headers> M=<dir> modules: Kbuild, not
# SRCDIR's Makefile, runs everything, the feature probes included); copies
# the resulting *.ko, and conftest.h where the build made one, into OUTDIR.
# The module source is copied; the tree is never written to.
fsv_build_module() {
	local alias=$1 krel=$2 src=$3 out=$4; shift 4
	local s tmp
	mkdir -p "$out"
	s=$(fsv_suite_of "$alias" 2>/dev/null || echo host)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsv-build.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" RETURN
	if fsv_needs_chroot "$s"; then
		fsv_lock "chroot-$s" fsv_chroot_make "$s" "$krel"
		local c=$FSV_CACHE/chroot/$s b
		b=$(mktemp -d "$c/tmp/build.XXXXXX")
		cp -a "$src/." "$b/"
		if [ -e "$src/../VERSION" ]; then cp "$src/../VERSION" "$b/VERSION"; fi
		local rc=0
		# objtool and friends want /proc: a private mount namespace.
		# shellcheck disable=SC2016
		unshare --mount --propagation private -- sh -c \
			'mount -t proc proc "$1/proc" && exec chroot "$@"' sh "$c" \
			make -C "/usr/src/linux-headers-$krel" M="${b#"$c"}" -j"${FSV_JOBS:-2}" \
			"$@" modules || rc=$?
		find "$b" \( -name '*.ko' -o -name conftest.h \) -exec cp {} "$out/" \;
		rm -rf "$b"
		return "$rc"
	fi
	cp -a "$src/." "$tmp/"
	if [ -e "$src/../VERSION" ]; then cp "$src/../VERSION" "$tmp/VERSION"; fi
	# Headers that name a compiler the host lacks (5.10: gcc-10): use gcc.
	local kv cc
	kv=$(fsv_headers "$krel")/.kernelvariables
	if [ -e "$kv" ]; then
		cc=$(sed -n 's/^CC = .*gcc-\([0-9][0-9]*\).*/gcc-\1/p' "$kv" | head -n1)
		if [ -n "$cc" ] && ! command -v "$cc" >/dev/null; then
			set -- CC=gcc "$@"
		fi
	fi
	make -C "$(fsv_headers "$krel")" M="$tmp" -j"${FSV_JOBS:-2}" "$@" modules || return
	find "$tmp" \( -name '*.ko' -o -name conftest.h \) -exec cp {} "$out/" \;
}
