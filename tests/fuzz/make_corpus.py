#!/usr/bin/env python3
"""Regenerate the committed seeds and crashers in tests/fuzz/corpus/.

    python3 tests/fuzz/make_corpus.py [--seeds] [--crashers] [--mm]

mm seeds (corpus/mm/seed-*): operation sequences in fuzz_mm's encoding
(see tests/fuzz/fuzz_mm.c), one per area: every size class, remote frees,
pages and hot-add, krealloc, each kind of bad free, exhaustion, hart
hot-plug.

Seeds: QEMU virt's own trees (dumped with -machine dumpdtb, recompacted by
dtc so they lose QEMU's 1 MiB padding) for a few -smp/-m/NUMA layouts.
Crashers: trees that made discovery hang or crash before it was hardened
(issues 8 and 12), built from a small hand-written tree by editing bytes:

  crash-prop-len-fffffff4   a property length of 0xfffffff4: libfdt's
                            fdt_next_tag() comes back to the same offset
  crash-alias-self          /chosen/stdout-path = "serial0" and the alias
                            serial0 = "serial0": unbounded recursion in
                            libfdt's path lookup (SIGSEGV)
  crash-alias-loop2         serial0 -> serial1 -> serial0
  crash-unaligned-struct    structure block at an offset that is not a
                            multiple of 4: misaligned loads in libfdt
  crash-unaligned-rsvmap    memreserve block at an offset not a multiple
                            of 8: misaligned 64-bit loads in libfdt

Each crasher must make build/host/platinfo exit 1 with one line
(tests/fuzz/test_crashers.sh checks that).  Files are written only when
their content changes, so a rerun leaves git clean.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "corpus", "fdt")
sys.path.insert(0, os.path.join(ROOT, "scripts"))

BASE_DTS = """/dts-v1/;
/ {
	#address-cells = <2>;
	#size-cells = <2>;
	compatible = "hartslab,fuzz-base";
	aliases { %(aliases)s };
	chosen {
		bootargs = "console";
		stdout-path = "%(stdout)s";
	};
	cpus {
		#address-cells = <1>;
		#size-cells = <0>;
		timebase-frequency = <10000000>;
		cpu@0 {
			device_type = "cpu";
			reg = <0>;
			status = "okay";
			compatible = "riscv";
			mmu-type = "riscv,sv39";
		};
	};
	memory@80000000 {
		device_type = "memory";
		reg = <0x0 0x80000000 0x0 0x8000000>;
	};
	soc {
		#address-cells = <2>;
		#size-cells = <2>;
		compatible = "simple-bus";
		ranges;
		serial@10000000 {
			compatible = "ns16550a";
			reg = <0x0 0x10000000 0x0 0x100>;
		};
	};
};
"""


def dtc(text):
    with tempfile.NamedTemporaryFile("w", suffix=".dts", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        return subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", path],
                              check=True, stdout=subprocess.PIPE).stdout
    finally:
        os.unlink(path)


def base(stdout="/soc/serial@10000000", aliases=""):
    return bytearray(dtc(BASE_DTS % {"stdout": stdout, "aliases": aliases}))


def header(b):
    """magic totalsize off_struct off_strings off_rsvmap version
    last_comp boot_cpu size_strings size_struct"""
    return list(struct.unpack(">10I", bytes(b[:40])))


def set_header(b, fields):
    b[:40] = struct.pack(">10I", *fields)


def prop_len_fffffff4():
    b = base()
    h = header(b)
    off, size = h[2], h[9]
    pos = off
    # The first FDT_PROP tag (3) in the structure block.
    while pos < off + size:
        if struct.unpack(">I", bytes(b[pos:pos + 4]))[0] == 3:
            b[pos + 4:pos + 8] = struct.pack(">I", 0xfffffff4)
            return b
        pos += 4
    raise SystemExit("make_corpus: no property found")


def shifted_block(which, by):
    """Move the structure (2) or memreserve (4) block up by @by bytes."""
    b = base()
    h = header(b)
    off = h[which]
    b[off:off] = bytes(by)
    for i in (2, 3, 4):
        if h[i] >= off:
            h[i] += by
    h[1] += by
    set_header(b, h)
    return b


CRASHERS = {
    "crash-prop-len-fffffff4": prop_len_fffffff4,
    "crash-alias-self": lambda: base("serial0", 'serial0 = "serial0";'),
    "crash-alias-loop2": lambda: base(
        "serial0:115200n8", 'serial0 = "serial1"; serial1 = "serial0";'),
    "crash-unaligned-struct": lambda: shifted_block(2, 2),
    "crash-unaligned-rsvmap": lambda: shifted_block(4, 4),
}

SEED_LAYOUTS = [(1, "128M", None), (2, "512M", None), (4, "1G", None),
                (8, "4G", None), (4, "768M", 2)]


def seeds():
    import qemu  # scripts/qemu.py
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for smp, mem, numa in SEED_LAYOUTS:
            raw = os.path.join(tmp, "raw.dtb")
            cmd = qemu.qemu_command(smp, mem, numa, extra=[
                "-machine", "virt,dumpdtb=" + raw])
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            name = "seed-qemu-virt-smp%d-%s%s" % (smp, mem,
                                                 "-numa2" if numa else "")
            out[name] = subprocess.run(
                ["dtc", "-q", "-I", "dtb", "-O", "dtb", raw], check=True,
                stdout=subprocess.PIPE).stdout
    out["seed-fuzz-base"] = bytes(base())
    out["seed-fuzz-alias"] = bytes(base("serial0:115200n8",
                                        'serial0 = "/soc/serial@10000000";'))
    return out


# fuzz_mm's encoding: an opcode byte (mod 16), then its arguments.
def op_switch(h): return [0, h]
def op_kmalloc(sel, v, zero=0): return [2, sel, v & 255, v >> 8, zero]
def op_free(idx, pages_way=0): return [5, pages_way, idx]
def op_krealloc(sel, v, idx, zero=0): return [8, sel, v & 255, v >> 8, zero, idx]
def op_pages(n): return [9, n - 1]
def op_order(o): return [10, o]
def op_drain(all_=1): return [11, all_]
def op_hart_stop(k=0): return [11, 2, k]
def op_reap(): return [11, 4]
def op_hotadd(): return [12]
def op_bad(how, v=0, off=0): return [13, how, v & 255, v >> 8, off & 255, off >> 8]
def op_kcalloc(n, each, ovf=0): return [14, 1, n & 255, n >> 8, each & 255, each >> 8, ovf]
def op_ksize(idx): return [15, 1, idx]
def op_cache(v, n=0, size=0): return [14, 0, v, n, size & 255, size >> 8]
def op_free_bulk(v, picks): return [14, 2, v] + picks
def op_destroy_busy(c): return [14, 4, c]


def mm_seeds():
    seq = {}
    ops = []
    for sel in range(8):                      # every size selector
        for v in (0, 7, 300, 2047, 65535):
            ops += op_kmalloc(sel, v, v & 1)
    ops += op_ksize(3) + op_ksize(9)
    for i in range(40):
        ops += op_free(i * 7)
    seq["seed-mm-sizes"] = ops
    ops = []
    for h in range(4):                        # allocate on each hart
        ops += op_switch(h)
        for v in range(0, 2048, 97):
            ops += op_kmalloc(2, v)
    for h in (1, 2, 3, 0):                    # free from the others
        ops += op_switch(h)
        for i in range(20):
            ops += op_free(i * 5)
        ops += op_drain(i & 1)
    seq["seed-mm-remote"] = ops
    ops = op_hotadd() + op_hotadd() + op_hotadd() + op_hotadd()
    for o in range(6):
        ops += op_order(o) + op_pages(1 + 3 * o)
    for i in range(12):
        ops += op_free(i, i & 1)
    seq["seed-mm-pages-hotadd"] = ops
    ops = op_kmalloc(2, 100) + op_krealloc(5, 3000, 0, 1)
    ops += op_krealloc(0, 10, 0) + op_krealloc(6, 3, 0, 1)
    ops += op_krealloc(1, 40, 0) + op_krealloc(0, 0, 0)
    ops += op_kcalloc(10, 10) + op_kcalloc(3, 5, 1)
    seq["seed-mm-krealloc"] = ops
    ops = op_kmalloc(2, 64) + op_kmalloc(2, 64) + op_free(0)
    ops += op_bad(0, 0) + op_bad(1, 0, 3) + op_bad(2) + op_bad(3, 5)
    ops += op_switch(1) + op_free(0) + op_bad(0, 1)
    ops += op_pages(3) + op_bad(1, 0, 5000)
    seq["seed-mm-bad-frees"] = ops
    ops = []
    for i in range(90):                       # past the 4 MiB arena
        ops += op_kmalloc(6, 5)
    ops += op_hotadd()
    for i in range(90):
        ops += op_free(0)
    ops += op_drain()
    seq["seed-mm-exhaustion"] = ops
    ops = op_switch(1)                        # hart 1 fills slabs
    for v in range(0, 2048, 61):
        ops += op_kmalloc(2, v)
    ops += op_pages(3)
    ops += op_hart_stop(0)                    # 1 stops, 2 takes over
    for i in range(12):                       # frees into parked slabs
        ops += op_free(i * 3)
    ops += op_reap()
    ops += op_switch(3) + op_free(0) + op_drain(1)
    ops += op_switch(1)                       # 1 comes back
    ops += op_kmalloc(2, 100) + op_free(1) + op_hart_stop(1)
    ops += op_switch(0) + op_drain(1)
    seq["seed-mm-hotplug"] = ops
    ops = []
    for v in (8, 9, 10, 0, 1, 2):             # single objects, zeroed or not
        ops += op_cache(v)
    for v in (32, 33, 34):                    # bulk from each cache
        ops += op_cache(v, 7)
    ops += op_cache(16, 5, 300)               # kmalloc_bulk
    ops += op_destroy_busy(0) + op_destroy_busy(1) + op_destroy_busy(2)
    ops += op_switch(2) + op_free_bulk(8, [1] * 20)
    ops += op_free_bulk(0, [1] * 20) + op_free(0, 1) + op_drain(1)
    seq["seed-mm-caches"] = ops
    return {k: bytes(b & 255 for b in v) for k, v in seq.items()}


def write(name, data, out=OUT):
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, name)
    if os.path.exists(path) and open(path, "rb").read() == bytes(data):
        return
    with open(path, "wb") as f:
        f.write(bytes(data))
    print("wrote", os.path.relpath(path, ROOT))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", action="store_true")
    ap.add_argument("--crashers", action="store_true")
    ap.add_argument("--mm", action="store_true")
    a = ap.parse_args()
    both = not a.seeds and not a.crashers and not a.mm
    os.makedirs(OUT, exist_ok=True)
    if a.crashers or both:
        for name, make in CRASHERS.items():
            write(name, make())
    if a.seeds or both:
        for name, data in seeds().items():
            write(name, data)
    if a.mm or both:
        for name, data in mm_seeds().items():
            write(name, data, os.path.join(HERE, "corpus", "mm"))


if __name__ == "__main__":
    main()
