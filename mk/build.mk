# The real build (called from ../Makefile after set-up).
#
# Kernel: everything under arch/riscv sbi lib kernel mm tests/kernel, plus
# libfdt from build/linux-src, for riscv64 (HARTSLAB_KERNEL defined).
# Host: mm, memblock and platform discovery for x86-64, for the tests, the
# platinfo tool and the benchmarks; plain, ASan+UBSan and TSan variants.

B := build
LIBFDT_DIR := $(B)/linux-src/scripts/dtc/libfdt

CROSS := riscv64-unknown-elf-
KCC := $(CROSS)gcc
KOBJCOPY := $(CROSS)objcopy
KARCH := -march=rv64imac -misa-spec=2.2 -mabi=lp64 -mcmodel=medany
KCFLAGS := $(KARCH) -std=gnu11 -O2 -g -ffreestanding -fno-common -fno-pie \
	-fno-stack-protector -fno-omit-frame-pointer -fno-jump-tables \
	-fno-tree-loop-distribute-patterns \
	-mno-relax -mstrict-align -DHARTSLAB_KERNEL -I. -Ilib/libc \
	-I$(LIBFDT_DIR) -MMD -MP
KWARN := -Wall -Wextra -Werror -Wno-unused-parameter
ifeq ($(DEBUG),1)
KCFLAGS += -DMM_DEBUG=1
endif
KLDFLAGS := -nostdlib -static -Wl,--no-relax -Wl,-T,kernel.ld \
	-Wl,--gc-sections -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

