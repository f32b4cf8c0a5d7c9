#!/usr/bin/env bash
# Produces the device tree blobs the host tests read, into build/dtb/:
#
#   qemu-*.dtb    QEMU virt's own tree (-machine virt,dumpdtb=...) for
#                 several -smp/-m/NUMA settings
#   board-*.dtb   real boards' trees from linux-source-6.1 (cpp + dtc)
#   bad-*.dtb     tests/dts/*.dts (synthetic good and bad layouts), plus a
#                 truncated and a bad-magic blob cut from a QEMU one
#
# Idempotent: a blob newer than its inputs is left alone.  Quiet unless it
# builds something.  Usage: scripts/make_dtbs.sh [OUTDIR]
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/dtb}
linux="$top/build/linux-src"
dts_root="$linux/arch/riscv/boot/dts"
qemu=${QEMU:-qemu-system-riscv64}

mkdir -p "$out"

say() { echo "make_dtbs: $*" >&2; }

# up_to_date TARGET INPUT...: TARGET exists and is newer than every INPUT.
up_to_date() {
	local t=$1 f
	shift
	[ -s "$t" ] || return 1
	for f in "$@"; do
		[ "$t" -nt "$f" ] || return 1
	done
	return 0
}

# qemu_dtb NAME QEMU-ARGS...: dump virt's tree.  The script itself is the
# input, so changing a setting here rebuilds.
qemu_dtb() {
	local name=$1 t="$out/qemu-$1.dtb"
	shift
	up_to_date "$t" "$0" && return 0
	say "qemu $name"
	"$qemu" -machine "virt,dumpdtb=$t.tmp" -nographic -bios default \
		-display none "$@" >/dev/null 2>&1 || {
		rm -f "$t.tmp"
		say "qemu failed for $name"
		return 1
	}
	mv "$t.tmp" "$t"
}

