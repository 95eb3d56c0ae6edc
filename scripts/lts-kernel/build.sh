#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Usage: scripts/lts-kernel/build.sh [OUTDIR]
# Builds the 5.15 LTS test kernel (the family of Ubuntu 22.04; RHEL 9's 5.14
# is its neighbour) as linux-image/linux-headers .debs, release
# 5.15.135-fsv-lts, from the linux-5.15.135 sources with lts.config merged
# over x86_64_defconfig + kvm_guest.config. No sanitizers. The VM harness
# uses them as kernel "5.15".
# Sources, first found: $SRC (an unpacked tree), $TARBALL
# (linux-5.15.135.tar.xz), $FSV_CACHE/linux-5.15.135.tar.xz, else a download
# from $FSV_KERNEL_ORG (default https://cdn.kernel.org/pub/linux/kernel),
# kept in the cache. Check a downloaded tarball against kernel.org's signed
# sha256sums.asc yourself: this script only checks that the tree is 5.15.135.
# OUTDIR defaults to ${FSV_CACHE:-~/.cache/fake-sriov-vgpu}/lts-kernel, where
# tests/vm finds them when ../shared/lts-kernel is absent.
# Needs (scripts/install-deps --debug-kernel): bc bison flex libelf-dev
# libssl-dev rsync kmod cpio dpkg-dev, gcc 12. About 20 minutes on 2 cores,
# ~2 GB of scratch space (WORK=dir).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ver=5.15.135
cache=${FSV_CACHE:-${HOME:-/root}/.cache/fake-sriov-vgpu}
out=${1:-$cache/lts-kernel}
work=${WORK:-$(mktemp -d)}
mkdir -p "$out" "$work"

if [ -n "${SRC:-}" ]; then
	src=$(cd "$SRC" && pwd)
else
	tarball=${TARBALL:-$cache/linux-$ver.tar.xz}
	if [ ! -e "$tarball" ]; then
		url=${FSV_KERNEL_ORG:-https://cdn.kernel.org/pub/linux/kernel}/v5.x/linux-$ver.tar.xz
		echo "downloading $url" >&2
		mkdir -p "$(dirname "$tarball")"
		curl -fL --retry 3 -o "$tarball.part" "$url" ||
			{ echo "cannot download $url: set TARBALL=<linux-$ver.tar.xz> or SRC=<tree>" >&2; exit 1; }
		mv "$tarball.part" "$tarball"
	fi
	tar -C "$work" -xf "$tarball"
	src=$work/linux-$ver
fi
if [ ! -f "$src/Makefile" ] || ! grep -q "^SUBLEVEL = ${ver##*.}\$" "$src/Makefile"; then
	echo "$src is not a linux-$ver tree" >&2
	exit 1
fi

cd "$src"
make -s x86_64_defconfig
./scripts/kconfig/merge_config.sh -m .config kernel/configs/kvm_guest.config "$here/lts.config" >/dev/null
make -s olddefconfig
make -s -j"${JOBS:-$(nproc)}" LOCALVERSION=-fsv-lts KDEB_PKGVERSION=$ver-fsv-lts-1 bindeb-pkg
cp .config "$out/config"
cp ../linux-image-$ver-fsv-lts_*.deb ../linux-headers-$ver-fsv-lts_*.deb "$out/"
rm -f "$out"/linux-image-*-dbg_*.deb
ls -l "$out"
