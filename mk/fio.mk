# mk/fio.mk: Debian's fio 3.33 with this project's patches (fio/patches/,
# quilt-style: git format-patch files applied in the order of
# fio/patches/series), built for the guest.  Included by the top-level
# Makefile.
#
# Targets:
#   fio          build build/fio/fio and build/fio/t/io_uring
#   fio-clean    remove build/fio (the source cache stays)
#
# Variables for other make files and the guest suites:
#   FIO_BUILD    build/fio: a copy of the Debian source tree (Debian's own
#                patches already applied by dpkg-source) plus ours
#   FIO_BIN      build/fio/fio
#   FIO_T_IO_URING  build/fio/t/io_uring
#
# The tree is recopied from the cache and repatched whenever a patch, the
# series file or this file changes; otherwise make only rebuilds what
# changed.  configure: --disable-native (the guest CPU is QEMU TCG), and
# the build fails unless libaio (libaio-dev) and io_uring support were
# found.  No GUI, no optional engines beyond what a Debian 12 host has.

# Do not steal the including Makefile's default goal.
FIO_SAVED_GOAL    := $(.DEFAULT_GOAL)
FIO_MK_DIR        := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
FIO_REPO          := $(abspath $(FIO_MK_DIR)/..)
FIO_VERSION       ?= 3.33-3
AIO_CACHE         ?= $(or $(CACHE),/var/cache/aio-iopoll)
FIO_BUILD         := $(FIO_REPO)/build/fio
FIO_BIN           := $(FIO_BUILD)/fio
FIO_T_IO_URING    := $(FIO_BUILD)/t/io_uring
FIO_PATCHDIR      := $(FIO_REPO)/fio/patches
FIO_PATCHES       := $(addprefix $(FIO_PATCHDIR)/,$(shell cat $(FIO_PATCHDIR)/series 2>/dev/null))
FIO_JOBS          ?= 2

.PHONY: fio fio-clean

# The sub-make always runs: it knows which objects are stale (a no-op
# build takes about a second).
fio: $(FIO_BUILD)/config-host.mak
	$(MAKE) -s -C $(FIO_BUILD) -j$(FIO_JOBS) fio t/io_uring
	@for e in libaio io_uring; do \
	  $(FIO_BIN) --enghelp 2>/dev/null | grep -qw $$e || \
	    { echo "fio: $(FIO_BIN) has no $$e engine" >&2; exit 1; }; done
	@$(FIO_BIN) --enghelp=libaio 2>/dev/null | grep -qw hipri || \
	  { echo "fio: $(FIO_BIN): libaio engine lacks hipri (patches not applied?)" >&2; exit 1; }

# Fresh copy of the pristine tree + our series.
$(FIO_BUILD)/.patched: $(FIO_PATCHDIR)/series $(FIO_PATCHES) $(FIO_MK_DIR)/fio.mk $(FIO_REPO)/scripts/deb-source
	@command -v gcc >/dev/null || { echo "gcc missing: apt-get install build-essential" >&2; exit 1; }
	@command -v patch >/dev/null || { echo "patch missing: apt-get install patch" >&2; exit 1; }
	@test -f /usr/include/libaio.h || { echo "libaio.h missing: apt-get install libaio-dev" >&2; exit 1; }
	@test -f /usr/include/zlib.h || { echo "zlib.h missing: apt-get install zlib1g-dev" >&2; exit 1; }
	@src=$$(AIO_CACHE=$(AIO_CACHE) $(FIO_REPO)/scripts/deb-source fio $(FIO_VERSION)) && \
	  rm -rf $(FIO_BUILD) && mkdir -p $(dir $(FIO_BUILD)) && \
	  cp -a "$$src" $(FIO_BUILD) && rm -rf $(FIO_BUILD)/.pc
	@set -e; for p in $$(cat $(FIO_PATCHDIR)/series); do \
	  echo "fio: applying $$p"; \
	  if ! patch -d $(FIO_BUILD) -p1 -s --forward --no-backup-if-mismatch \
	       < $(FIO_PATCHDIR)/$$p > $(FIO_BUILD)/.patch.log 2>&1; then \
	    echo "fio: patch $$p does not apply to fio $(FIO_VERSION):" >&2; \
	    sed 's/^/  /' $(FIO_BUILD)/.patch.log >&2; \
	    rm -f $@; exit 1; \
	  fi; \
	done
	@touch $@

$(FIO_BUILD)/config-host.mak: $(FIO_BUILD)/.patched
	cd $(FIO_BUILD) && ./configure --disable-native > configure.out 2>&1 || \
	  { cat $(FIO_BUILD)/configure.out >&2; exit 1; }
	@grep -q '^CONFIG_LIBAIO=y' $@ || { echo "fio: configure found no libaio: apt-get install libaio-dev" >&2; rm -f $@; exit 1; }
	@grep -q '^CONFIG_LIBAIO_RW_FLAGS=y' $@ || { echo "fio: libaio without aio_rw_flags" >&2; rm -f $@; exit 1; }
	@if grep -q 'march=native' $@; then echo "fio: configure used -march=native" >&2; rm -f $@; exit 1; fi

fio-clean:
	rm -rf $(FIO_BUILD)

.DEFAULT_GOAL := $(FIO_SAVED_GOAL)
