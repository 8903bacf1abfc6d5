# mk/libaio.mk: libaio's own test harness (Debian source package libaio,
# harness/), built on the host and run inside the guest by
# tests/suites/libaio-harness.  Included by the top-level Makefile.
#
# Targets:
#   libaio-harness        build every harness case (cases/N.p, N = 2..32)
#   libaio-harness-host   run the suite on this host, outside any VM (quick
#                         look at which cases a kernel passes; needs root for
#                         the loop-mounted cases 8 and 10)
#   libaio-lib            the library alone: build/libaio/src/libaio.a
#                         (x86_64), which mk/fio.mk links fio against
#   libaio-clean          remove build/libaio (the source cache stays)
#
# Variables for other make files and the guest suite:
#   LIBAIO_BUILD          build/libaio, a copy of the Debian source tree
#   LIBAIO_HARNESS        build/libaio/harness (cases/*.p, ext2-enospc.img)
#   LIBAIO_HARNESS_STAMP  file that exists once every case is built
#   LIBAIO_LIB            build/libaio/src/libaio.a (header: src/libaio.h)
#   LIBAIO32_BUILD, LIBAIO32_HARNESS, LIBAIO32_HARNESS_STAMP
#                         the same, built for i386 (gcc -m32), so that the
#                         suite also runs every case through the IA32 compat
#                         system calls.  LIBAIO_M32=0 skips it (the suite
#                         then runs the x86_64 pass only).  Needs
#                         gcc-multilib.
#
# The cases are linked against the source package's own static libaio.a
# (built from the same tree, Debian patches applied), not the system
# libaio1: this is what the package's own `make partcheck` tests, the
# binaries do not depend on what the host (and so the guest, which runs
# them from the host's root over 9p) has installed, and a change to the
# library is tested by the same build.  Debian 0.3.113-4 is libaio 0.3.113
# plus 15 patches; the system library is built from the very same source.
#
# Our own changes to libaio and its harness are in libaio/patches/ (git
# format-patch files, applied in the order of libaio/patches/series):
#   0001 harness: let 11.t's iteration count be set at build time.
#        11.t (a million 256-byte aio writes, then a million reads) takes
#        3 s on hardware and 866 s in the TCG guest with the debug kernel;
#        we build it with COUNT=$(LIBAIO_CASE11_COUNT) (upstream 1000000).
#        The ring wraps every ~2048 requests, so this still wraps it ~10
#        times each way and would catch a request-accounting leak.
#   0002 harness: let 18.t's iteration count be set at build time.
#        18.t (100 threads x 1000 io_setup/submit/io_destroy, each
#        io_destroy waiting for an RCU grace period) takes 30 s on
#        hardware, 107 s for 50 iterations in the guest; built with
#        ITERATIONS=$(LIBAIO_CASE18_ITERATIONS) (upstream 1000).
#   0015 harness: let 6.t's and 14.t's sizes be set at build time.
#        6.t writes and reads min(RAM, 768 MiB) through buffered aio, 14.t
#        ten 768 MiB requests from a child that exits unreaped: 92 s and
#        144 s in the guest; built with MAXKB=$(LIBAIO_CASE6_MAXKB) KiB and
#        SIZE=$(LIBAIO_CASE14_SIZE) bytes (upstream 768 MiB each).
#   The suite prints the scaled values (cases/scaled.txt).  For the
#   upstream counts: make libaio-clean; make LIBAIO_FULL=1 libaio-harness.
#   0003-0005 polled aio in the library: io_setup2(nr_events, flags, ctxp)
#        (LIBAIO_0.6, returns 0 or -errno, -ENOSYS without the system
#        call, __NR_io_setup2 473, 583 on alpha), IOCTX_FLAG_IOPOLL,
#        IOCB_FLAG_HIPRI and io_set_hipri() in libaio.h, man pages
#        io_setup2.3, io_set_hipri.3, io_getevents.3 on polled contexts.
#        libaio's io_getevents() needs no change: the ring header of a
#        polled context has no AIO_RING_MAGIC, so it always makes the
#        system call (0008 says why and proves it).
#   0006-0014 harness cases 24-32: io_setup2's arguments (24), ENOSYS
#        (25), a polled context's rules and io_getevents entering the
#        kernel (26), and polled I/O on the device named by
#        LIBAIO_POLL_DEV (27-32, skipped without it; the suite sets it
#        to the guest's poll devices).

