# Fuzz targets (issue 12), included at the end of mk/build.mk.
#
# fuzz-bins: libFuzzer programs built with clang, ASan and UBSan (every
# finding aborts).  build/fuzz/fuzz_fdt runs platform discovery over the
# sources platinfo uses, against the libfdt the kernel builds
# (build/linux-src), compiled with the same sanitizers.  build/fuzz/fuzz_mm
# runs operation sequences over mm/ built for the host, fuzz_mm_debug the
# same over the MM_DEBUG build.  The corpora and the
# replay and time-boxed runs are in tests/fuzz/ (see docs/fuzzing.md).

FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -pthread -I. \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Wall -Werror -Wno-unused-parameter
# libfdt is not ours: its own warnings are not our business.
FUZZ_LIBFDT := $(patsubst %,$(LIBFDT_DIR)/%,$(LIBFDT_SRCS))
FUZZ_FDT_SRCS := tests/fuzz/fuzz_fdt.c kernel/platform.c kernel/memblock.c \
	lib/errno.c
FUZZ_MM_SRCS := tests/fuzz/fuzz_mm.c $(sort $(wildcard mm/*.c mm/host/*.c))
FUZZ_HDRS := $(wildcard kernel/*.h lib/*.h mm/*.h mm/host/*.h)

.PHONY: fuzz-bins
fuzz-bins: $(B)/fuzz/fuzz_fdt $(B)/fuzz/fuzz_mm $(B)/fuzz/fuzz_mm_debug

# libfdt with the sanitizers but without our warning set.
$(B)/fuzz/libfdt.a: $(FUZZ_LIBFDT) mk/fuzz.mk
	@mkdir -p $(B)/fuzz/libfdt
	@echo "  FUZZ    libfdt"
	@cd $(B)/fuzz/libfdt && $(FUZZ_CC) $(FUZZ_CFLAGS) -w -c \
		$(abspath $(FUZZ_LIBFDT))
	@rm -f $@
	@ar rcs $@ $(B)/fuzz/libfdt/*.o

# Each program is a handful of files: one clang call, no object tree.
$(B)/fuzz/fuzz_fdt: $(FUZZ_FDT_SRCS) $(B)/fuzz/libfdt.a $(FUZZ_HDRS) \
		mk/fuzz.mk
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(LIBFDT_DIR) $(FUZZ_FDT_SRCS) \
		$(B)/fuzz/libfdt.a -o $@

$(B)/fuzz/fuzz_mm: $(FUZZ_MM_SRCS) $(FUZZ_HDRS) mk/fuzz.mk
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_MM_SRCS) -o $@

# The MM_DEBUG build: freed objects poisoned and checked when reused, so
# mm writing into an object it freed is a finding too (the harness never
# touches freed memory).
$(B)/fuzz/fuzz_mm_debug: $(FUZZ_MM_SRCS) $(FUZZ_HDRS) mk/fuzz.mk
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -DMM_DEBUG=1 $(FUZZ_MM_SRCS) -o $@

# fuzz-cov: the same programs with clang's source coverage instead of the
# sanitizers, for `scripts/robust.py coverage` (needs llvm-profdata and
# llvm-cov from Debian's llvm package).
FUZZ_COV_CFLAGS := -std=gnu11 -g -O1 -pthread -I. -fsanitize=fuzzer \
	-fprofile-instr-generate -fcoverage-mapping -w

.PHONY: fuzz-cov
fuzz-cov: $(B)/fuzz/cov/fuzz_fdt $(B)/fuzz/cov/fuzz_mm

$(B)/fuzz/cov/fuzz_fdt: $(FUZZ_FDT_SRCS) $(FUZZ_LIBFDT) $(FUZZ_HDRS) mk/fuzz.mk
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(FUZZ_COV_CFLAGS) -I$(LIBFDT_DIR) $(FUZZ_FDT_SRCS) \
		$(FUZZ_LIBFDT) -o $@

$(B)/fuzz/cov/fuzz_mm: $(FUZZ_MM_SRCS) $(FUZZ_HDRS) mk/fuzz.mk
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(FUZZ_COV_CFLAGS) $(FUZZ_MM_SRCS) -o $@
