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
#   make DEBUG=1    debug build: poisoning of freed objects
#   make clean

SMP ?= 4
MEM ?= 512M
NUMA ?=
ARGS ?=
SECONDS ?= 300
DEBUG ?=
export SMP MEM NUMA ARGS SECONDS DEBUG

BUILD := $(MAKE) --no-print-directory -f mk/build.mk

.PHONY: all run test stress bench clean setup setup-bench format fuzz

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
