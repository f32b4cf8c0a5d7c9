#!/usr/bin/env python3
"""Boot hartslab the ways boards boot it, and on QEMU's other machines.

Run by `make test` (scripts/test_all.py through harness.run_boards) and on
its own:  python3 scripts/boards.py [--only NAME ...] [--list]

  elf-virt        -kernel build/kernel.elf on virt (physical LMAs and entry)
  uboot-booti     virt -> OpenSBI -> U-Boot (Debian u-boot-qemu, S-mode)
                  -> booti of build/kernel.bin with U-Boot's FDT; U-Boot is
                  driven by a /config { bootcmd; bootdelay = <-2>; } node
                  added to QEMU's own tree, no keystrokes
  sifive_u        5 harts, hart 0 (no MMU) skipped; no power-off device:
                  must pass and end with the "power: " line
  spike           4 harts, HTIF console: must exit 0, and a panic must exit
                  with the kernel's status (spike-panic); typed input on
                  the SBI console reaches the shell (spike-console)
  numa-memoryless a NUMA node with harts but no memory
  claimed-harts   a tree naming harts QEMU does not have
  timebase-low    timebase-frequency = <1>: a clear error, exit status 2
  hart-limit      -smp 66: the first 64 usable harts boot
  numa-race       the two-node layout booted several times under host CPU
                  load (two busy loops), each boot must happen once

Each boot's serial log goes to build/test-logs/boards/NAME.log.
"""
import argparse
import multiprocessing
import os
import re
import select
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import ktap  # noqa: E402
import qemu  # noqa: E402

ROOT = qemu.ROOT
LOGS = os.path.join(ROOT, "build", "test-logs", "boards")
WORK = os.path.join(ROOT, "build", "dtb", "boards")
UBOOT_LOAD = 0x84000000  # where QEMU's loader puts kernel.bin for booti
NUMA_RACE_BOOTS = 8


class Run:
    def __init__(self, cmd, status, output, seconds, timed_out, stopped):
        self.cmd = cmd
        self.status = status
        self.output = output
        self.seconds = seconds
        self.timed_out = timed_out
        self.stopped = stopped  # killed after the stop pattern appeared


