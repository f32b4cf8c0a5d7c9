#!/usr/bin/env python3
"""Build QEMU command lines for hartslab and run the kernel.

One place knows how hartslab is booted: `make run` execs it in the
foreground (Ctrl-A X leaves), the test harness and benchmarks import
qemu_command() and run_qemu().
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL = os.path.join(ROOT, "build", "kernel.bin")
KERNEL_ELF = os.path.join(ROOT, "build", "kernel.elf")
UBOOT = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
MACHINES = ("virt", "sifive_u", "spike")


def mem_bytes(size):
    """'512M' / '4G' / '1024' (MiB, as QEMU reads a bare number) -> bytes."""
    m = re.fullmatch(r"(\d+)([KMGT]?)", size.strip().upper())
    if not m:
        raise ValueError("bad memory size %r" % size)
    mult = {"": 1 << 20, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30,
            "T": 1 << 40}[m.group(2)]
    return int(m.group(1)) * mult


def qemu_command(smp=4, mem="512M", numa=None, append="", kernel=KERNEL,
                 dtb=None, icount=False, extra=(), machine="virt"):
    """The argument list for one boot.  numa=2 splits RAM and harts evenly
    over two nodes (QEMU 7.2 crashes with more nodes or uneven splits).
    machine: virt, sifive_u (hart 0 has no MMU) or spike (HTIF); the
    kernel may be build/kernel.bin (Image) or build/kernel.elf."""
    cmd = ["qemu-system-riscv64", "-machine", machine, "-nographic",
           "-bios", "default", "-no-reboot", "-smp", str(smp), "-m", mem,
           "-kernel", kernel]
    if numa:
        if int(numa) != 2:
            raise ValueError("NUMA supports exactly 2 nodes on QEMU 7.2")
        if smp < 2 or smp % 2:
            raise ValueError("NUMA=2 needs an even SMP count")
        half = mem_bytes(mem) // 2 // (1 << 20)
        last = smp // 2 - 1
        cmd += ["-object", "memory-backend-ram,id=m0,size=%dM" % half,
                "-object", "memory-backend-ram,id=m1,size=%dM" % half,
                "-numa", "node,nodeid=0,cpus=0-%d,memdev=m0" % last,
                "-numa", "node,nodeid=1,cpus=%d-%d,memdev=m1" % (last + 1,
                                                               smp - 1)]
    if append:
        cmd += ["-append", append]
    if dtb:
        cmd += ["-dtb", dtb]
    if icount:
        cmd += ["-icount", "shift=0,sleep=off"]
    cmd += list(extra)
    return cmd


class Run:
    """What one boot produced."""

    def __init__(self, cmd, status, output, seconds, timed_out):
        self.cmd = cmd
        self.status = status
        self.output = output
        self.seconds = seconds
        self.timed_out = timed_out


def run_qemu(cmd, timeout, log_path=None):
    """Run QEMU with no input, capture the serial line, enforce a timeout,
    and keep the log.  A timed-out run is killed and reported as such."""
    start = time.monotonic()
    timed_out = False
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        timed_out = True
    text = out.decode("utf-8", "replace").replace("\r\n", "\n")
    if timed_out:
        text += "\nharness: timeout after %d s, QEMU killed\n" % timeout
    seconds = time.monotonic() - start
    if log_path:
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, "w") as f:
            f.write("# " + " ".join(cmd) + "\n")
            f.write(text)
    return Run(cmd, None if timed_out else proc.returncode, text, seconds,
               timed_out)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--smp", type=int, default=4)
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--numa", default=None)
    ap.add_argument("--append", default="")
    ap.add_argument("--dtb")
    ap.add_argument("--icount", action="store_true")
    ap.add_argument("--machine", default="virt", choices=MACHINES)
    ap.add_argument("--kernel", default=None,
                    help="default build/kernel.bin on virt, build/kernel.elf "
                    "elsewhere")
    args = ap.parse_args()
    kernel = args.kernel or (KERNEL if args.machine == "virt" else KERNEL_ELF)
    try:
        cmd = qemu_command(args.smp, args.mem, args.numa or None,
                           args.append, kernel=kernel, dtb=args.dtb,
                           icount=args.icount, machine=args.machine)
    except ValueError as e:
        sys.exit("qemu.py: %s" % e)
    print("qemu: " + " ".join(cmd), file=sys.stderr)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
