# aio-iopoll: polled native AIO for Linux 7.3 (Debian linux-source-7.3), with
# a backport to the 6.12 LTS (Debian linux-source-6.12).
# `make help` lists the targets.  Variables (make VAR=value):
#   BASE    7.3 (the main series, patches/) or 6.12 (the backport, patches-6.12/)
#   CACHE   extracted base tree and ccache, keyed by version (/var/cache/aio-iopoll)
#   JOBS    parallel kernel build jobs (nproc)
#   SUITES  suites for `make check` (all executables in tests/suites/)
#   TIMEOUT per-suite guest timeout in seconds for `make check` (1800)

CACHE   ?= /var/cache/aio-iopoll
JOBS    ?= $(shell nproc)
SUITES  ?=
TIMEOUT ?= 1800

REPO    := $(abspath .)

# The base the series goes on.  Each has its own series, work tree and build
# directory; fio and libaio (user space) are shared.
BASE    ?= 7.3
ifeq ($(BASE),7.3)
SRCPKG  := linux-source-7.3
PATCHES := $(REPO)/patches
BUILD   := $(REPO)/build
else ifeq ($(BASE),6.12)
SRCPKG  := linux-source-6.12
PATCHES := $(REPO)/patches-6.12
BUILD   := $(REPO)/build/6.12
else
$(error BASE=$(BASE): the bases are 7.3 (main series, patches/) and 6.12 (backport, patches-6.12/))
endif
TREE    := $(BUILD)/linux
KVER     = $(shell dpkg-query -W -f='$${Version}' $(SRCPKG) 2>/dev/null)
BASE_REPO = $(CACHE)/base-$(KVER)/linux
KSFT    := $(BUILD)/kselftest
export BASE SRCPKG PATCHES BUILD

export CCACHE_DIR ?= $(CACHE)/ccache
# Hash paths relative to the repository, so that another clone hits the cache.
export CCACHE_BASEDIR ?= $(REPO)
export CCACHE_NOHASHDIR ?= 1
# Everything else compiled here (fio, libaio and its harness, the kselftests,
# the stress generator) calls plain gcc: Debian's ccache puts a gcc in
# /usr/lib/ccache, so a fresh clone builds those from the cache too.
export PATH := $(if $(wildcard /usr/lib/ccache/gcc),/usr/lib/ccache:)$(PATH)
export CACHE REPO

