#!/usr/bin/env python3
"""`make debug`: boot hartslab in QEMU halted, with a gdb server.

QEMU starts with its CPUs stopped before the first instruction (-S) and
waits for gdb on a TCP port (-gdb tcp::PORT).  This script prints the exact
gdb command that attaches with the kernel's symbols (build/kernel.elf),
then runs QEMU in the foreground (Ctrl-A X leaves).  In another terminal,
run the printed command; "continue" starts the machine.

The image is linked at its virtual address (0xffffffff80000000) and enters
at its physical one with the MMU off: a breakpoint on a kernel symbol
(kernel_main, panic, ...) is hit once paging is on, which is from
kernel_main onwards.
"""
import argparse
import os
import shutil
import sys
from typing import List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

ELF = os.path.join(qemu.ROOT, "build", "kernel.elf")
GDBS = ["riscv64-unknown-elf-gdb", "gdb-multiarch"]


def gdb_binary() -> str:
    """The first RISC-V capable gdb installed, else the one to install."""
    for name in GDBS:
        if shutil.which(name):
            return name
    return "gdb-multiarch"


def gdb_command(port: int, elf: str = ELF) -> List[str]:
    return [gdb_binary(), os.path.relpath(elf), "-ex",
            "'set architecture riscv:rv64'", "-ex",
            "'target remote localhost:%d'" % port]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Variables of `make debug`: SMP, MEM, NUMA, ARGS, GDB_PORT.")
    ap.add_argument("--smp", type=int, default=4)
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--numa", default=None)
    ap.add_argument("--append", default="")
    ap.add_argument("--port", type=int, default=1234,
                    help="TCP port of QEMU's gdb server (default: 1234)")
    ap.add_argument("--print-only", action="store_true",
                    help="print the QEMU and gdb commands, start nothing")
    a = ap.parse_args()
    try:
        cmd = qemu.qemu_command(a.smp, a.mem, a.numa or None, a.append,
                                extra=["-S", "-gdb", "tcp::%d" % a.port])
    except ValueError as e:
        sys.exit("debug.py: %s" % e)
    gdb = gdb_binary()
    print("debug: QEMU is halted and waits for gdb on port %d; in another "
          "terminal run:" % a.port)
    print("  " + " ".join(gdb_command(a.port)))
    if not shutil.which(gdb):
        print("debug: %s is not installed: apt-get install gdb-multiarch"
              % gdb)
    print("debug: then e.g. 'break kernel_main', 'continue'; Ctrl-A X "
          "here leaves QEMU")
    print("qemu: " + " ".join(cmd), flush=True)
    if a.print_only:
        return
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