def run_until(cmd, timeout, log_name, stop=None, grace=1.0):
    """Run QEMU, capturing the serial line; stop it after a line matching
    @stop (a machine that cannot power off) or after @timeout."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    buf = b""
    deadline = start + timeout
    stop_at = None
    timed_out = False
    while True:
        now = time.monotonic()
        limit = stop_at if stop_at else deadline
        if now >= limit:
            break
        r, _, _ = select.select([proc.stdout], [], [], min(0.2, limit - now))
        if r:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            if stop and stop_at is None and re.search(
                    stop, buf.decode("utf-8", "replace"), re.M):
                stop_at = time.monotonic() + grace
    stopped = False
    try:
        proc.wait(timeout=max(0.1, (stop_at or deadline) - time.monotonic()))
    except subprocess.TimeoutExpired:
        pass
    if proc.poll() is None:
        proc.kill()
        if stop_at is None:
            timed_out = True
        else:
            stopped = True
    rest, _ = proc.communicate()
    buf += rest or b""
    text = re.sub(r"\r+\n", "\n", buf.decode("utf-8", "replace"))
    if timed_out:
        text += "\nboards: timeout after %d s, QEMU killed\n" % timeout
    os.makedirs(LOGS, exist_ok=True)
    with open(os.path.join(LOGS, log_name + ".log"), "w") as f:
        f.write("# " + " ".join(cmd) + "\n")
        f.write(text)
    status = None if (timed_out or stopped) else proc.returncode
    return Run(cmd, status, text, time.monotonic() - start, timed_out,
               stopped)


def online(text):
    m = re.search(r"^smp: online=(\d+) boot=(\d+) ids=([\d,]+)", text, re.M)
    return (int(m.group(1)), m.group(3)) if m else (None, None)


def boots_once(v, text):
    n = len(re.findall(r"^hartslab: booting on hart", text, re.M))
    v.check("booted_once", n == 1, "'hartslab: booting' seen %d times" % n)


def check_ktap(v, run, name):
    c = ktap.count(run.output, name + ":")
    v.counts.add(c)
    v.check("ktap_ran", c.passed + c.failed > 0, "no KTAP results")
    path = os.path.join(LOGS, name + ".log")
    ok, why = harness.kunit_parse_ok(path)
    v.check("kunit_parse", ok, str(why))


def dump_dtb(path, machine, smp, mem, extra=()):
    cmd = qemu.qemu_command(smp, mem, machine=machine, extra=list(extra))
    i = cmd.index("-machine")
    cmd[i + 1] = "%s,dumpdtb=%s" % (machine, path)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def fdtput(*args):
    subprocess.run(["fdtput"] + list(args), check=True)


# ---- the cases ----

def case_elf_virt():
    name = "elf-virt"
    run = run_until(qemu.qemu_command(4, "256M", append="test=smp",
                                      kernel=qemu.KERNEL_ELF), 120, name)
    v = harness.Verdicts(name)
    v.check("exit_status", run.status == 0, "status %s" % run.status)
    v.check("harts_online", online(run.output)[0] == 4,
            "online %s" % (online(run.output),))
    boots_once(v, run.output)
    check_ktap(v, run, name)
    return v, run, ""


def uboot_dtb(smp, mem, bootargs):
    """QEMU's tree for this machine, plus U-Boot's /config node."""
    os.makedirs(WORK, exist_ok=True)
    dtb = os.path.join(WORK, "uboot-virt.dtb")
    dump_dtb(dtb, "virt", smp, mem, ["-kernel", qemu.UBOOT])
    fdtput("-p", "-c", dtb, "/config")
    fdtput("-t", "s", dtb, "/config", "bootcmd",
           "setenv bootargs %s; booti 0x%x - ${fdtcontroladdr}"
           % (bootargs, UBOOT_LOAD))
    fdtput("-t", "x", dtb, "/config", "bootdelay", "fffffffe")  # -2
    return dtb


def case_uboot_booti():
    name = "uboot-booti"
    v = harness.Verdicts(name)
    if not os.path.exists(qemu.UBOOT):
        v.check("uboot_installed", False,
                "%s missing (scripts/setup.sh installs u-boot-qemu)"
                % qemu.UBOOT)
        return v, None, ""
    dtb = uboot_dtb(4, "512M", "test=smp")
    cmd = qemu.qemu_command(4, "512M", kernel=qemu.UBOOT, dtb=dtb, extra=[
        "-device", "loader,file=%s,addr=0x%x" % (qemu.KERNEL, UBOOT_LOAD)])
    run = run_until(cmd, 180, name)
    v.check("exit_status", run.status == 0, "status %s" % run.status)
    moved = re.search(r"^Moving Image from 0x[0-9a-f]+ to (0x[0-9a-f]+), "
                      r"end=[0-9a-f]+", run.output, re.M)
    v.check("booti_accepted", moved and "Starting kernel" in run.output,
            "no 'Moving Image' / 'Starting kernel' from U-Boot")
    v.check("placed_at_text_offset",
            moved and int(moved.group(1), 16) % (2 << 20) == 0x200000 % (
                2 << 20), "image at %s" % (moved.group(1) if moved else "?"))
    fdt = re.search(r"^hartslab: booting on hart \d+, fdt at (0x[0-9a-f]+)",
                    run.output, re.M)
    blob = re.search(r"Booting using the fdt blob at (0x[0-9a-f]+)",
                     run.output)
    v.check("fdt_from_uboot", fdt and blob and
            int(fdt.group(1), 16) == int(blob.group(1), 16),
            "kernel %s, U-Boot %s" % (fdt and fdt.group(1),
                                      blob and blob.group(1)))
    v.check("harts_online", online(run.output)[0] == 4,
            "online %s" % (online(run.output),))
    boots_once(v, run.output)
    check_ktap(v, run, name)
    lines = [l for l in run.output.split("\n")
             if re.match(r"^(U-Boot 20|Moving Image|\s+Booting using the fdt"
                         r"|Starting kernel|hartslab: booting)", l)]
    return v, run, " | ".join(l.strip() for l in lines)


def case_sifive_u():
    name = "sifive_u"
    cmd = qemu.qemu_command(5, "512M", append="test=smp",
                            kernel=qemu.KERNEL_ELF, machine="sifive_u")
    run = run_until(cmd, 150, name, stop=r"^power: ")
    v = harness.Verdicts(name)
    power = re.search(r"^power: cannot power off.*$", run.output, re.M)
    v.check("ends", run.status == 0 or (run.stopped and power),
            "status %s, power line %s" % (run.status, bool(power)))
    # OpenSBI marks the MMU-less E51 "disabled" in the tree it passes on
    # (fdt_cpu_fixup), and status is reported before the MMU.
    v.check("hart0_skipped", re.search(
        r"^platform: hart id=0 state=skipped reason=disabled$", run.output,
        re.M), "hart 0 not skipped as disabled")
    v.check("harts_online", online(run.output)[0] == 4,
            "online %s" % (online(run.output),))
    boots_once(v, run.output)
    check_ktap(v, run, name)
    return v, run, power.group(0) if power else ""


def case_spike():
    name = "spike"
    cmd = qemu.qemu_command(4, "256M", append="test=smp",
                            kernel=qemu.KERNEL_ELF, machine="spike")
    run = run_until(cmd, 120, name)
    v = harness.Verdicts(name)
    v.check("exit_status", run.status == 0, "status %s" % run.status)
    v.check("harts_online", online(run.output)[0] == 4,
            "online %s" % (online(run.output),))
    v.check("htif_found", "platform: htif base=" in run.output, "")
    boots_once(v, run.output)
    check_ktap(v, run, name)
    return v, run, ""


def case_spike_panic():
    name = "spike-panic"
    cmd = qemu.qemu_command(2, "256M", append="crash=wx",
                            kernel=qemu.KERNEL_ELF, machine="spike")
    run = run_until(cmd, 60, name)
    v = harness.Verdicts(name)
    v.check("exit_status_1", run.status == 1, "status %s" % run.status)
    v.check("panic_line", re.search(r"^panic: hart \d+: fatal", run.output,
                                    re.M), "")
    return v, run, ""


def case_spike_console():
    """The SBI console's input on spike (HTIF), typed a byte at a time.
    QEMU's HTIF model keeps one received byte and overwrites it (bytes of
    one host write arrive together: only the last survives), so no guest
    can take a paste at once; what the kernel does is drain the firmware's
    byte on every output too and keep it (kernel/console.c)."""
    name = "spike-console"
    cmd = qemu.qemu_command(2, "256M", kernel=qemu.KERNEL_ELF,
                            machine="spike")
    v = harness.Verdicts(name)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    buf = b""

    def pump(seconds):
        nonlocal buf
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([proc.stdout], [], [], 0.02)
            if r:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    return
                buf += chunk

    deadline = time.monotonic() + 60
    while b"hartslab> " not in buf and time.monotonic() < deadline:
        pump(0.2)
    # One byte at a time, the next only once the shell has echoed this
    # one (a line: once the next prompt is out), so no two bytes ever wait
    # in QEMU's HTIF at once, however slow the host is.
    for line in ("help\r", "harts\r", "poweroff\r"):
        for ch in line:
            seen, prompts = len(buf), buf.count(b"hartslab> ")
            try:
                proc.stdin.write(ch.encode())
                proc.stdin.flush()
            except OSError:
                break
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and proc.poll() is None:
                if ch != "\r" and len(buf) > seen:
                    break
                if ch == "\r" and buf.count(b"hartslab> ") > prompts:
                    break
                pump(0.01)
    try:
        status = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = None
    rest = proc.stdout.read()
    buf += rest or b""
    text = re.sub(r"\r+\n", "\n", buf.decode("utf-8", "replace"))
    os.makedirs(LOGS, exist_ok=True)
    with open(os.path.join(LOGS, name + ".log"), "w") as f:
        f.write("# " + " ".join(cmd) + "\n" + text)
    session = text.split("type 'help'", 1)[-1]
    v.check("help_answered", re.search(r"^hartslab> help\n(.|\n)*poweroff"
                                       r"\s+power", session, re.M),
            "no help listing")
    v.check("harts_answered", re.search(r"^hartslab> harts\n(.|\n)*^1\s+1"
                                        r"\s+yes", session, re.M),
            "'harts' typed during output lost")
    v.check("poweroff_exit_0", status == 0, "status %s" % status)
    run = Run(cmd, status, text, time.monotonic() - start, False, False)
    return v, run, ""


def case_numa_memoryless():
    """Node 1 has harts 2-3 and no memory: their slots come from node 0."""
    name = "numa-memoryless"
    extra = ["-object", "memory-backend-ram,id=m0,size=512M",
             "-numa", "node,nodeid=0,cpus=0-1,memdev=m0",
             "-numa", "node,nodeid=1,cpus=2-3"]
    run = run_until(qemu.qemu_command(4, "512M", append="test=smp,mm",
                                      extra=extra), 150, name)
    v = harness.Verdicts(name)
    v.check("exit_status", run.status == 0, "status %s" % run.status)
    v.check("harts_online", online(run.output)[0] == 4,
            "online %s" % (online(run.output),))
    v.check("memoryless_reported", re.search(
        r"^platform: numa node=1 has no memory: its harts use node 0",
        run.output, re.M), "no report of the memoryless node")
    boots_once(v, run.output)
    check_ktap(v, run, name)
    return v, run, ""


def case_claimed_harts():
    """The tree names harts 5 and 6; QEMU has 0 and 1 only."""
    name = "claimed-harts"
    os.makedirs(WORK, exist_ok=True)
    dtb = os.path.join(WORK, "claimed-harts.dtb")
    dump_dtb(dtb, "virt", 2, "256M")
    for hid in (5, 6):
        node = "/cpus/cpu@%d" % hid
        fdtput("-c", dtb, node)
        fdtput("-t", "s", dtb, node, "device_type", "cpu")
        fdtput("-t", "x", dtb, node, "reg", "%x" % hid)
        fdtput("-t", "s", dtb, node, "mmu-type", "riscv,sv39")
        fdtput("-t", "s", dtb, node, "status", "okay")
    run = run_until(qemu.qemu_command(2, "256M", append="test=smp",
                                      dtb=dtb), 120, name)
    v = harness.Verdicts(name)
    v.check("exit_status", run.status == 0, "status %s" % run.status)
    v.check("real_harts_online", online(run.output) == (2, "0,1"),
            "online %s" % (online(run.output),))
    msg = re.search(r"^smp: harts (5,6|6,5) named by the device tree did not "
                    r"start", run.output, re.M)
    v.check("claimed_named", msg, "no message naming harts 5,6")
    check_ktap(v, run, name)
    return v, run, msg.group(0) if msg else ""


def case_timebase_low():
    """timebase-frequency = <1>: a clear boot error, non-zero exit."""
    name = "timebase-low"
    os.makedirs(WORK, exist_ok=True)
    dtb = os.path.join(WORK, "timebase-low.dtb")
    dump_dtb(dtb, "virt", 2, "256M")
    fdtput("-t", "x", dtb, "/cpus", "timebase-frequency", "1")
    run = run_until(qemu.qemu_command(2, "256M", append="test=smp",
                                      dtb=dtb), 60, name)
    v = harness.Verdicts(name)
    v.check("nonzero_exit", run.status not in (0, None),
            "status %s" % run.status)
    msg = re.search(r"^boot: error: platform: timebase-frequency 1 Hz too "
                    r"low.*$", run.output, re.M)
    v.check("clear_message", msg, "no timebase error line")
    return v, run, msg.group(0) if msg else ""


def case_hart_limit():
    name = "hart-limit"
    # 66 TCG harts on a small host are slow: boot, count, stop (the suites
    # run on many harts in the matrix already).
    run = run_until(qemu.qemu_command(66, "512M"), 300, name,
                    stop=r"^smp: online=")
    v = harness.Verdicts(name)
    v.check("booted", run.stopped, "no 'smp: online=' line")
    v.check("64_online", online(run.output)[0] == 64,
            "online %s" % (online(run.output)[0],))
    skipped = re.findall(r"^platform: hart id=(\d+) state=skipped "
                         r"reason=limit$", run.output, re.M)
    # The first 64 are used, except that the boot hart (OpenSBI's lottery
    # picks any of the 66) always keeps its place: then the last hart
    # before it is skipped instead.  Two skipped, the boot hart online, and
    # the online and skipped ids together are every hart.
    m = re.search(r"^smp: online=\d+ boot=(\d+) ids=([\d,]+)", run.output,
                  re.M)
    boot, ids = (m.group(1), m.group(2).split(",")) if m else (None, [])
    v.check("rest_skipped_limit",
            len(skipped) == 2 and boot not in skipped
            and sorted(ids + skipped, key=int) == [str(i) for i in range(66)],
            "skipped for limit: %s, boot hart %s, online %s"
            % (skipped, boot, ",".join(ids)))
    boots_once(v, run.output)
    return v, run, ""


def _busy(stop_at):
    while time.monotonic() < stop_at:
        pass


def case_numa_race():
    """OpenSBI 1.1's HSM race shows under host load: each of several
    two-node boots must boot once, start every hart and pass."""
    v = harness.Verdicts("numa-race")
    stop_at = time.monotonic() + 600
    busy = [multiprocessing.Process(target=_busy, args=(stop_at,))
            for _ in range(2)]
    for p in busy:
        p.start()
    runs = []
    try:
        for i in range(NUMA_RACE_BOOTS):
            name = "numa-race-%d" % i
            run = run_until(qemu.qemu_command(4, "768M", numa=2,
                                              append="test=smp"), 120, name)
            runs.append(run)
            v.check("%d_exit_status" % i, run.status == 0,
                    "status %s" % run.status)
            v.check("%d_harts_online" % i, online(run.output)[0] == 4,
                    "online %s" % (online(run.output),))
            n = len(re.findall(r"^hartslab: booting on hart", run.output,
                               re.M))
            v.check("%d_booted_once" % i, n == 1, "booted %d times" % n)
            c = ktap.count(run.output, name + ":")
            v.counts.add(c)
    finally:
        for p in busy:
            p.terminate()
            p.join()
    joined = sum(len(re.findall(r"entered the boot entry again", r.output))
                 - len(re.findall(r"# hart \d+ stopped, started at the boot",
                                  r.output)) for r in runs)
    seconds = sum(r.seconds for r in runs)
    fake = Run([], 0, "", seconds, False, False)
    return v, fake, "%d boots, %d firmware-race joins" % (len(runs), joined)


CASES = [
    ("elf-virt", case_elf_virt),
    ("uboot-booti", case_uboot_booti),
    ("sifive_u", case_sifive_u),
    ("spike", case_spike),
    ("spike-panic", case_spike_panic),
    ("spike-console", case_spike_console),
    ("numa-memoryless", case_numa_memoryless),
    ("claimed-harts", case_claimed_harts),
    ("timebase-low", case_timebase_low),
    ("hart-limit", case_hart_limit),
    ("numa-race", case_numa_race),
]


def run_boards(echo=print, only=None):
    total = ktap.Counts()
    for name, fn in CASES:
        if only and name not in only:
            continue
        try:
            v, run, note = fn()
        except (subprocess.CalledProcessError, OSError) as e:
            v = harness.Verdicts(name)
            v.check("setup", False, str(e))
            run, note = None, ""
        total.add(v.counts)
        echo("board %-26s %5.1fs  %d passed, %d failed%s"
             % (v.name, run.seconds if run else 0.0, v.counts.passed,
                v.counts.failed, "  [%s]" % note[:300] if note else ""))
        for n in v.notes:
            echo("    " + n)
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", nargs="*", help="case names")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        for name, _ in CASES:
            print(name)
        return
    total = run_boards(only=a.only)
    harness.finish(total)


if __name__ == "__main__":
    main()