# Sub-make files of the other parts (fio, libaio harness, ...): mk/*.mk.
# Their targets are accepted goals too.
include $(wildcard mk/*.mk)
MK_GOALS := $(shell sed -n 's/^\([a-z][a-z0-9_-]*\):.*/\1/p' $(wildcard mk/*.mk) /dev/null)

GOALS := all help setup base tree config config-test config-bench \
	kernel kernel-test kernel-bench kernel-bench-base headers kselftest suites check \
	export lint arches demo bench profile insn stress vm clean distclean
ifneq ($(filter-out $(GOALS) $(MK_GOALS),$(MAKECMDGOALS)),)
$(info make: unknown target '$(firstword $(filter-out $(GOALS),$(MAKECMDGOALS)))')
$(shell sed -n '/^## /s/^## //p' $(firstword $(MAKEFILE_LIST)) >&2)
$(error unknown target)
endif

.PHONY: $(GOALS)
.DEFAULT_GOAL := all

## usage: make [TARGET] [BASE=7.3|6.12] [CACHE=dir] [JOBS=n] [SUITES="a b"]
##   BASE=7.3 (default): the main series patches/ on linux-source-7.3, in build/
##   BASE=6.12: the backport patches-6.12/ on linux-source-6.12, in build/6.12/
##   all          (default) host set-up, base tree, work tree, test kernel
##   check        build, boot, run every suite in tests/suites/, summary
##   demo         bench kernel + short fio comparison (NVMe, null_blk poll)
##   bench        -icount benchmark vs io_uring: build/bench/bench.{json,md,png},
##                with the unpatched base's aio-irq and io_uring cells beside
##                (BENCH_ARGS="--runs N --out DIR --quick --no-base")
##   profile      perf profile of one bench cell under -icount, build/profile/
##                ENGINE-qdN/ (ENGINE=aio-poll QD=32; PROFILE_ARGS=...)
##   insn         exact guest instructions per read by kernel function for
##                one bench cell, build/insn/ENGINE-qdN/ (ENGINE, QD as above)
##   stress       test kernel + randomized polled/classic aio stress with fault
##                injection, build/stress/ (DURATION=secs SEED=n STRESS_ARGS=...)
##   lint         checkpatch --strict on patches/, sparse new warnings vs base,
##                every patch builds (scripts/build-each)
##   arches       build build/linux for i386 and arm64 (io_setup2 in the tables)
##   export       write the work tree's series (base..HEAD) to patches/ (or patches-6.12/)
##   setup        install missing Debian packages
##   base         extract linux-source-BASE into $(CACHE) as a git repo
##   tree         make the work tree (base + series) if it does not exist:
##                build/linux (7.3) or build/6.12/linux
##   kernel-test  obj-test: debug kernel (KASAN, lockdep, kmemleak)
##   kernel-bench obj-bench: same devices, no debugging
##   kernel-bench-base  the bench kernel of the unpatched base (make bench's
##                baseline cells), in build/unpatched/
##   kselftest    build + install the aio kselftests into kselftest/
##   vm           boot the test kernel and run CMD="..." (default: a shell test)
##   clean        remove build outputs (keeps build/linux, the work tree)
help:
	@sed -n '/^## /s/^## //p' $(firstword $(MAKEFILE_LIST))

all: kernel-test

setup:
	@scripts/setup-host
	@mkdir -p $(CCACHE_DIR) && ccache -M 5G >/dev/null

base: setup
	@scripts/mkbase $(CACHE) $(SRCPKG) "$(KVER)"

tree: base
	@scripts/mktree $(BASE_REPO) $(TREE) $(PATCHES)

# --- kernels -----------------------------------------------------------------
# build/obj-FLAVOUR/.config is made from `make tinyconfig` plus
# configs/base.config plus configs/FLAVOUR.config, when a fragment changes.
config: config-test
config-test config-bench: config-%: tree
	@scripts/mkconfig $* $(TREE) $(BUILD)/obj-$*

kernel: kernel-test
kernel-test kernel-bench: kernel-%: config-%
	@echo "  KERNEL  $(BUILD:$(REPO)/%=%)/obj-$* (base $(BASE), ccache, -j$(JOBS))"
	@$(MAKE) -s -C $(TREE) O=$(BUILD)/obj-$* CC="ccache gcc" -j$(JOBS) bzImage
	@scripts/check-config $(BUILD)/obj-$*/.config configs/base.config configs/base-$(BASE).config configs/$*.config
	@echo "  KERNEL  $(BUILD:$(REPO)/%=%)/obj-$*/arch/x86/boot/bzImage ($$(cat $(BUILD)/obj-$*/include/config/kernel.release))"

# The unpatched base, for the baseline cells of make bench: a shared clone of
# BASE_REPO at `base`, laid out under $(UNPATCHED) as the work tree is under
# $(REPO), so that ccache serves every file that the series does not touch.
UNPATCHED := $(BUILD)/unpatched
UTREE     := $(UNPATCHED)/$(TREE:$(REPO)/%=%)
UOBJ      := $(UNPATCHED)/$(BUILD:$(REPO)/%=%)/obj-bench
BASE_BENCH_KERNEL := $(UOBJ)/arch/x86/boot/bzImage
kernel-bench-base: base
	@[ -d $(UTREE)/.git ] || { rm -rf $(UTREE).new && mkdir -p $(dir $(UTREE)) && \
		git clone -q --shared $(BASE_REPO) $(UTREE).new && \
		git -C $(UTREE).new checkout -q -B main base && mv $(UTREE).new $(UTREE); }
	@CCACHE_BASEDIR=$(UNPATCHED) scripts/mkconfig bench $(UTREE) $(UOBJ)
	@echo "  KERNEL  $(UOBJ:$(REPO)/%=%) (unpatched base $(BASE), ccache, -j$(JOBS))"
	@CCACHE_BASEDIR=$(UNPATCHED) $(MAKE) -s -C $(UTREE) O=$(UOBJ) CC="ccache gcc" -j$(JOBS) bzImage
	@scripts/check-config $(UOBJ)/.config configs/base.config configs/base-$(BASE).config configs/bench.config

headers: kernel-test
	@$(MAKE) -s -C $(TREE) O=$(BUILD)/obj-test headers_install

kselftest: headers
	@tests/build/kselftest-aio

# --- tests ---------------------------------------------------------------------
check: kernel-test
	@scripts/check --timeout $(TIMEOUT) $(SUITES)

CMD ?= uname -a; cat /proc/cmdline; ls -l /dev/nvme0n* /dev/nullb_*; mount | grep /mnt
vm: kernel-test
	@scripts/vm-run -r $(BUILD)/vm/run -- bash -c '$(CMD)'

demo: kernel-bench $(if $(FIO_BIN),fio)
	@$(if $(FIO_BIN),FIO=$(FIO_BIN)) scripts/demo

BENCH_ARGS ?=
# BENCH_ARGS=--no-base: no baseline boot, and so no unpatched kernel to build
BENCH_BASE := $(if $(filter --no-base,$(BENCH_ARGS)),,kernel-bench-base)
bench: kernel-bench $(BENCH_BASE) fio
	@scripts/bench $(if $(BENCH_BASE),--base-kernel $(BASE_BENCH_KERNEL)) $(BENCH_ARGS)

# One t/io_uring cell of make bench: ENGINE (aio-irq, aio-poll, io_uring-irq,
# io_uring-iopoll, io_uring-iopoll-fixed) and QD.
ENGINE ?= aio-poll
QD ?= 32
PROFILE_ARGS ?=
profile: kernel-bench fio
	@scripts/profile --engine $(ENGINE) --qd $(QD) $(PROFILE_ARGS)

insn: kernel-bench fio
	@scripts/insn-trace --engine $(ENGINE) --qd $(QD)

# DURATION in seconds (180 by default), SEED (random, printed, by default);
# STRESS_ARGS: more scripts/stress options (--faults LIST, --workers N, ...).
DURATION ?= 180
SEED ?=
STRESS_ARGS ?=
stress: kernel-test
	@DURATION=$(DURATION) SEED=$(SEED) scripts/stress $(STRESS_ARGS)

lint: tree
	@scripts/lint $(PATCHES)
	@echo "== every patch builds (scripts/build-each)"
	@scripts/build-each $(PATCHES)

arches: tree
	@scripts/build-arches $(TREE) $(REPO)/build/arches i386 arm64

export: tree
	@scripts/export $(TREE) $(PATCHES)

clean:
	rm -rf $(addprefix $(BUILD)/,obj-test obj-bench unpatched kselftest tests check vm demo bench profile insn lint each)

distclean: clean
	@echo "$(TREE:$(REPO)/%=%) is the kernel work tree: remove it by hand after 'make export'"
