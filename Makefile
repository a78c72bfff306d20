# SPDX-License-Identifier: GPL-2.0
#
# make [KDIR=...]     build rcufault.ko, the shipped module (default: the running
#                     kernel's headers); DKMS builds the same
# make test-module    the test build: the same sources with the testing-only
#                     test_* parameters (some UNSAFE), for the test suites only
# make check          install what is missing, build, boot the test VM, run every test
# make ab             the A/B demo: stock vs lockless faults in one test VM boot
#                     (QUICK=1: a short run)
# make bench-tree     the shadow B-tree's lookup benchmark (user space)
# make torture        the anonymous and file torture suites, longer (TORTURE_SECONDS=N)
# make check-debug    guest tests on a debug 6.1 kernel (KASAN, lockdep, DEBUG_VM),
#                     built from linux-source-6.1 once and cached
# make clean
#
# Objects go to build/<kernel release>/ (the test build and test-kmod to
# build/<kernel release>-test/), never into the source tree.

KDIR ?= /lib/modules/$(shell uname -r)/build
TOP := $(CURDIR)
KREL = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
OUT = $(TOP)/build/$(KREL)
OUT_TEST = $(OUT)-test
SRCS := Kbuild $(wildcard src/*.c include/rcufault/*.h)

TEST_PROGS := $(patsubst test/prog/%.c,build/test/%,$(wildcard test/prog/*.c))
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -pthread

.PHONY: all module test-module test-kmod test-progs check check-debug torture ab profile bench-tree clean setup

all: module

# $(call kbuild,DIR,RCUFAULT_TEST_BUILD): Kbuild builds in DIR, a tree of
# links to our sources (the value is always passed, so no environment
# variable can turn the shipped build into the test build).
define kbuild
	@test -n "$(KREL)" || { echo "make: no kernel build tree at KDIR=$(KDIR) (run scripts/setup, or pass KDIR)" >&2; exit 2; }
	@mkdir -p $(1)/src $(1)/include/rcufault
	@ln -sf $(TOP)/Kbuild $(1)/Kbuild
	@for f in src/*.c include/rcufault/*.h; do ln -sf $(TOP)/$$f $(1)/$$f; done
	$(MAKE) -C $(KDIR) M=$(1) RCUFAULT_TEST_BUILD=$(2) modules
endef

# The shipped module: build/<release>/rcufault.ko, no test_* parameter.
module: $(SRCS)
	$(call kbuild,$(OUT),)

# The test build: build/<release>-test/rcufault.ko, with every test_*
# parameter (include/rcufault/test_params.h). Test-only: never install it.
test-module: $(SRCS)
	$(call kbuild,$(OUT_TEST),y)

# Test-only modules (test/kmod), built the same way into $(OUT_TEST)/test-kmod.
test-kmod:
	@test -n "$(KREL)" || { echo "make: no kernel build tree at KDIR=$(KDIR)" >&2; exit 2; }
	@mkdir -p $(OUT_TEST)/test-kmod
	@for f in test/kmod/*; do ln -sf $(TOP)/$$f $(OUT_TEST)/test-kmod/; done
	$(MAKE) -C $(KDIR) M=$(OUT_TEST)/test-kmod modules

test-progs: $(TEST_PROGS)

build/test/%: test/prog/%.c test/prog/clock.h test/prog/kernel_compat.h test/prog/verdict.h
	@mkdir -p build/test
	$(CC) $(USER_CFLAGS) -o $@ $<

setup:
	scripts/setup

check: setup
	$(MAKE) KDIR=$$(scripts/kdir 6.1) module test-module test-kmod test-progs
	test/run-all

TORTURE_SECONDS ?= 120
torture: setup
	$(MAKE) KDIR=$$(scripts/kdir 6.1) module test-module test-kmod test-progs
	TORTURE_SECONDS=$(TORTURE_SECONDS) test/run-all torture torture-bites filefault filefault-bites filefault-bites-wprotect

check-debug: setup
	scripts/build-debug-kernel
	$(MAKE) KDIR=$$(scripts/kdir debug) module test-module test-kmod
	$(MAKE) test-progs
	RCUFAULT_KERNEL=debug test/run-all basic sentinel shadow torture maple maple-bites ranges swapin filefault ptlfree holefill load-cycles tracepoints tracers procs lockwatch

ab: setup
	$(MAKE) KDIR=$$(scripts/kdir 6.1) module test-progs
	scripts/ab $(if $(QUICK),--quick)

# perf profiles of one workload, without the module, loaded but off, and
# lockless (scripts/profile; ARGS: its options, e.g. ARGS="-- mixed -t 2").
profile: setup
	$(MAKE) KDIR=$$(scripts/kdir 6.1) module test-progs
	scripts/profile $(ARGS)

# User-space benchmark of the shadow VMA B-tree against a sorted array.
bench-tree:
	$(MAKE) -C test/user bench

clean:
	rm -rf build
