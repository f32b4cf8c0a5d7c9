#!/usr/bin/env bash
# The kernel's dependencies run one way (issue 11), measured from the built
# objects by scripts/objdeps.py (who references whose symbols) and from the
# sources' #include lines.  Output: KTAP version 1, two suites:
#
#   kernel-layers    layers lib < sbi < arch/riscv < mm < kernel (printk
#                    and panic may be called from anywhere; mm leaves its
#                    layer only through its port, kernel/mm_port.c;
#                    entry.S, the boot entry, sits on top and arch takes
#                    the address of its trap vector and boot stacks), no
#                    cycle of files that crosses out of mm/, no cycle of
#                    more than 8 files;
#   kernel-includes  nothing outside tests/ includes a header of tests/.
#
#   tests/host/test_kernel_layers.sh    (from the repository root, after
#                                        the kernel is built)
#   NM=... KOBJ=...                     another nm, another object tree
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
nm=${NM:-riscv64-unknown-elf-nm}
kobj=${KOBJ:-build/kobj}

echo "KTAP version 1"
echo "1..2"

# The objects of the sources that exist now: build/ may still hold objects
# of files that were moved or deleted since it was made.
objs=()
while IFS= read -r src; do
	[ -f "$kobj/$src.o" ] && objs+=("$kobj/$src.o")
done < <(git ls-files --cached --others --exclude-standard \
	-- 'lib/*.c' 'sbi/*.c' 'arch/riscv/*.[cS]' 'kernel/*.c' 'mm/*.c' \
	'tests/kernel/*.c' | sort -u)
if [ "${#objs[@]}" -lt 10 ]; then
	echo "# kernel-layers: only ${#objs[@]} objects in $kobj: build first"
	echo "not ok 1 kernel-layers"
else
	# objdeps prints a whole KTAP document of one suite: keep the suite.
	python3 scripts/objdeps.py --nm "$nm" --strip "$kobj/" \
		--ktap kernel-layers \
		--layer 'lib/*' --layer 'sbi/*' --layer 'arch/riscv/*.c' \
		--layer 'mm/*' --layer 'kernel/*,arch/riscv/*.S' \
		--exempt 'kernel/printk.c' --exempt 'kernel/panic.c' \
		--exempt 'arch/riscv/entry.S' --exempt 'kernel/mm_port.c' \
		--closed 'mm/*' --max-cycle 8 "${objs[@]}" | tail -n +3
fi

echo "    KTAP version 1"
echo "    # Subtest: kernel-includes"
echo "    1..1"
bad=$(git ls-files --cached --others --exclude-standard \
	-- '*.c' '*.h' '*.S' ':!tests/**' | sort -u |
	xargs grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"tests/' \
		/dev/null)
if [ -z "$bad" ]; then
	echo "    ok 1 no_test_header_outside_tests"
	echo "ok 2 kernel-includes"
else
	printf '%s\n' "$bad" | sed 's/^/    # includes a test header: /'
	echo "    not ok 1 no_test_header_outside_tests"
	echo "not ok 2 kernel-includes"
fi
