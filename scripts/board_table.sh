#!/usr/bin/env bash
# Prints a Markdown table of what hartslab makes of every board tree in
# build/dtb/board-*.dtb (scripts/make_dtbs.sh builds them from
# linux-source-6.1), by running build/host/platinfo over each one.
# tests/host/test_platinfo.sh runs it and keeps the result in
# build/test-logs/board-table.md; docs/porting.md carries a copy.
#
#   scripts/board_table.sh [DTB_DIR]      (PLATINFO=... for another tool)
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
dtb=${1:-${HARTSLAB_DTB_DIR:-$top/build/dtb}}
tool=${PLATINFO:-$top/build/host/platinfo}

# human SIZE-IN-HEX: 0x200000000 -> 8 GiB
human() {
	local b=$(($1))
	if ((b >= 1 << 30 && b % (1 << 30) == 0)); then
		echo "$((b >> 30)) GiB"
	else
		echo "$((b >> 20)) MiB"
	fi
}

echo "| board tree | verdict | harts used | harts skipped | RAM | reserved | console | timebase |"
echo "|---|---|---|---|---|---|---|---|"
for f in "$dtb"/board-*.dtb; do
	[ -e "$f" ] || continue
	name=$(basename "$f" .dtb)
	name=${name#board-}
	out=$("$tool" "$f" 2>&1)
	rc=$?
	if [ $rc != 0 ]; then
		why=${out#*: }
		why=${why#*: }
		echo "| $name | refused (exit $rc): $why | - | - | - | - | - | - |"
		continue
	fi
	used=$(sed -n 's/^platform: hart id=\([0-9]*\) state=usable$/\1/p' \
		<<<"$out" | paste -sd, -)
	skipped=$(sed -n 's/^platform: hart id=\([0-9]*\) state=skipped reason=\(.*\)$/\1 (\2)/p' \
		<<<"$out" | paste -sd, -)
	ram=0
	regions=0
	while read -r size; do
		ram=$((ram + size))
		regions=$((regions + 1))
	done < <(sed -n 's/^platform: memory base=0x[0-9a-f]* size=\(0x[0-9a-f]*\) .*/\1/p' <<<"$out")
	nresv=$(grep -c '^platform: reserved base=' <<<"$out")
	nign=$(grep -c '^platform: reserved-outside-ram .*(ignored)$' <<<"$out")
	nclip=$(grep -c '^platform: reserved-outside-ram .*(clipped to RAM)$' <<<"$out")
	resv="$nresv"
	[ "$nign" = 0 ] || resv="$resv; $nign outside RAM, ignored"
	[ "$nclip" = 0 ] || resv="$resv; $nclip clipped to RAM"
	console=$(sed -n 's/^platform: console=\([^ ]*\).*path=\(.*\)$/\1 \2/p' <<<"$out")
	tb=$(sed -n 's/^platform: timebase=\(.*\)$/\1 Hz/p' <<<"$out")
	echo "| $name | accepted | $used | ${skipped:--} | $(human $ram) in $regions region(s) | $resv | $console | $tb |"
done
