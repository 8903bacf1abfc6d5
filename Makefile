# aio-iopoll: polled native AIO for Linux 6.12 (Debian linux-source-6.12).
# `make help` lists the targets.  Variables (make VAR=value):
#   CACHE   extracted base tree and ccache, keyed by version (/var/cache/aio-iopoll)
#   JOBS    parallel kernel build jobs (nproc)
#   SUITES  suites for `make check` (all executables in tests/suites/)
#   TIMEOUT per-suite guest timeout in seconds for `make check` (1800)

CACHE   ?= /var/cache/aio-iopoll
JOBS    ?= $(shell nproc)
SUITES  ?=
TIMEOUT ?= 1800

REPO    := $(abspath .)
TREE    := $(REPO)/build/linux
KVER     = $(shell dpkg-query -W -f='$${Version}' linux-source-6.12 2>/dev/null)
BASE     = $(CACHE)/base-$(KVER)/linux
KSFT    := $(REPO)/build/kselftest

export CCACHE_DIR ?= $(CACHE)/ccache
# Hash paths relative to the repository, so that another clone hits the cache.
export CCACHE_BASEDIR ?= $(REPO)
export CCACHE_NOHASHDIR ?= 1
export CACHE REPO

# Sub-make files of the other parts (fio, libaio harness, ...): mk/*.mk.
# Their targets are accepted goals too.
include $(wildcard mk/*.mk)
MK_GOALS := $(shell sed -n 's/^\([a-z][a-z0-9_-]*\):.*/\1/p' $(wildcard mk/*.mk) /dev/null)

GOALS := all help setup base tree config config-test config-bench \
	kernel kernel-test kernel-bench headers kselftest suites check \
	export lint arches demo bench vm clean distclean
ifneq ($(filter-out $(GOALS) $(MK_GOALS),$(MAKECMDGOALS)),)
$(info make: unknown target '$(firstword $(filter-out $(GOALS),$(MAKECMDGOALS)))')
$(shell sed -n '/^## /s/^## //p' $(firstword $(MAKEFILE_LIST)) >&2)
$(error unknown target)
endif

.PHONY: $(GOALS)
.DEFAULT_GOAL := all

## usage: make [TARGET] [CACHE=dir] [JOBS=n] [SUITES="a b"]
##   all          (default) host set-up, base tree, work tree, test kernel
##   check        build, boot, run every suite in tests/suites/, summary
##   demo         bench kernel + short fio comparison (NVMe, null_blk poll)
##   bench        -icount benchmark vs io_uring: build/bench/bench.{json,md,png}
##                (BENCH_ARGS="--runs N --out DIR --quick")
##   lint         checkpatch --strict on patches/, sparse new warnings vs base,
##                every patch builds (scripts/build-each)
##   arches       build build/linux for i386 and arm64 (io_setup2 in the tables)
##   export       write build/linux's series (base..HEAD) to patches/
##   setup        install missing Debian packages
##   base         extract linux-source-6.12 into $(CACHE) as a git repo
##   tree         make build/linux (base + patches/) if it does not exist
##   kernel-test  build/obj-test: debug kernel (KASAN, lockdep, kmemleak)
##   kernel-bench build/obj-bench: same devices, no debugging
##   kselftest    build + install the aio kselftests into build/kselftest
##   vm           boot the test kernel and run CMD="..." (default: a shell test)
##   clean        remove build outputs (keeps build/linux, the work tree)
help:
	@sed -n '/^## /s/^## //p' $(firstword $(MAKEFILE_LIST))

all: kernel-test

setup:
	@scripts/setup-host
	@mkdir -p $(CCACHE_DIR) && ccache -M 5G >/dev/null

base: setup
	@scripts/mkbase $(CACHE) $(KVER)

tree: base
	@scripts/mktree $(BASE) $(TREE) patches

# --- kernels -----------------------------------------------------------------
# build/obj-FLAVOUR/.config is made from `make tinyconfig` plus
# configs/base.config plus configs/FLAVOUR.config, when a fragment changes.
config: config-test
config-test config-bench: config-%: tree
	@scripts/mkconfig $* $(TREE) $(REPO)/build/obj-$*

kernel: kernel-test
kernel-test kernel-bench: kernel-%: config-%
	@echo "  KERNEL  build/obj-$* (ccache, -j$(JOBS))"
	@$(MAKE) -s -C $(TREE) O=$(REPO)/build/obj-$* CC="ccache gcc" -j$(JOBS) bzImage
	@scripts/check-config build/obj-$*/.config configs/base.config configs/$*.config
	@echo "  KERNEL  build/obj-$*/arch/x86/boot/bzImage ($$(cat build/obj-$*/include/config/kernel.release))"

headers: kernel-test
	@$(MAKE) -s -C $(TREE) O=$(REPO)/build/obj-test headers_install

kselftest: headers
	@tests/build/kselftest-aio

# --- tests ---------------------------------------------------------------------
check: kernel-test
	@scripts/check --timeout $(TIMEOUT) $(SUITES)

CMD ?= uname -a; cat /proc/cmdline; ls -l /dev/nvme0n* /dev/nullb_*; mount | grep /mnt
vm: kernel-test
	@scripts/vm-run -r build/vm/run -- bash -c '$(CMD)'

demo: kernel-bench $(if $(FIO_BIN),fio)
	@$(if $(FIO_BIN),FIO=$(FIO_BIN)) scripts/demo

BENCH_ARGS ?=
bench: kernel-bench fio
	@scripts/bench $(BENCH_ARGS)

lint: tree
	@scripts/lint
	@echo "== every patch builds (scripts/build-each)"
	@scripts/build-each

arches: tree
	@scripts/build-arches $(TREE) $(REPO)/build/arches i386 arm64

export: tree
	@scripts/export $(TREE) patches

clean:
	rm -rf build/obj-test build/obj-bench build/kselftest build/tests build/check build/vm build/demo build/bench build/lint build/each

distclean: clean
	@echo "build/linux is the kernel work tree: remove it by hand (rm -rf build/linux) after 'make export'"
