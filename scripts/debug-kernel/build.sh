#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Usage: scripts/debug-kernel/build.sh [OUTDIR]
# Builds the sanitizer kernel (KASAN, UBSAN, lockdep, kmemleak,
# DEBUG_KOBJECT_RELEASE, ...) as linux-image/linux-headers .debs from Debian's
# linux-source-6.1, with debug.config merged over x86_64_defconfig +
# kvm_guest.config. The VM harness uses them as kernel "debug".
# OUTDIR defaults to ${FSV_CACHE:-~/.cache/fake-sriov-vgpu}/debug-kernel, where
# tests/vm finds them when ../shared/debug-kernel is absent.
# Needs (scripts/install-deps --debug-kernel): linux-source-6.1 bc bison flex
# libelf-dev libssl-dev dwarves rsync kmod cpio dpkg-dev debhelper.
# Takes about 20 minutes on 2 cores, ~3 GB of scratch space (WORK=dir).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-${FSV_CACHE:-${HOME:-/root}/.cache/fake-sriov-vgpu}/debug-kernel}
src=$(find /usr/src -maxdepth 1 -name 'linux-source-6.1*.tar.xz' | sort -V | tail -n1)
[ -n "$src" ] || { echo "no /usr/src/linux-source-6.1*.tar.xz: apt-get install linux-source-6.1" >&2; exit 1; }
work=${WORK:-$(mktemp -d)}
mkdir -p "$out"
tar -C "$work" -xf "$src"
cd "$work"/linux-source-6.1*/
make -s x86_64_defconfig
./scripts/kconfig/merge_config.sh -m .config kernel/configs/kvm_guest.config "$here/debug.config" >/dev/null
make -s olddefconfig
make -s -j"${JOBS:-$(nproc)}" bindeb-pkg
cp .config "$out/config"
cp ../linux-image-*.deb ../linux-headers-*.deb "$out/"
rm -f "$out"/linux-image-*-dbg_*.deb
ls -l "$out"
