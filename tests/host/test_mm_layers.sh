#!/usr/bin/env bash
# mm/'s layers call only downward (mm/internal.h lists them), checked from
# the built objects' symbols with scripts/objdeps.py, for the kernel build
# (riscv64 nm over build/kobj/mm) and the host build (build/host/obj/mm):
# a file may reference symbols of its own layer or the layers below, never
# above, and no two files may depend on each other (--max-cycle 1).  Also:
# no mm object of the kernel calls libgcc's software bit scans (rv64imac
# has no Zbb; mm uses a de Bruijn multiply instead).
# Output: KTAP version 1, suites mm-layers-kernel, mm-layers-host,
# mm-no-libgcc-bitscan.  Runs after the build (make test).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

layers=(--layer 'mm/base.c' --layer 'mm/section.c' --layer 'mm/buddy.c'
	--layer 'mm/slab.c' --layer 'mm/slab_debug.c' --layer 'mm/mm.c,mm/stats.c'
	--layer 'mm/kmalloc.c' --layer 'mm/cache.c')
# Only objects of sources that exist (a removed file's object may linger).
objs() {
	local dir=$1 src
	for src in mm/*.c; do
		echo "$dir/$src.o"
	done
}

echo "KTAP version 1"
echo "1..3"
status=0
n=0
run() {
	local suite=$1 nm=$2 dir=$3 out rc
	n=$((n + 1))
	mapfile -t files < <(objs "$dir")
	for f in "${files[@]}"; do
		if [ ! -f "$f" ]; then
			echo "# $suite: $f missing (build first)"
			echo "not ok $n $suite"
			status=1
			return
		fi
	done
	out=$(scripts/objdeps.py --nm "$nm" --ktap "$suite" \
		--strip "$dir/" "${layers[@]}" --max-cycle 1 "${files[@]}")
	rc=$?
	# objdeps' suite, already indented as a subtest, without its own
	# top-level header and result line (ours follows).
	echo "$out" | sed -n '3,$p' | sed '$d'
	if [ $rc -eq 0 ]; then
		echo "ok $n $suite"
	else
		echo "not ok $n $suite"
		status=1
	fi
}
run mm-layers-kernel riscv64-unknown-elf-nm build/kobj
run mm-layers-host nm build/host/obj

n=$((n + 1))
echo "    KTAP version 1"
echo "    # Subtest: mm-no-libgcc-bitscan"
echo "    1..1"
mapfile -t files < <(objs build/kobj)
calls=$(riscv64-unknown-elf-nm -u "${files[@]}" 2>/dev/null |
	awk '{print $NF}' | grep -E '__(ctz|clz|ffs|popcount)[sd]i2' |
	sort -u | tr '\n' ' ')
if [ -z "$calls" ]; then
	echo "    ok 1 no_bitscan_calls"
	echo "ok $n mm-no-libgcc-bitscan"
else
	echo "    # libgcc calls: $calls"
	echo "    not ok 1 no_bitscan_calls"
	echo "not ok $n mm-no-libgcc-bitscan"
	status=1
fi
exit $status
