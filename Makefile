# SPDX-License-Identifier: GPL-2.0-only
#
# accelq top-level Makefile.
#
#   make              build accelq.ko and every userspace program and test
#   make check        set up, build, run host unit tests and the guest suite
#   make demo         set up, build, boot a guest and run the demo
#   make bench         benchmarks in a guest (docs/benchmarks.md)
#   make check-debug   the guest suite on a debug kernel (docs/check-debug.md)
#   make lint         checkpatch (--strict) and sparse on the module
#   make KDIR=/lib/modules/$(uname -r)/build   build for the running kernel

REPO := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

# The guest kernel version: the one linux-headers-amd64 points at, which is
# also what linux-image-amd64 resolves to.
KVER ?= $(shell $(REPO)/scripts/fetch-kernel.sh --print-ver 2>/dev/null)
KDIR ?= /usr/src/linux-headers-$(KVER)

CC ?= gcc
export CC

.DELETE_ON_ERROR:
.PHONY: all module userspace tests tools bpf daemon bench check-debug unit clean check check-host check-guest \
	demo lint sparse checkpatch setup help

all: module userspace

help:
	@sed -n 's/^#   //p' $(REPO)/Makefile

module:
	$(MAKE) -C $(KDIR) M=$(REPO) modules

userspace: tests tools bpf daemon
	$(MAKE) -C $(REPO)/bench

daemon: bpf
	$(MAKE) -C $(REPO)/daemon
	$(MAKE) -C $(REPO)/tests/daemon

bpf:
	$(MAKE) -C $(REPO)/bpf
	$(MAKE) -C $(REPO)/tests/bpf

tools:
	$(MAKE) -C $(REPO)/tools

tests:
	$(MAKE) -C $(REPO)/tests
	$(MAKE) -C $(REPO)/tests/sched
	$(MAKE) -C $(REPO)/tests/security

unit:
	$(MAKE) -C $(REPO)/tests/unit
	$(MAKE) -C $(REPO)/tests/daemon/unit

setup:
	$(REPO)/scripts/setup-deps.sh

# Host-side unit tests, then the guest suite in a fresh QEMU guest; the last
# line is "N passed, N failed".
check: setup
	$(MAKE) -C $(REPO) all unit
	$(REPO)/scripts/check.sh

demo: setup
	$(MAKE) -C $(REPO) all
	$(REPO)/scripts/vm -- $(REPO)/scripts/demo.sh

# Benchmarks in a guest: ratios against baselines measured in the same run.
bench: setup
	$(MAKE) -C $(REPO) all
	$(REPO)/scripts/vm --timeout 1800 \
		--env BENCH_HOST_LOADAVG="$$(cat /proc/loadavg)" -- $(REPO)/bench/run.sh

# The guest suite on a debug kernel (KASAN, lockdep, kmemleak, fault
# injection) built from Debian's linux-source; see docs/check-debug.md.
check-debug: setup
	$(MAKE) -C $(REPO) all
	$(REPO)/scripts/check-debug.sh

sparse:
	$(MAKE) -C $(KDIR) M=$(REPO) C=2 modules

checkpatch:
	$(REPO)/scripts/ksft-headers.sh >/dev/null
	$(REPO)/.cache/linux-src-tools/scripts/checkpatch.pl --no-tree --strict \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f $(REPO)/kmod/*.[ch] $(REPO)/uapi/linux/accelq.h

lint: checkpatch sparse

clean:
	$(MAKE) -C $(KDIR) M=$(REPO) clean
	$(MAKE) -C $(REPO)/tests clean
	-$(MAKE) -C $(REPO)/tests/sched clean
	-$(MAKE) -C $(REPO)/tests/security clean
	-$(MAKE) -C $(REPO)/tools clean
	-$(MAKE) -C $(REPO)/bpf clean
	-$(MAKE) -C $(REPO)/bench clean
	-$(MAKE) -C $(REPO)/daemon clean
	-$(MAKE) -C $(REPO)/tests/daemon clean
	-$(MAKE) -C $(REPO)/tests/bpf clean
	-$(MAKE) -C $(REPO)/tests/unit clean

# Installation (docs/operators.md); scripts/install.sh does the work.
#   make install DESTDIR=D PREFIX=/usr   programs, unit, D-Bus, udev, config
#   make install-module                  accelq.ko to /lib/modules/KVER/updates
#   make dkms-install                    module sources to /usr/src/accelq-VER
#   make uninstall                       remove what make install installed
PREFIX ?= /usr/local
INSTALL_VARS := DESTDIR PREFIX BINDIR SBINDIR DATADIR SYSCONFDIR UNITDIR \
	DBUSPOLICYDIR DBUSIFACEDIR UDEVRULESDIR MODULESLOADDIR SYSUSERSDIR VERSION
INSTALL_ARGS = $(foreach v,$(INSTALL_VARS),$(if $(filter-out undefined,$(origin $(v))),$(v)="$($(v))")) \
	$(if $(filter command line environment,$(origin KVER)),KVER="$(KVER)")

.PHONY: install install-module dkms-install uninstall
install: tools bpf daemon
	$(REPO)/scripts/install.sh $(INSTALL_ARGS) userspace

install-module: module
	$(REPO)/scripts/install.sh $(INSTALL_ARGS) module

dkms-install:
	$(REPO)/scripts/install.sh $(INSTALL_ARGS) dkms

uninstall:
	$(REPO)/scripts/install.sh $(INSTALL_ARGS) uninstall
