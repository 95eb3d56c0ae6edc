# SPDX-License-Identifier: Apache-2.0
#
# fake-sriov-vgpu: top-level targets.
#   make               module + validator
#   make module        build src/ against KDIR (default: the running kernel's
#                      build dir; or KVER=<release>)
#   make validator     cmake --preset release + cmake --build --preset release:
#                      build/release/ (PRESET=debug or asan: another preset)
#   make packages      validator + cpack: build/packages/*.deb, *.rpm
#   make deps          install what is missing to build and test (scripts/install-deps)
#   make demo          boot a 6.1 VM, load the module with 4 VFs, show them
#   make check         every test section; ends with "N passed, N failed"
#                      KERNELS="6.1" CASES="10-load" narrow the VM tests
#   make check-vm      only the VM tests (sections vm and sanitizer)
#   make check-harness the harness self-test (broken modules must fail)
#   make stress        the stress cases (tests/README.md) on every kernel
#                      with FSV_STRESS=10; KERNELS="6.1" narrows it
#   make check-packages-full  the packaging end-to-end test with the slow
#                      steps (missing headers, new kernel, rpm upgrade)
#   make rpm-repo      packages + a dnf repository in build/rpm-repo
#   make deploy-image  packages + the DaemonSet's node image (mmdebstrap +
#                      buildah) in build/deploy/ (docs/deploy.md)
#   make check-deploy  the deploy section (image, manifests, VM end to end)
#   make fetch-kernels download the kernels under test into the cache
#   make debug-kernel  build the sanitizer kernel (slow, ~20 min)
#   make lts-kernel    build the 5.15 LTS test kernel (slow, ~20 min)
#   make bench         tests/bench/run: module and validator benchmark,
#                      table + bench/results.json (tests/README.md)
#   make clean
.PHONY: all module validator packages demo check check-vm check-harness stress \
	check-packages-full rpm-repo deploy-image check-deploy fetch-kernels debug-kernel lts-kernel bench clean \
	deps help

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
# The validator's CMake preset (CMakePresets.json); it builds in build/PRESET.
PRESET ?= release
# Where the packages, the rpm repository and the node image go.
BUILD_DIR ?= build
JOBS ?= 2
export KERNELS CASES FSV_CACHE

all: module validator

help:
	@awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' Makefile

module:
	$(MAKE) -C src KDIR=$(KDIR)

validator:
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET) -j$(JOBS)

packages: validator
	cd build/$(PRESET) && cpack -B $(abspath $(BUILD_DIR))/packages

deps:
	@scripts/install-deps --check >/dev/null || scripts/install-deps

demo: deps
	-@$(MAKE) --no-print-directory validator >/dev/null 2>&1 || \
		echo "note: validator build failed; the demo runs without it"
	tests/vm/run --demo --kernels "$(or $(KERNELS),6.1)"

check: deps
	tests/check

check-vm: deps
	tests/check vm sanitizer

check-harness: deps
	tests/sections/harness

# Ten times the counts of make check; the cases' budgets assume FSV_STRESS=1,
# so the per-case and per-boot timeouts are raised to match.
STRESS_CASES ?= 30 31 32 33 34
stress: deps
	FSV_STRESS=$${FSV_STRESS:-10} FSV_CASE_TIMEOUT=$${FSV_CASE_TIMEOUT:-3600} \
	FSV_BOOT_TIMEOUT=$${FSV_BOOT_TIMEOUT:-14400} \
		tests/vm/run --cases "$(STRESS_CASES)"

check-packages-full: deps
	FSV_PKG_FULL=1 tests/packaging/run

rpm-repo: packages
	packaging/rpm/make-repo $(BUILD_DIR)/rpm-repo $(BUILD_DIR)/packages

deploy-image: packages
	deploy/image/build -d $(BUILD_DIR)/packages

check-deploy: deps
	tests/check deploy

fetch-kernels:
	tests/vm/fetch

debug-kernel: deps
	scripts/install-deps --debug-kernel
	scripts/debug-kernel/build.sh

lts-kernel: deps
	scripts/install-deps --debug-kernel
	scripts/lts-kernel/build.sh

bench:
	@if [ -x tests/bench/run ]; then tests/bench/run; \
	else echo "tests/bench/run not present"; fi

clean:
	-$(MAKE) -C src clean
	rm -rf $(BUILD_DIR)