# Do not steal the including Makefile's default goal.
LIBAIO_SAVED_GOAL := $(.DEFAULT_GOAL)
LIBAIO_MK_DIR     := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
LIBAIO_REPO       := $(abspath $(LIBAIO_MK_DIR)/..)
LIBAIO_VERSION    ?= 0.3.113-4
AIO_CACHE         ?= $(or $(CACHE),/var/cache/aio-iopoll)
LIBAIO_BUILD      := $(LIBAIO_REPO)/build/libaio
LIBAIO_HARNESS    := $(LIBAIO_BUILD)/harness
LIBAIO_LIB        := $(LIBAIO_BUILD)/src/libaio.a
# The stamps name the scaled counts: changing them rebuilds those cases.
LIBAIO_STAMP_TAG   = c$(LIBAIO_CASE11_COUNT)-i$(LIBAIO_CASE18_ITERATIONS)-m$(LIBAIO_CASE6_MAXKB)-s$(LIBAIO_CASE14_SIZE)
LIBAIO_HARNESS_STAMP = $(LIBAIO_BUILD)/.harness-built-$(LIBAIO_STAMP_TAG)
# Generic code only: the guest is QEMU TCG.  Same warnings as Debian's build.
LIBAIO_CFLAGS     ?= -g -O2 -Wall -fno-omit-frame-pointer
LIBAIO_FULL       ?= 0
ifeq ($(LIBAIO_FULL),1)
LIBAIO_CASE11_COUNT ?= 1000000
LIBAIO_CASE18_ITERATIONS ?= 1000
LIBAIO_CASE6_MAXKB ?= 786432
LIBAIO_CASE14_SIZE ?= 805306368
else
LIBAIO_CASE11_COUNT ?= 20000
LIBAIO_CASE18_ITERATIONS ?= 20
LIBAIO_CASE6_MAXKB ?= 65536
LIBAIO_CASE14_SIZE ?= 67108864
endif
# case:macro=value:upstream value
LIBAIO_SCALED     := 11:COUNT=$(LIBAIO_CASE11_COUNT):1000000 \
		     18:ITERATIONS=$(LIBAIO_CASE18_ITERATIONS):1000 \
		     6:MAXKB=$(LIBAIO_CASE6_MAXKB):786432 \
		     14:SIZE=$(LIBAIO_CASE14_SIZE):805306368
LIBAIO_PATCHDIR   := $(LIBAIO_REPO)/libaio/patches
LIBAIO_PATCHES    := $(addprefix $(LIBAIO_PATCHDIR)/,$(shell cat $(LIBAIO_PATCHDIR)/series 2>/dev/null))
LIBAIO_M32        ?= 1
LIBAIO32_BUILD    := $(LIBAIO_REPO)/build/libaio32
LIBAIO32_HARNESS  := $(LIBAIO32_BUILD)/harness
LIBAIO32_HARNESS_STAMP = $(LIBAIO32_BUILD)/.harness-built-$(LIBAIO_STAMP_TAG)
# i386: large file offsets as Debian builds it (future=+lfs).  Without it
# case 23 hands splice() a 32-bit off_t where the kernel reads a loff_t.
# <asm/*.h> for -m32: the gcc-multilib metapackage would link /usr/include/asm
# to the x86_64 ones (they serve both ABIs), but it conflicts with every cross
# compiler, so the i386 build gets that link in a directory of its own.
LIBAIO32_CFLAGS   ?= -m32 -D_FILE_OFFSET_BITS=64 -isystem $(LIBAIO32_BUILD)/include32 $(LIBAIO_CFLAGS)

.PHONY: libaio-harness libaio-harness-host libaio-lib libaio-clean

