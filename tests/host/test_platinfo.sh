#!/usr/bin/env bash
# Runs build/host/platinfo over good and bad DTBs (scripts/make_dtbs.sh
# makes them) and checks exit status, stdout and the one stderr line that
# must name the problem.  Output: KTAP version 1, one suite "platinfo".
#
#   tests/host/test_platinfo.sh        (from the repository root)
#   PLATINFO=... HARTSLAB_DTB_DIR=...  override the tool and the DTB dir
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
tool=${PLATINFO:-build/host/platinfo}
dtb=${HARTSLAB_DTB_DIR:-build/dtb}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

names=()
results=()

record() {	# record NAME OK(0|1) [diagnostic...]
	local name=$1 ok=$2
	shift 2
	names+=("$name")
	results+=("$ok")
	[ "$ok" = 0 ] || for d in "$@"; do diags+=("    # $name: $d"); done
}
diags=()

run() {		# run FILE: sets rc, out, err
	"$tool" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# good NAME FILE LINE...: exit 0, nothing on stderr, each LINE in stdout.
good() {
	local name=$1 file=$dtb/$2 l ok=0
	shift 2
	if [ ! -f "$file" ]; then
		record "$name" 1 "$file missing"
		return
	fi
	run "$file"
	[ "$rc" = 0 ] && [ -z "$err" ] || ok=1
	for l in "$@"; do
		grep -qxF -- "$l" "$tmp/out" || { ok=1; diags+=("    # $name: no line: $l"); }
	done
	# Every line has the platform: prefix.
	grep -qv '^platform: ' "$tmp/out" && ok=1
	record "$name" "$ok" "rc=$rc stderr=$err"
}

# bad NAME FILE WANT_RC WORDS: exit WANT_RC, empty stdout, exactly one
# stderr line "platinfo: FILE: ..." containing WORDS.
bad() {
	local name=$1 file=$2 want=$3 words=$4 ok=0
	case $file in /*) ;; *) file=$dtb/$file ;; esac
	if [ "$want" = 1 ] && [ ! -f "$file" ]; then
		record "$name" 1 "$file missing"
		return
	fi
	run "$file"
	[ "$rc" = "$want" ] || ok=1
	[ -z "$out" ] || ok=1
	[ "$(wc -l <"$tmp/err")" = 1 ] || ok=1
	case $err in "platinfo: $file: "*"$words"*) ;; *) ok=1 ;; esac
	record "$name" "$ok" "rc=$rc (want $want) stderr=$err"
}

if [ ! -x "$tool" ]; then
	record build 1 "$tool missing"
else
	good qemu_smp4_1G qemu-smp4-1G.dtb \
		"platform: hart id=0 state=usable" \
		"platform: hart id=3 state=usable" \
		"platform: memory base=0x80000000 size=0x40000000 node=0"
	good qemu_numa2 qemu-numa2.dtb \
		"platform: memory base=0x80000000 size=0x10000000 node=0" \
		"platform: memory base=0x90000000 size=0x20000000 node=1"
	good unleashed board-hifive-unleashed-a00.dtb \
		"platform: hart id=0 state=skipped reason=disabled" \
		"platform: hart id=4 state=usable" \
		"platform: memory base=0x80000000 size=0x200000000 node=0"
	good icicle board-mpfs-icicle-kit.dtb \
		"platform: memory base=0x1040000000 size=0x40000000 node=0" \
		"platform: reserved base=0xbfc00000 size=0x400000 nomap=1 name=region"
	good synth_layout synth-layout.dtb \
		"platform: hart id=3 state=skipped reason=disabled" \
		"platform: reserved base=0x100000000 size=0x400000 nomap=0 name=initrd" \
		'platform: bootargs="suite=all quiet"'

	good unmatched board-hifive-unmatched-a00.dtb \
		"platform: hart id=0 state=skipped reason=disabled" \
		"platform: memory base=0x80000000 size=0x400000000 node=0"
	good m100pfsevp board-mpfs-m100pfsevp.dtb \
		"platform: hart id=4 state=usable" \
		"platform: memory base=0x1040000000 size=0x40000000 node=0"
	good polarberry board-mpfs-polarberry.dtb \
		"platform: memory base=0x1000000000 size=0xc0000000 node=0"
	good sev_kit board-mpfs-sev-kit.dtb \
		"platform: hart id=0 state=skipped reason=disabled" \
		"platform: memory base=0x1000000000 size=0x76000000 node=0" \
		"platform: reserved-outside-ram base=0x80000000 size=0x2000000 name=buffer (ignored)" \
		"platform: reserved-outside-ram base=0xd4000000 size=0x4000000 name=buffer (ignored)"
	good jh7100 board-jh7100-beaglev-starlight.dtb \
		"platform: hart id=1 state=usable" \
		"platform: console=ns16550 base=0x12440000 reg-shift=2 reg-io-width=4 path=/soc/serial@12440000"
	good resv_clipped synth-resv-clipped.dtb \
		"platform: reserved base=0x87f00000 size=0x100000 nomap=1 name=fw" \
		"platform: reserved-outside-ram base=0x87f00000 size=0x200000 name=fw (clipped to RAM)"
	good hart_limit synth-hart-limit.dtb \
		"platform: hart id=63 state=usable" \
		"platform: hart id=64 state=skipped reason=limit" \
		"platform: hart id=65 state=skipped reason=limit"
	good numa_memoryless qemu-numa-memoryless.dtb \
		"platform: numa node=1 has no memory: its harts use node 0 (lowest node with memory)"
	good spike_htif qemu-spike.dtb \
		"platform: console=sbi path=/htif" \
		"platform: htif base=0x1000000"

	for k in canaan_kd233 k210_generic sipeed_maix_bit sipeed_maix_dock \
		sipeed_maix_go sipeed_maixduino; do
		bad "k210_no_mmu_$k" "board-$k.dtb" 1 \
			"no usable hart: 2 cpu nodes, none enabled with an Sv39+ MMU (0: no-mmu, 1: no-mmu)"
	done
	bad timebase_low bad-timebase-low.dtb 1 "timebase-frequency 1 Hz too low"
	bad too_many_cpus bad-too-many-cpus.dtb 1 "too many cpu nodes (max 512)"
	bad bad_magic bad-magic.dtb 1 "bad magic"
	bad truncated bad-truncated.dtb 1 "truncated"
	bad tiny bad-tiny.dtb 1 "truncated"
	bad corrupt_header bad-header.dtb 1 "corrupt FDT header"
	bad corrupt_struct bad-corrupt-struct.dtb 1 "corrupt FDT"
	bad no_memory bad-no-memory.dtb 1 "no memory node"
	bad no_usable_hart bad-no-usable-hart.dtb 1 "no usable hart"
	bad overlap bad-overlap.dtb 1 "overlapping memory regions"
	bad overlap_one_byte bad-overlap-one-byte.dtb 1 "overlapping memory regions"
	bad beyond_linear_map bad-beyond-linear-map.dtb 1 "beyond the linear map"
	bad memreserve_outside bad-memreserve-outside-ram.dtb 1 "outside RAM"
	bad console_missing bad-console-missing.dtb 1 "console not found"
	bad console_path bad-console-path.dtb 1 "console not found"
	bad too_many_memory bad-too-many-memory.dtb 1 "too many memory regions"
	: >"$tmp/empty.dtb"
	bad empty_file "$tmp/empty.dtb" 1 "empty file"
	bad no_such_file "$tmp/none.dtb" 2 "No such file"
	bad directory "$tmp" 2 "directory"
	# The board table (docs/porting.md carries a copy): one row for each
	# of the 13 linux-source trees, six refused (the K210s), seven taken.
	mkdir -p build/test-logs
	PLATINFO=$tool bash scripts/board_table.sh "$dtb" >"$tmp/table"
	rows=$(grep -c '^| [a-z0-9_-]* | \(accepted\|refused\)' "$tmp/table")
	refused=$(grep -c '| refused (exit 1): no usable hart' "$tmp/table")
	taken=$(grep -c '| accepted |' "$tmp/table")
	cp "$tmp/table" build/test-logs/board-table.md
	[ "$rows" = 13 ] && [ "$refused" = 6 ] && [ "$taken" = 7 ]
	record board_table $? "rows=$rows refused=$refused accepted=$taken"
	# docs/porting.md's copy is the table the tests produce.
	sed -n '/^| board tree |/,/^$/p' docs/porting.md | sed '/^$/d' \
		>"$tmp/doc-table"
	cmp -s "$tmp/doc-table" "$tmp/table"
	record porting_doc_table $? "docs/porting.md's board table differs" \
		"from scripts/board_table.sh's: copy build/test-logs/board-table.md"
	# Usage errors: exit 2, a usage line.
	"$tool" >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" = 2 ] && grep -q usage "$tmp/err"
	record usage $? "rc=$rc"
fi

failed=0
echo "KTAP version 1"
echo "1..1"
echo "    KTAP version 1"
echo "    # Subtest: platinfo"
echo "    1..${#names[@]}"
for d in "${diags[@]}"; do echo "$d"; done
for i in "${!names[@]}"; do
	if [ "${results[$i]}" = 0 ]; then
		echo "    ok $((i + 1)) ${names[$i]}"
	else
		echo "    not ok $((i + 1)) ${names[$i]}"
		failed=1
	fi
done
if [ $failed = 0 ]; then
	echo "ok 1 platinfo"
else
	echo "not ok 1 platinfo"
fi
exit $failed
