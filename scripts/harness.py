#!/usr/bin/env python3
"""Boot hartslab in QEMU over a matrix of configurations and judge each run.

For every configuration: boot with a timeout, keep the serial log under
build/test-logs/qemu/, check the boot report (harts online, memory, the
OpenSBI, kernel and FDT ranges reserved), count the kernel's KTAP results,
and check that Linux's kunit.py parser reads the log without complaint.
Bad device trees derived from QEMU's own must end in a clear message and a
non-zero exit status.

Beyond the matrix (in `make test` too): test=hotplug on 4 and 8 harts, the
serial console driven from the host (scripts/console_test.py), the stress
suite with each fault injected (each must fail, pointing at the fault), the watchdog (a hung hart, a suite
past its deadline) and crash=wx / crash=stack (a panic report naming the
store page fault, non-zero exit status).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from typing import (Callable, Dict, Iterator, List, Optional, Sequence,
                    Tuple)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import console_test  # noqa: E402
import ktap  # noqa: E402
import qemu  # noqa: E402

ROOT = qemu.ROOT
LOGS = os.path.join(ROOT, "build", "test-logs", "qemu")
KUNIT = os.path.join(ROOT, "build", "linux-src", "tools", "testing", "kunit",
                     "kunit.py")

# (smp, mem, numa) booted by `make test`: every -smp against every -m, and
# the two-node NUMA layout.
MATRIX = [(s, m, None) for s in (1, 2, 4, 8) for m in ("128M", "1G", "4G")]
MATRIX += [(4, "768M", 2)]

# Hart hot-plug (tests/kernel/test_hotplug.c, named explicitly): harts
# stopped and started while the stress workload runs on the others.
HOTPLUG = [(4, "512M"), (8, "1G")]
HOTPLUG_ARGS = "test=hotplug seconds=2"

WATCHDOG_EXIT = 4  # kernel/watchdog.h

# One more boot with slab_debug=1 (mm/slab_debug.c): every suite must pass
# with it, and the slab_debug suite (which runs only then) must have made
# its reports name each kind of damage and the call sites by symbol.
SLAB_DEBUG_BOOT = (4, "512M", "slab_debug=1 test=all,slab_debug seconds=1")
SLAB_DEBUG_REPORTS = [
    ("report_red_zone", r"mm: slab_debug: BUG kmalloc-64: red zone overwritten"),
    ("report_use_after_free",
     r"mm: slab_debug: BUG kmalloc-112: written after free"),
    ("report_double_free", r"mm: slab_debug: BUG kmalloc-224: double free"),
    ("report_alloc_site",
     r"mm: slab_debug:   allocated by hart \d+ at site_alloc\+0x[0-9a-f]+"),
    ("report_free_site",
     r"mm: slab_debug:   freed by hart \d+ at site_free\+0x[0-9a-f]+"),
    ("report_found_site",
     r"mm: slab_debug:   found by hart \d+ at site_free_again\+0x[0-9a-f]+"),
]

# Stress runs with a fault injected, on 2 harts: (inject, expected exit
# status or None for any non-zero, patterns the log must contain).
INJECTIONS = [
    ("corrupt", 1, [r"not ok \d+ test_stress_all_harts",
                    r"hart \d+: object 0x[0-9a-f]+ \(size \d+, allocated by "
                    r"hart \d+\) byte \d+: expected 0x[0-9a-f]{2} found "
                    r"0x[0-9a-f]{2}"]),
    ("leak", 1, [r"not ok \d+ test_stress_free_memory_exact",
                 r"bytes missing \(leaked"]),
    ("nodrain", 1, [r"not ok \d+ test_stress_free_memory_exact",
                    r"bytes missing \(final drain skipped"]),
    ("doublefree", 1, [r"not ok \d+ test_stress_all_harts",
                       r"mm: kfree.*: double free 0x[0-9a-f]+ on hart \d+",
                       r"mm detected 1 bad frees"]),
    ("nopost", 1, [r"stress: injected nopost: \d+ bytes of remote frees "
                   r"dropped on hart \d+",
                   r"not ok \d+ test_stress_free_memory_exact",
                   r"bytes missing \(leaked, or stranded"]),
    ("hang", WATCHDOG_EXIT, [r"watchdog: hart \d+ stuck for \d+ ms doing "
                             r"'stress: injected hang'"]),
]

# Other runs that must fail in a precise way: (name, args, status, patterns).
FAILURES = [
    ("watchdog-suite-deadline", "test=stress seconds=30 suite_timeout=3",
     WATCHDOG_EXIT, [r"watchdog: suite 'stress' past its deadline of 3 s"]),
    ("crash-wx", "crash=wx", 1,
     [r"panic: hart \d+: fatal store page fault at 0x[0-9a-f]+"]),
    ("crash-stack", "crash=stack", 1,
     [r"kernel stack overflow",
      r"panic: hart \d+: fatal store page fault at 0x[0-9a-f]+"]),
    # The checked command line (docs/cmdline.md).
    ("cmdline-bad-values",
     "test=smp,nosuch,mm.nocase frobnicate=1 seconds=99999999999999999999",
     1, [r"cmdline: warning: unknown key 'frobnicate'",
         r"cmdline: warning: seconds=99999999999999999999: out of range",
         r"ktest: no suite named 'nosuch'",
         r"ktest: the suites: .*\bmm\b.*\bstress\b",
         r"ktest: suite 'mm' has no case 'nocase'",
         r"ktest: the command line has 2 problem"]),
    ("cmdline-empty-test", "test=", 1,
     [r"ktest: test= selects nothing"]),
    ("cmdline-one-case", "test=smp.test_run_on_self_refused", 0,
     [r"^\s+1\.\.1\s*$", r"^\s+ok 1 test_run_on_self_refused",
      r"^ok 1 smp"]),
    ("cmdline-all-anywhere", "test=all,smp,all seconds=1", 0,
     [r"^ok \d+ mm\s*$", r"^ok \d+ stress\s*$"]),
]


class Verdicts:
    """Harness-level cases of one run, counted like KTAP leaves."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.counts = ktap.Counts()
        self.notes = []

    def check(self, case: str, ok: object, why: str = "") -> None:
        if ok:
            self.counts.ok("%s.%s" % (self.name, case))
        else:
            self.counts.fail("%s.%s" % (self.name, case), why or "failed")
            self.notes.append("%s: %s %s" % (self.name, case, why))