# libaio_scale HARNESS-DIR CFLAGS: rebuild the scaled cases with their
# -Dmacro=value and record it in cases/scaled.txt for the suite.
define libaio_scale
	@: > $(1)/cases/scaled.txt
	@set -e; for s in $(LIBAIO_SCALED); do \
	  c=$${s%%:*}; d=$${s#*:}; d=$${d%%:*}; up=$${s##*:}; \
	  rm -f $(1)/cases/$$c.p; \
	  $(MAKE) -s -C $(1) cases/$$c.p LIBAIO=../src/libaio.a CFLAGS="$(2) -D$$d"; \
	  echo "$$c.t $$d (upstream $${d%%=*}=$$up)" >> $(1)/cases/scaled.txt; \
	done
endef

libaio-harness: $(LIBAIO_HARNESS_STAMP)
ifeq ($(LIBAIO_M32),1)
libaio-harness: $(LIBAIO32_HARNESS_STAMP)
endif

# A fresh copy of the cached tree with libaio/patches applied; the i386
# build copies this one.
$(LIBAIO_BUILD)/.copied: $(LIBAIO_REPO)/scripts/deb-source $(LIBAIO_MK_DIR)/libaio.mk \
		$(LIBAIO_PATCHDIR)/series $(LIBAIO_PATCHES)
	@command -v gcc >/dev/null || { echo "gcc missing: apt-get install build-essential" >&2; exit 1; }
	@command -v patch >/dev/null || { echo "patch missing: apt-get install patch" >&2; exit 1; }
	@src=$$(AIO_CACHE=$(AIO_CACHE) $(LIBAIO_REPO)/scripts/deb-source libaio $(LIBAIO_VERSION)) && \
	  rm -rf $(LIBAIO_BUILD) $(LIBAIO32_BUILD) && mkdir -p $(dir $(LIBAIO_BUILD)) && \
	  cp -a "$$src" $(LIBAIO_BUILD) && rm -rf $(LIBAIO_BUILD)/.pc
	@set -e; for p in $$(cat $(LIBAIO_PATCHDIR)/series); do \
	  echo "libaio: applying $$p"; \
	  if ! patch -d $(LIBAIO_BUILD) -p1 -s --forward --no-backup-if-mismatch \
	       < $(LIBAIO_PATCHDIR)/$$p > $(LIBAIO_BUILD)/.patch.log 2>&1; then \
	    echo "libaio: patch $$p does not apply to libaio $(LIBAIO_VERSION):" >&2; \
	    sed 's/^/  /' $(LIBAIO_BUILD)/.patch.log >&2; exit 1; \
	  fi; \
	done
	@touch $@

# The library alone (mk/fio.mk).  src/'s make always runs: it knows what
# is stale, and leaves libaio.a alone when nothing is.
libaio-lib: $(LIBAIO_BUILD)/.copied
	@$(MAKE) -s --no-print-directory -C $(LIBAIO_BUILD)/src libaio.a CFLAGS="$(LIBAIO_CFLAGS)"

$(LIBAIO_HARNESS_STAMP): $(LIBAIO_BUILD)/.copied
	$(MAKE) -s -C $(LIBAIO_BUILD)/src libaio.a CFLAGS="$(LIBAIO_CFLAGS)"
	$(MAKE) -s -C $(LIBAIO_HARNESS) all CFLAGS="$(LIBAIO_CFLAGS)" \
	  LIBAIO=../src/libaio.a
	$(call libaio_scale,$(LIBAIO_HARNESS),$(LIBAIO_CFLAGS))
	@n=$$(ls $(LIBAIO_HARNESS)/cases/*.p | wc -l); \
	  echo "libaio-harness: $$n cases built in $(LIBAIO_HARNESS)/cases"
	@touch $@

$(LIBAIO32_BUILD)/.copied: $(LIBAIO_BUILD)/.copied
	@printf 'int main(void){return 0;}\n' | gcc -m32 -x c -o /dev/null - 2>/dev/null || \
	  { echo "gcc -m32 cannot build programs: apt-get install gcc-multilib (or make LIBAIO_M32=0)" >&2; exit 1; }
	@rm -rf $(LIBAIO32_BUILD) && cp -a $(LIBAIO_BUILD) $(LIBAIO32_BUILD) && \
	  $(MAKE) -s -C $(LIBAIO32_BUILD)/src clean && $(MAKE) -s -C $(LIBAIO32_HARNESS) clean && \
	  rm -f $(LIBAIO32_BUILD)/.harness-built* && \
	  mkdir -p $(LIBAIO32_BUILD)/include32 && \
	  ln -sfn /usr/include/$$(gcc -print-multiarch)/asm $(LIBAIO32_BUILD)/include32/asm && \
	  touch $@

$(LIBAIO32_HARNESS_STAMP): $(LIBAIO32_BUILD)/.copied
	$(MAKE) -s -C $(LIBAIO32_BUILD)/src libaio.a CFLAGS="$(LIBAIO32_CFLAGS)"
	$(MAKE) -s -C $(LIBAIO32_HARNESS) all CFLAGS="$(LIBAIO32_CFLAGS)" \
	  LIBAIO=../src/libaio.a
	$(call libaio_scale,$(LIBAIO32_HARNESS),$(LIBAIO32_CFLAGS))
	@n=$$(ls $(LIBAIO32_HARNESS)/cases/*.p | wc -l); \
	  echo "libaio-harness: $$n i386 cases built in $(LIBAIO32_HARNESS)/cases"
	@touch $@

libaio-harness-host: libaio-harness
	REPO=$(LIBAIO_REPO) RESULTS=$${RESULTS:-$(LIBAIO_BUILD)/results} \
	  $(LIBAIO_REPO)/tests/suites/libaio-harness

libaio-clean:
	rm -rf $(LIBAIO_BUILD) $(LIBAIO32_BUILD)

.DEFAULT_GOAL := $(LIBAIO_SAVED_GOAL)