# dts_to_dtb OUT DTS: cpp (for #include and dt-bindings macros), then dtc.
dts_to_dtb() {
	local t=$1 src=$2 dir
	dir=$(dirname "$src")
	up_to_date "$t" "$src" "$0" $(ls "$dir"/*.dtsi 2>/dev/null) && return 0
	say "dtc $(basename "$src") -> $(basename "$t")"
	cpp -nostdinc -I "$dir" -I "$linux/include" -undef \
		-x assembler-with-cpp "$src" 2>/dev/null |
		dtc -q -I dts -O dtb -o "$t.tmp" - || {
		rm -f "$t.tmp"
		say "dtc failed for $src"
		return 1
	}
	mv "$t.tmp" "$t"
}

status=0

for smp in 1 4 8; do
	for mem in 128M 1G 4G; do
		qemu_dtb "smp$smp-$mem" -smp "$smp" -m "$mem" || status=1
	done
done
qemu_dtb smp2-512M -smp 2 -m 512M || status=1
qemu_dtb numa2 -m 768M -smp 4 \
	-object memory-backend-ram,id=m0,size=256M \
	-object memory-backend-ram,id=m1,size=512M \
	-numa node,nodeid=0,cpus=0-1,memdev=m0 \
	-numa node,nodeid=1,cpus=2-3,memdev=m1 || status=1
# Node 1 has harts but no memory (no memdev).
qemu_dtb numa-memoryless -m 512M -smp 4 \
	-object memory-backend-ram,id=m0,size=512M \
	-numa node,nodeid=0,cpus=0-1,memdev=m0 \
	-numa node,nodeid=1,cpus=2-3 || status=1

# Every RISC-V board tree in linux-source-6.1 (tests/host/test_platform.c
# and tests/host/test_platinfo.sh know what each must read as).
# QEMU's spike: HTIF console and exit.
spike_dtb() {
	local t="$out/qemu-spike.dtb"
	up_to_date "$t" "$0" && return 0
	say "qemu spike"
	"$qemu" -machine "spike,dumpdtb=$t.tmp" -nographic -bios default \
		-display none -smp 4 -m 256M >/dev/null 2>&1 || {
		rm -f "$t.tmp"
		say "qemu failed for spike"
		return 1
	}
	mv "$t.tmp" "$t"
}
spike_dtb || status=1

boards=(
	sifive/hifive-unleashed-a00
	sifive/hifive-unmatched-a00
	microchip/mpfs-icicle-kit
	microchip/mpfs-m100pfsevp
	microchip/mpfs-polarberry
	microchip/mpfs-sev-kit
	starfive/jh7100-beaglev-starlight
	canaan/canaan_kd233
	canaan/k210_generic
	canaan/sipeed_maix_bit
	canaan/sipeed_maix_dock
	canaan/sipeed_maix_go
	canaan/sipeed_maixduino
)
for b in "${boards[@]}"; do
	if [ ! -f "$dts_root/$b.dts" ]; then
		say "missing $dts_root/$b.dts (run scripts/setup.sh)"
		status=1
		continue
	fi
	dts_to_dtb "$out/board-$(basename "$b").dtb" "$dts_root/$b.dts" ||
		status=1
done

for src in "$top"/tests/dts/*.dts; do
	[ -e "$src" ] || continue
	dts_to_dtb "$out/$(basename "$src" .dts).dtb" "$src" || status=1
done

# Trees at or past struct platform's limits, written here rather than kept
# as long .dts files: 66 harts (64 used, 2 skipped for the limit), 513 cpu
# nodes (more than are read), 33 memory regions.
gen="$out/.gen"
mkdir -p "$gen"
gen_tree() {	# gen_tree NAME NCPU NMEM
	local name=$1 ncpu=$2 nmem=$3 i
	{
		echo "/dts-v1/;"
		echo "/ { #address-cells = <2>; #size-cells = <2>;"
		echo "cpus { #address-cells = <1>; #size-cells = <0>;"
		echo "timebase-frequency = <10000000>;"
		for ((i = 0; i < ncpu; i++)); do
			echo "cpu@$i { device_type = \"cpu\"; reg = <$i>;" \
				"mmu-type = \"riscv,sv39\"; };"
		done
		echo "};"
		for ((i = 0; i < nmem; i++)); do
			printf 'memory@%x { device_type = "memory";' \
				$((0x80000000 + i * 0x200000))
			printf ' reg = <0x0 0x%x 0x0 0x100000>; };\n' \
				$((0x80000000 + i * 0x200000))
		done
		echo "};"
	} >"$gen/$name.dts.tmp"
	# Rewrite only on change, so the blob stays up to date.
	if cmp -s "$gen/$name.dts.tmp" "$gen/$name.dts"; then
		rm "$gen/$name.dts.tmp"
	else
		mv "$gen/$name.dts.tmp" "$gen/$name.dts"
	fi
	dts_to_dtb "$out/$name.dtb" "$gen/$name.dts"
}
gen_tree synth-hart-limit 66 1 || status=1
gen_tree bad-too-many-cpus 513 1 || status=1
gen_tree bad-too-many-memory 1 33 || status=1
gen_tree synth-max 64 32 || status=1

# patch_be32 FILE OFFSET VALUE: overwrite 4 bytes, big-endian, in place.
patch_be32() {
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' \
		$(($3 >> 24 & 255)) $(($3 >> 16 & 255)) $(($3 >> 8 & 255)) \
		$(($3 & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# be32 FILE OFFSET: read 4 bytes, big-endian.
be32() {
	od -An -tu1 -j "$2" -N4 "$1" |
		awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }'
}

# Broken blobs made from a good, unpadded one (a real board's).
good="$out/board-hifive-unmatched-a00.dtb"
if [ -s "$good" ]; then
	if ! up_to_date "$out/bad-corrupt-struct.dtb" "$good" "$0"; then
		say "bad-{truncated,magic,tiny,header,corrupt-struct}.dtb"
		size=$(stat -c %s "$good")
		# Cut in the middle of the structure block.
		head -c $((size / 2)) "$good" >"$out/bad-truncated.dtb"
		# Flip the magic d00dfeed -> d00dfeef, keep the rest.
		cp "$good" "$out/bad-magic.dtb"
		patch_be32 "$out/bad-magic.dtb" 0 $((0xd00dfeef))
		# Shorter than a header.
		head -c 20 "$good" >"$out/bad-tiny.dtb"
		# Header: strings block said to start beyond the blob.
		cp "$good" "$out/bad-header.dtb"
		patch_be32 "$out/bad-header.dtb" 12 $((size + 4096))
		# Structure: an unknown tag (0xa) a little into the block,
		# where the root node's first property sits.
		cp "$good" "$out/bad-corrupt-struct.dtb"
		off=$(be32 "$good" 8)
		patch_be32 "$out/bad-corrupt-struct.dtb" $((off + 8)) 10
	fi
else
	status=1
fi

exit $status
