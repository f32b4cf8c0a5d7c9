# hartslab: the targets a user types.  Each runs scripts/setup.sh first
# (installs what is missing, quiet otherwise), then the real build in
# mk/build.mk, so that the build's file lists are read after set-up.
#
#   make            build build/kernel.elf, build/kernel.bin, host tools
#   make run        boot in QEMU virt (SMP=4 MEM=512M NUMA= ARGS="...")
#   make test       every test; ends with "N passed, N failed"
#   make stress     long stress run (SMP=8 SECONDS=300)
#   make bench      benchmarks into build/bench/
#   make fuzz       each fuzz target for SECONDS (default 300)
#   make debug      boot halted with a gdb server, print the gdb command
#   make DEBUG=1    debug build: poisoning of freed objects
#   make clean
#   make help       every target and variable

SMP ?= 4
MEM ?= 512M
NUMA ?=
ARGS ?=
SECONDS ?= 300
DEBUG ?=
GDB_PORT ?= 1234
export SMP MEM NUMA ARGS SECONDS DEBUG

BUILD := $(MAKE) --no-print-directory -f mk/build.mk

.PHONY: all run test stress bench clean setup setup-bench format debug help fuzz

all: setup
	@$(BUILD) all

setup:
	@scripts/setup.sh

setup-bench:
	@scripts/setup.sh --bench

run: setup
	@$(BUILD) kernel
	@python3 scripts/qemu.py --smp $(SMP) --mem $(MEM) \
		$(if $(NUMA),--numa $(NUMA)) --append "$(ARGS)"

test: setup
	@$(BUILD) all host-tests
	@python3 scripts/test_all.py

debug: setup
	@$(BUILD) kernel
	@python3 scripts/debug.py --smp $(SMP) --mem $(MEM) \
		$(if $(NUMA),--numa $(NUMA)) --append "$(ARGS)" --port $(GDB_PORT)

stress: setup
	@$(BUILD) kernel
	@python3 scripts/harness.py --stress --smp $(SMP) --seconds $(SECONDS)

fuzz: setup
	@python3 scripts/robust.py fuzz --seconds $(SECONDS)

bench: setup-bench
	@$(BUILD) all bench-bins
	@python3 scripts/bench.py

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

help:
	@echo 'Targets:'
	@echo '  make              build/kernel.elf, build/kernel.bin, build/host/platinfo'
	@echo '  make run          boot in QEMU virt, then the serial console (Ctrl-A X leaves)'
	@echo '  make test         every test; last line "N passed, N failed";'
	@echo '                    JUnit XML in build/test-results.xml, logs in build/test-logs/'
	@echo '  make stress       one long stress run on every hart (SMP, SECONDS)'
	@echo '  make bench        benchmarks into build/bench/ (docs/benchmarks.md)'
	@echo '  make debug        boot halted with a gdb server; prints the gdb command'
	@echo '  make fuzz         each fuzz target for SECONDS (docs/fuzzing.md)'
	@echo '  make format       clang-format every tracked .c and .h'
	@echo '  make setup        install what is missing (scripts/setup.sh); every target runs it'
	@echo '  make setup-bench  the same, plus the allocators of the benchmarks'
	@echo '  make clean        remove build/'
	@echo '  make help         this list'
	@echo 'Variables (current value):'
	@printf '  %-18s %s\n' \
		'SMP=$(SMP)' 'harts for run, debug, stress' \
		'MEM=$(MEM)' 'RAM for run and debug (QEMU -m)' \
		'NUMA=$(NUMA)' '2: two memory nodes (run, debug)' \
		'ARGS="$(ARGS)"' 'kernel command line (docs/cmdline.md), e.g. ARGS=test=mm' \
		'SECONDS=$(SECONDS)' 'length of make stress (and of each make fuzz target), in seconds' \
		'DEBUG=$(DEBUG)' '1: MM_DEBUG build (poisoned frees, checks on reuse)' \
		'GDB_PORT=$(GDB_PORT)' 'TCP port of the gdb server of make debug'

