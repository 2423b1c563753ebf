# SPDX-License-Identifier: GPL-2.0
#
# xen-dma, built the usual out-of-tree way: `make` builds xen_dma.ko against
# KDIR (default: the running kernel's build directory). Kbuild holds the
# object lists; this file only names the jobs.

KDIR ?= /lib/modules/$(shell uname -r)/build
XEN_DMA_CACHE ?= $(HOME)/.cache/xen-dma
export XEN_DMA_CACHE

.PHONY: all modules clean modules-debian test test-all demo bench help

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_XEN_DMA=m modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

# Against Debian 12's own dom0 kernel headers, x86_64 and arm64 (cross).
modules-debian:
	scripts/install-deps.sh modules
	scripts/modules-debian.sh x86_64 arm64

# The test tier CI runs (Documentation/testing.rst, "The two tiers").
test:
	scripts/test.sh $(JOBS)

# Every case on every stack, KUnit on every kernel and both arches: before a
# change to drivers/ or include/ is called done.
test-all:
	scripts/test.sh --all $(JOBS)

# The DMA-mapping benchmark in real dom0s; writes Documentation/performance.rst.
bench:
	scripts/bench.sh $(CASES)

# A real Xen dom0 under QEMU driving an NVMe disk through the module:
# Debian 13's stack, or STACK=deb12.
demo:
	XEN_DMA_STACK=$(if $(STACK),$(STACK),deb13) scripts/dom0/demo.sh $(if $(ARCH),$(ARCH),x86_64)

help:
	@echo 'make [KDIR=...]       build xen_dma.ko against KDIR'
	@echo 'make modules-debian   build it against Debian 12 dom0 headers, x86_64 and arm64'
	@echo 'make test             install deps, run the CI tier, end with "N passed, N failed"'
	@echo 'make test-all         the same for the whole matrix (before a change to drivers/ is done)'
	@echo 'make demo [ARCH=arm64] [STACK=deb12] boot a Xen dom0 under QEMU, move data through xen_dma'
	@echo 'make bench [CASES=...] time the DMA API under each ops, ratios into Documentation/'
