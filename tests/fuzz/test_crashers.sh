#!/usr/bin/env bash
# Every crasher in the committed FDT corpus (tests/fuzz/corpus/fdt/crash-*)
# must make build/host/platinfo exit 1 within 10 s, print nothing on
# stdout and exactly one line "platinfo: FILE: <reason>" on stderr, where
# the reason contains the words the table below expects.
# Output: KTAP version 1, one suite "fuzz_crashers".
#
#   tests/fuzz/test_crashers.sh        (from anywhere)
#   PLATINFO=...                       another platinfo
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
tool=${PLATINFO:-build/host/platinfo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What each reason must say (a crasher not listed only needs one line).
declare -A want=(
	[crash-prop-len-fffffff4]="property length 0xfffffff4"
	[crash-alias-self]="alias loop"
	[crash-alias-loop2]="alias loop"
	[crash-unaligned-struct]="unaligned block offsets"
	[crash-unaligned-rsvmap]="unaligned block offsets"
	[crash-newline-in-node-name]="cpu node cpu@0? has no valid reg"
)

files=(tests/fuzz/corpus/fdt/crash-*)
echo "KTAP version 1"
echo "1..1"
echo "    KTAP version 1"
echo "    # Subtest: fuzz_crashers"
echo "    1..${#files[@]}"
n=0
failed=0
for f in "${files[@]}"; do
	n=$((n + 1))
	name=$(basename "$f")
	timeout 10 "$tool" "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	lines=$(wc -l <"$tmp/err")
	why=""
	[ "$rc" = 1 ] || why="exit status $rc (want 1)"
	[ -s "$tmp/out" ] && why="$why; output on stdout"
	[ "$lines" = 1 ] || why="$why; $lines stderr lines (want 1)"
	grep -q "^platinfo: $f: " "$tmp/err" || why="$why; no 'platinfo: $f:' line"
	words=${want[$name]:-}
	if [ -n "$words" ] && ! grep -qF -- "$words" "$tmp/err"; then
		why="$why; reason lacks '$words'"
	fi
	if [ -z "$why" ]; then
		echo "    # $(cat "$tmp/err")"
		echo "    ok $n $name"
	else
		failed=$((failed + 1))
		echo "    # $name: ${why#; }: $(head -c 300 "$tmp/err")"
		echo "    not ok $n $name"
	fi
done
if [ "$failed" = 0 ]; then
	echo "ok 1 fuzz_crashers"
else
	echo "not ok 1 fuzz_crashers"
fi
exit $((failed != 0))