def run_logged(cmd: List[str], log: str, timeout: int,
               env: Optional[Dict[str, str]] = None, who: str = "harness",
               header: bool = False) -> Tuple[Optional[int], str]:
    """Run @cmd from the repository root with a timeout: (exit status, or
    None on timeout; its output).  The output also goes to the file @log,
    after the command line when @header."""
    os.makedirs(os.path.dirname(log), exist_ok=True)
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout,
                           cwd=ROOT, env=env)
        out, status = p.stdout.decode("utf-8", "replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        out += "\n%s: timeout after %d s\n" % (who, timeout)
        status = None
    with open(log, "w") as f:
        f.write(("# " + " ".join(cmd) + "\n" if header else "") + out)
    return status, out


def report_values(text: str, key: str) -> List[Dict[str, str]]:
    """All 'platform: <key> a=b ...' lines as dicts."""
    out = []
    for line in text.split("\n"):
        m = re.match(r"^platform: %s (.*)$" % key, line.strip())
        if m:
            out.append(dict(kv.split("=", 1) for kv in m.group(1).split()
                            if "=" in kv))
    return out


def check_boot_report(v: Verdicts, text: str, smp: int, mem: str,
                      numa: Optional[int]) -> None:
    m = re.search(r"^smp: online=(\d+) boot=(\d+) ids=([\d,]+)", text, re.M)
    v.check("harts_online", m and int(m.group(1)) == smp,
            "want %d, report: %s" % (smp, m.group(0) if m else "none"))
    mems = report_values(text, "memory")
    total = sum(int(x["size"], 16) for x in mems)
    v.check("memory_total", total == qemu.mem_bytes(mem),
            "want 0x%x, got 0x%x" % (qemu.mem_bytes(mem), total))
    if numa:
        nodes = {x.get("node") for x in mems}
        v.check("numa_nodes", nodes == {"0", "1"}, "nodes %s" % nodes)
    names = {x.get("name", "") for x in report_values(text, "reserved")}
    v.check("reserved_opensbi", any(n.startswith("mmode_resv") for n in names),
            "reserved: %s" % sorted(names))
    v.check("reserved_kernel", "kernel" in names, "")
    v.check("reserved_fdt", "fdt" in names, "")
    v.check("mm_ready", "\nmm: ready" in text, "no 'mm: ready' line")


def kunit_parse_ok(log_path: str) -> Tuple[bool, object]:
    """Linux's own KTAP parser must read the log with no complaint."""
    if not os.path.exists(KUNIT):
        return False, "kunit.py missing (scripts/setup.sh extracts it)"
    p = subprocess.run([sys.executable, KUNIT, "parse", log_path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    bad = [l for l in out.split("\n")
           if re.search(r"\[ERROR\]|could not|[Ww]arning|Traceback|"
                        r"no tests run|unexpected", l)]
    return not bad and "Testing complete" in out, (bad or out[-300:])


def stress_totals(text: str) -> Optional[Dict[str, str]]:
    """The stress suite's total line as a dict, or None."""
    m = re.search(r"# stress: total (.*)$", text, re.M)
    if not m:
        return None
    return dict(kv.split("=", 1) for kv in m.group(1).split() if "=" in kv)


def case_timeout(args: str, smp: int, cap: int) -> int:
    """Long enough for a slow 8-hart run on a small host, never a hang."""
    m = re.search(r"\bseconds=(\d+)", args)
    secs = int(m.group(1)) if m else 2
    return min(cap, 90 + 4 * secs + 10 * smp)


def boot_case(name: str, smp: int, mem: str, numa: Optional[int], args: str,
              timeout: int) -> Tuple[Verdicts, "qemu.Run"]:
    log = os.path.join(LOGS, name + ".log")
    cmd = qemu.qemu_command(smp, mem, numa, args)
    run = qemu.run_qemu(cmd, case_timeout(args, smp, timeout), log)
    v = Verdicts(name)
    v.check("exit_status", run.status == 0,
            "status %s%s" % (run.status, " (timeout)" if run.timed_out else ""))
    check_boot_report(v, run.output, smp, mem, numa)
    v.counts.add(ktap.count(run.output, name + ":"))
    ok, why = kunit_parse_ok(log)
    v.check("kunit_parse", ok, str(why))
    return v, run


def bad_dtb_cases(timeout: int) -> List[Verdicts]:
    """Bad trees built from QEMU's own with fdtput: each must fail cleanly."""
    work = os.path.join(ROOT, "build", "dtb", "qemu-bad")
    os.makedirs(work, exist_ok=True)
    base = os.path.join(work, "virt-smp2-256M.dtb")
    subprocess.run(qemu.qemu_command(2, "256M", extra=[
        "-machine", "virt,dumpdtb=" + base]), check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    edits = {
        "no-memory": (["-r", "/memory@80000000"], "no memory"),
        "no-usable-hart": ([["/cpus/cpu@0", "mmu-type", "riscv,none"],
                            ["/cpus/cpu@1", "mmu-type", "riscv,none"]],
                           "usable hart"),
        "reserved-outside-ram": (None, "outside"),
    }
    verdicts = []
    for name, (edit, expect) in edits.items():
        dtb = os.path.join(work, name + ".dtb")
        shutil.copy(base, dtb)
        if name == "no-memory":
            subprocess.run(["fdtput", "-r", dtb, "/memory@80000000"],
                           check=True)
        elif name == "no-usable-hart":
            for node, prop, val in edit:
                subprocess.run(["fdtput", "-t", "s", dtb, node, prop, val],
                               check=True)
        else:
            # An initrd beyond RAM.  (A /reserved-memory range outside RAM
            # is a device window, reported and clipped, not an error.)
            for prop, val in (("linux,initrd-start", "f0000000"),
                              ("linux,initrd-end", "f0001000")):
                subprocess.run(["fdtput", "-t", "x", dtb, "/chosen", prop,
                                val], check=True)
        log = os.path.join(LOGS, "bad-dtb-" + name + ".log")
        run = qemu.run_qemu(qemu.qemu_command(2, "256M", dtb=dtb), timeout,
                            log)
        v = Verdicts("bad-dtb-" + name)
        v.check("nonzero_exit", run.status not in (0, None),
                "status %s" % run.status)
        line = next((l for l in run.output.split("\n")
                     if l.startswith("boot: error:")), "")
        v.check("clear_message", expect in line.lower(),
                "want '%s' in %r" % (expect, line))
        verdicts.append(v)
    return verdicts


def must_fail_case(name: str, smp: int, mem: str, args: str,
                   status: Optional[int], patterns: Sequence[str],
                   timeout: int) -> Tuple[Verdicts, "qemu.Run"]:
    """A run that has to fail: the right exit status and message."""
    log = os.path.join(LOGS, name + ".log")
    run = qemu.run_qemu(qemu.qemu_command(smp, mem, None, args), timeout, log)
    v = Verdicts(name)
    if status is None:
        v.check("nonzero_exit", run.status not in (0, None),
                "status %s" % run.status)
    else:
        v.check("exit_status_%d" % status, run.status == status,
                "status %s%s" % (run.status,
                                 " (timeout)" if run.timed_out else ""))
    for i, pat in enumerate(patterns):
        v.check("message%d" % (i + 1), re.search(pat, run.output, re.M),
                "no match for %r" % pat)
    v.message = first_match(run.output, patterns)
    return v, run


def first_match(text: str, patterns: Sequence[str]) -> str:
    for pat in reversed(patterns):
        m = re.search(pat, text, re.M)
        if m:
            line_start = text.rfind("\n", 0, m.start()) + 1
            line_end = text.find("\n", m.end())
            return text[line_start:line_end if line_end >= 0 else None].strip()
    return ""


def failure_cases(timeout: int
                  ) -> Iterator[Tuple[Verdicts, "qemu.Run"]]:
    """Each injected fault and each provoked crash must be caught."""
    for inject, status, patterns in INJECTIONS:
        args = "test=stress seconds=1 inject=" + inject
        yield must_fail_case("inject-" + inject, 2, "256M", args, status,
                             patterns, min(timeout, 120))
    for name, args, status, patterns in FAILURES:
        yield must_fail_case(name, 2, "256M", args, status, patterns,
                             min(timeout, 120))


def console_case() -> Verdicts:
    start = time.monotonic()
    v = Verdicts("console")
    for check, ok, why in console_test.run():
        v.check(check, ok, why)
    v.seconds = time.monotonic() - start
    return v


def echo_verdict(v: Verdicts, seconds: float, echo: Callable[[str], None],
                 extra: str = "") -> None:
    echo("qemu %-28s %5.1fs  %d passed, %d failed%s"
         % (v.name, seconds, v.counts.passed, v.counts.failed, extra))
    for note in v.notes:
        echo("    " + note)


def run_matrix(matrix: Sequence[Tuple[int, str, Optional[int]]], args: str,
               timeout: int, with_bad: bool = True,
               echo: Callable[[str], None] = print) -> ktap.Counts:
    total = ktap.Counts()
    for smp, mem, numa in matrix:
        name = "smp%d-%s%s" % (smp, mem, "-numa2" if numa else "")
        v, run = boot_case(name, smp, mem, numa, args, timeout)
        total.add(v.counts)
        st = stress_totals(run.output)
        echo("qemu %-16s %5.1fs  %d passed, %d failed, %d skipped%s"
             % (name, run.seconds, v.counts.passed, v.counts.failed,
                v.counts.skipped,
                "  (stress: %s ops, %s remote frees, %s ops/s)"
                % (st.get("ops"), st.get("remote_frees"),
                   st.get("ops_per_sec")) if st else ""))
        for note in v.notes:
            echo("    " + note)
    if with_bad:
        smp, mem, sargs = SLAB_DEBUG_BOOT
        v, run = boot_case("smp%d-%s-slab_debug" % (smp, mem), smp, mem,
                           None, sargs, timeout)
        for check, pat in SLAB_DEBUG_REPORTS:
            v.check(check, re.search(pat, run.output) is not None,
                    "no line matches " + pat)
        total.add(v.counts)
        echo_verdict(v, run.seconds, echo, "  [%d skipped]"
                     % v.counts.skipped)
        for v in bad_dtb_cases(timeout):
            total.add(v.counts)
            echo("qemu %-28s %d passed, %d failed" % (v.name, v.counts.passed,
                                                      v.counts.failed))
            for note in v.notes:
                echo("    " + note)
        for v, run in failure_cases(timeout):
            total.add(v.counts)
            echo_verdict(v, run.seconds, echo, "  [%s]" % v.message[:100])
        for smp, mem in HOTPLUG:
            v, run = boot_case("hotplug-smp%d" % smp, smp, mem, None,
                               HOTPLUG_ARGS, timeout)
            m = re.search(r"# hotplug: (\d+) stop/start cycles", run.output)
            v.check("cycles_reported", m and int(m.group(1)) > 0,
                    "no '# hotplug: N stop/start cycles' line")
            total.add(v.counts)
            echo_verdict(v, run.seconds, echo,
                         "  (%s stop/start cycles)" % m.group(1) if m else "")
        v = console_case()
        total.add(v.counts)
        echo_verdict(v, v.seconds, echo)
    return total


def run_boards(echo: Callable[[str], None] = print) -> ktap.Counts:
    """The board-style boots and other QEMU machines (scripts/boards.py)."""
    import boards  # noqa: E402  (boards imports this module)
    return boards.run_boards(echo=echo)


def finish(total: ktap.Counts) -> None:
    """The last lines every test script prints, and its exit status."""
    for f in total.failures:
        print("failed: " + f)
    print("%d passed, %d failed" % (total.passed, total.failed))
    sys.exit(1 if total.failed else 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--stress", action="store_true",
                    help="one long stress run instead of the matrix")
    ap.add_argument("--smp", type=int, default=8)
    ap.add_argument("--mem", default="1G")
    ap.add_argument("--seconds", type=int, default=300)
    ap.add_argument("--args", default="test=all seconds=2")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--only", choices=["matrix", "extra"],
                    help="only the matrix, or only the extra checks")
    a = ap.parse_args()
    if a.stress:
        matrix = [(a.smp, a.mem, None)]
        args = "test=stress seconds=%d" % a.seconds
        timeout = a.seconds * 3 + 120
        total = run_matrix(matrix, args, timeout, with_bad=False)
        log = os.path.join(LOGS, "smp%d-%s.log" % (a.smp, a.mem))
        with open(log) as f:
            text = f.read()
        for line in text.split("\n"):
            if re.match(r"^\s*# stress: ", line):
                print(line.strip())
    elif a.only == "extra":
        total = run_matrix([], a.args, a.timeout)
    elif a.only == "matrix":
        total = run_matrix(MATRIX, a.args, a.timeout, with_bad=False)
    else:
        total = run_matrix(MATRIX, a.args, a.timeout)
    finish(total)


if __name__ == "__main__":
    main()