KSRCS := $(sort $(wildcard arch/riscv/*.S arch/riscv/*.c sbi/*.c lib/*.c \
	kernel/*.c mm/*.c tests/kernel/*.c))
LIBFDT_SRCS := fdt.c fdt_ro.c fdt_rw.c fdt_wip.c fdt_strerror.c fdt_addresses.c
KOBJS := $(patsubst %,$(B)/kobj/%.o,$(KSRCS)) \
	$(patsubst %,$(B)/kobj/libfdt/%.o,$(LIBFDT_SRCS))

HCC := gcc
HCFLAGS := -std=gnu11 -O2 -g -pthread -I. -MMD -MP \
	-Wall -Wextra -Werror -Wno-unused-parameter
ifeq ($(DEBUG),1)
HCFLAGS += -DMM_DEBUG=1
endif
HLIB_SRCS := $(sort $(wildcard mm/*.c mm/host/*.c)) kernel/platform.c \
	kernel/memblock.c lib/errno.c lib/kstrtox.c
HTEST_SRCS := $(sort $(wildcard tests/host/test_*.c))
HTSAN_SRCS := $(sort $(wildcard tests/host/tsan_*.c))
HHELP_SRCS := $(filter-out $(HTEST_SRCS) $(HTSAN_SRCS), \
	$(wildcard tests/host/*.c))

# host-debug: the MM_DEBUG build (poisoning, checks on reuse), so that
# `make test` exercises it without a separate `make DEBUG=1`.
VARIANTS := host host-asan host-tsan host-debug
FLAGS_host :=
FLAGS_host-debug := -DMM_DEBUG=1
FLAGS_host-asan := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FLAGS_host-tsan := -fsanitize=thread -O1

.PHONY: all kernel host-tools host-tests bench-bins
# Keep the objects of test programs: they are intermediate files to make.
.SECONDARY:
all: kernel host-tools
kernel: $(B)/kernel.elf $(B)/kernel.bin
host-tools: $(B)/host/platinfo
host-tests: $(patsubst tests/host/%.c,$(B)/host/%,$(HTEST_SRCS)) \
	$(patsubst tests/host/%.c,$(B)/host-asan/%,$(HTEST_SRCS)) \
	$(patsubst tests/host/%.c,$(B)/host-debug/%,$(HTEST_SRCS)) \
	$(patsubst tests/host/%.c,$(B)/host-tsan/%,$(HTSAN_SRCS))

# Objects depend on the flags they were built with: `make DEBUG=1` after a
# plain `make` must rebuild, not link stale objects.
FLAGS_STAMP := $(B)/.flags
FLAGS_NOW := $(KCFLAGS) | $(HCFLAGS)
ifneq ($(shell cat $(FLAGS_STAMP) 2>/dev/null),$(strip $(FLAGS_NOW)))
$(shell mkdir -p $(B) && echo '$(strip $(FLAGS_NOW))' > $(FLAGS_STAMP))
endif

# ---- kernel ----
$(B)/kobj/%.c.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  KCC     $<"
	@$(KCC) $(KCFLAGS) $(KWARN) -c $< -o $@

$(B)/kobj/%.S.o: %.S $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  KAS     $<"
	@$(KCC) $(KCFLAGS) -D__ASSEMBLY__ -c $< -o $@

# libfdt is not ours: built as it is, without our warning set.
$(B)/kobj/libfdt/%.c.o: $(LIBFDT_DIR)/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  KCC     libfdt/$*.c"
	@$(KCC) $(KCFLAGS) -w -c $< -o $@

# The version in the boot banner: `git describe`, written to a header only
# when it changes, so that only kernel/main.c is rebuilt for a new commit.
VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || \
	echo unknown)
$(B)/generated/version.h: FORCE
	@mkdir -p $(dir $@)
	@echo '#define HARTSLAB_VERSION "$(VERSION)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(B)/kobj/kernel/main.c.o: $(B)/generated/version.h
.PHONY: FORCE
FORCE:

# Two links, for the symbol table of slab_debug's reports (kernel/ksyms.c):
# the first with an empty table, the second with the first's text symbols
# (text precedes rodata, so the table moves no function); then the
# second's own table must be the one it holds.
KSYMS_DIR := $(B)/ksyms
$(B)/kernel.elf: $(KOBJS) kernel.ld scripts/ksyms.py
	@echo "  KLD     $@"
	@mkdir -p $(KSYMS_DIR)
	@scripts/ksyms.py --empty > $(KSYMS_DIR)/ksyms0.c
	@$(KCC) $(KCFLAGS) -c $(KSYMS_DIR)/ksyms0.c -o $(KSYMS_DIR)/ksyms0.o
	@$(KCC) $(KCFLAGS) $(KLDFLAGS) $(KOBJS) $(KSYMS_DIR)/ksyms0.o -lgcc \
		-o $(KSYMS_DIR)/kernel0.elf
	@$(CROSS)nm -n $(KSYMS_DIR)/kernel0.elf | scripts/ksyms.py \
		> $(KSYMS_DIR)/ksyms1.c
	@$(KCC) $(KCFLAGS) -c $(KSYMS_DIR)/ksyms1.c -o $(KSYMS_DIR)/ksyms1.o
	@$(KCC) $(KCFLAGS) $(KLDFLAGS) $(KOBJS) $(KSYMS_DIR)/ksyms1.o -lgcc \
		-o $@
	@$(CROSS)nm -n $@ | scripts/ksyms.py | cmp -s - $(KSYMS_DIR)/ksyms1.c \
		|| { echo "ksyms: the symbol table moved text"; rm -f $@; exit 1; }

$(B)/kernel.bin: $(B)/kernel.elf
	@$(KOBJCOPY) -O binary $< $@

# ---- host: one object tree per variant ----
define host_variant
$(B)/$(1)/obj/%.c.o: %.c $(FLAGS_STAMP)
	@mkdir -p $$(dir $$@)
	@echo "  HCC     $$< ($(1))"
	@$(HCC) $(HCFLAGS) $(FLAGS_$(1)) -c $$< -o $$@

$(B)/$(1)/libmm.a: $(patsubst %,$(B)/$(1)/obj/%.o,$(HLIB_SRCS) $(HHELP_SRCS))
	@rm -f $$@
	@ar rcs $$@ $$^

$(B)/$(1)/%: $(B)/$(1)/obj/tests/host/%.c.o $(B)/$(1)/libmm.a
	@echo "  HLD     $$@"
	@$(HCC) $(HCFLAGS) $(FLAGS_$(1)) $$^ -lfdt -o $$@
endef
$(foreach v,$(VARIANTS),$(eval $(call host_variant,$(v))))

$(B)/host/platinfo: $(B)/host/obj/tools/platinfo.c.o $(B)/host/libmm.a
	@echo "  HLD     $@"
	@$(HCC) $(HCFLAGS) $^ -lfdt -o $@

-include $(shell find $(B) -name '*.d' 2>/dev/null)
-include mk/bench.mk
-include mk/fuzz.mk
