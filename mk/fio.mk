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
# the build fails unless libaio and io_uring support were found.  No GUI,
# no optional engines beyond what a Debian 12 host has.
#
# libaio: this project's, not the system's.  fio/patches/0004 makes the
# libaio engine and t/io_uring use libaio's io_setup2() when configure
# finds it (CONFIG_LIBAIO_IO_SETUP2), the raw system call otherwise.
# Debian's libaio1 has no io_setup2(), and the guest runs fio from the
# host's root, so fio is linked statically against the patched libaio
# that mk/libaio.mk builds (build/libaio/src/libaio.a, LIBAIO_LIB; built
# first if it is not there): its libaio.a and libaio.h, alone, are copied
# to build/fio/.libaio/{lib,include} and configure gets -I and -L for
# them, so -laio finds the static library and no other header.  The build
# fails unless configure found io_setup2() there.

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
# The patched libaio (mk/libaio.mk) and fio's private copy of it.
FIO_LIBAIO_SRC    := $(FIO_REPO)/build/libaio/src
FIO_LIBAIO        := $(FIO_BUILD)/.libaio
FIO_LIBAIO_STAMP  := $(FIO_LIBAIO)/.copied

.PHONY: fio fio-clean fio-libaio

# The sub-make always runs: it knows which objects are stale (a no-op
# build takes about a second).
fio: $(FIO_BUILD)/config-host.mak
	$(MAKE) -s -C $(FIO_BUILD) -j$(FIO_JOBS) fio t/io_uring
	@for e in libaio io_uring; do \
	  $(FIO_BIN) --enghelp 2>/dev/null | grep -qw $$e || \
	    { echo "fio: $(FIO_BIN) has no $$e engine" >&2; exit 1; }; done
	@$(FIO_BIN) --enghelp=libaio 2>/dev/null | grep -qw hipri || \
	  { echo "fio: $(FIO_BIN): libaio engine lacks hipri (patches not applied?)" >&2; exit 1; }
	@for b in $(FIO_BIN) $(FIO_T_IO_URING); do \
	  if readelf -d $$b | grep -q 'NEEDED.*libaio'; then \
	    echo "fio: $$b links a shared libaio, not build/libaio's libaio.a" >&2; exit 1; fi; done

# Fresh copy of the pristine tree + our series.
$(FIO_BUILD)/.patched: $(FIO_PATCHDIR)/series $(FIO_PATCHES) $(FIO_MK_DIR)/fio.mk $(FIO_REPO)/scripts/deb-source
	@command -v gcc >/dev/null || { echo "gcc missing: apt-get install build-essential" >&2; exit 1; }
	@command -v patch >/dev/null || { echo "patch missing: apt-get install patch" >&2; exit 1; }
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

# The patched libaio, built (or brought up to date) by mk/libaio.mk.
fio-libaio:
	@$(MAKE) -s --no-print-directory -f $(FIO_MK_DIR)/libaio.mk libaio-lib

# fio's copy of it, renewed only when the library or its header changed
# (a new copy reconfigures and so rebuilds fio).
$(FIO_LIBAIO_STAMP): fio-libaio $(FIO_BUILD)/.patched
	@test -f $(FIO_LIBAIO_SRC)/libaio.a || { echo "fio: $(FIO_LIBAIO_SRC)/libaio.a missing after make libaio-lib" >&2; exit 1; }
	@mkdir -p $(FIO_LIBAIO)/lib $(FIO_LIBAIO)/include
	@if ! test -f $@ || \
	    ! cmp -s $(FIO_LIBAIO_SRC)/libaio.a $(FIO_LIBAIO)/lib/libaio.a || \
	    ! cmp -s $(FIO_LIBAIO_SRC)/libaio.h $(FIO_LIBAIO)/include/libaio.h; then \
	  cp $(FIO_LIBAIO_SRC)/libaio.a $(FIO_LIBAIO)/lib/libaio.a && \
	  cp $(FIO_LIBAIO_SRC)/libaio.h $(FIO_LIBAIO)/include/libaio.h && \
	  touch $@; \
	fi

# LDFLAGS: configure writes it to config-host.mak (it has no option for it).
$(FIO_BUILD)/config-host.mak: $(FIO_BUILD)/.patched $(FIO_LIBAIO_STAMP)
	cd $(FIO_BUILD) && LDFLAGS="-L$(FIO_LIBAIO)/lib" ./configure --disable-native \
	  --extra-cflags="-I$(FIO_LIBAIO)/include" > configure.out 2>&1 || \
	  { cat $(FIO_BUILD)/configure.out >&2; exit 1; }
	@grep -q '^CONFIG_LIBAIO=y' $@ || { echo "fio: configure found no libaio in $(FIO_LIBAIO)" >&2; rm -f $@; exit 1; }
	@grep -q '^CONFIG_LIBAIO_RW_FLAGS=y' $@ || { echo "fio: libaio without aio_rw_flags" >&2; rm -f $@; exit 1; }
	@if grep -q 'march=native' $@; then echo "fio: configure used -march=native" >&2; rm -f $@; exit 1; fi
	@if grep -q '^CONFIG_LIBAIO_IO_SETUP2=y' $@; then \
	  echo "fio: polled aio through libaio's io_setup2() (CONFIG_LIBAIO_IO_SETUP2), libaio linked statically from build/libaio"; \
	else \
	  grep '^Linux AIO' $(FIO_BUILD)/configure.out | sed 's/^/  /' >&2; \
	  echo "fio: configure found no io_setup2() in the project's libaio ($(FIO_LIBAIO_SRC)/libaio.a):" >&2; \
	  echo "fio: fio would make the raw system call instead; are libaio/patches/0003 and 0004 in libaio/patches/series?" >&2; \
	  rm -f $@; exit 1; \
	fi

fio-clean:
	rm -rf $(FIO_BUILD)

.DEFAULT_GOAL := $(FIO_SAVED_GOAL)
