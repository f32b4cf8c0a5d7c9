# Benchmarks (issue 5), included at the end of mk/build.mk.
#
# bench-bins: bench/host/driver.c compiled once per allocator into
# build/bench/bench-<alloc>, all with the host flags ($(HCFLAGS)).  hartslab
# links build/host/libmm.a (mm/ built for x86-64); the others link Debian's
# shared libraries.  The in-guest benchmark is tests/kernel/bench_mm.c,
# built into the kernel by the ordinary kernel rules.

BENCH_ALLOCS := hartslab glibc jemalloc mimalloc tcmalloc
BENCH_BINS := $(patsubst %,$(B)/bench/bench-%,$(BENCH_ALLOCS))

BENCH_DEF_hartslab := -DBENCH_ALLOC_HARTSLAB
BENCH_DEF_glibc := -DBENCH_ALLOC_GLIBC
BENCH_DEF_jemalloc := -DBENCH_ALLOC_JEMALLOC
BENCH_DEF_mimalloc := -DBENCH_ALLOC_MIMALLOC
BENCH_DEF_tcmalloc := -DBENCH_ALLOC_TCMALLOC

BENCH_LIBS_hartslab := $(B)/host/libmm.a -lfdt
BENCH_LIBS_glibc :=
BENCH_LIBS_jemalloc := -ljemalloc
BENCH_LIBS_mimalloc := -lmimalloc
BENCH_LIBS_tcmalloc := -ltcmalloc_minimal

BENCH_SRCS := bench/host/driver.c bench/host/shim.h

bench-bins: $(BENCH_BINS)

$(B)/bench/bench-hartslab: $(BENCH_SRCS) $(B)/host/libmm.a

$(B)/bench/bench-%: $(BENCH_SRCS)
	@mkdir -p $(dir $@)
	@echo "  HLD     $@"
	@$(HCC) $(filter-out -MMD -MP,$(HCFLAGS)) $(BENCH_DEF_$*) \
		bench/host/driver.c $(BENCH_LIBS_$*) -o $@
