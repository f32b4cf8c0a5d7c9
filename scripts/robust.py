#!/usr/bin/env python3
"""Robustness checks (issue 12): fuzzing, crashers, slow-host boots.

What `make test` runs (run_all, called from scripts/test_all.py):
  1. tests/fuzz/test_crashers.sh: every committed FDT crasher makes
     build/host/platinfo exit 1 with one line;
  2. replay: each fuzz target (build/fuzz/fuzz_fdt, build/fuzz/fuzz_mm and
     its MM_DEBUG build fuzz_mm_debug) runs every input of its committed
     corpus (tests/fuzz/corpus/<t>/) once, fuzz_fdt also the trees
     scripts/make_dtbs.sh built; inputs in tests/fuzz/known-failing/<t>/
     only with HARTSLAB_FUZZ_KNOWN_FAILING=1;
  3. a time-boxed fuzz run of fdt and mm (HARTSLAB_FUZZ_SECONDS, default
     60; 0 skips), on a working copy of the corpus under build/fuzz/work/;
     anything it finds is kept under build/fuzz/artifacts/<t>/;
  4. QEMU boots that must pass on a slow host: test=stress on 4 harts under
     single-threaded TCG; the same with two busy host processes beside QEMU;
     and inject=hang under single-threaded TCG, which the watchdog must
     still catch.

    scripts/robust.py all                  what make test runs
    scripts/robust.py fuzz --seconds N     longer fuzz runs (make fuzz)
    scripts/robust.py replay | crashers | boots
    scripts/robust.py coverage             line coverage of the corpus
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import ktap  # noqa: E402
import qemu  # noqa: E402

ROOT = qemu.ROOT
FUZZ_DIR = os.path.join(ROOT, "build", "fuzz")
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
KNOWN_FAILING = os.path.join(ROOT, "tests", "fuzz", "known-failing")
LOGS = os.path.join(ROOT, "build", "test-logs", "robust")
TARGETS = ("fdt", "mm", "mm_debug")
# Fuzzed for HARTSLAB_FUZZ_SECONDS in make test; mm_debug is replayed there
# and fuzzed by make fuzz.
TIMED_TARGETS = ("fdt", "mm")
# Whose committed corpus a target reads: mm_debug shares mm's encoding.
CORPUS_OF = {"fdt": "fdt", "mm": "mm", "mm_debug": "mm"}
DEFAULT_SECONDS = 60
MAX_LEN = 64 << 10  # bytes of one input (boards' trees are below 12 KiB)

# libFuzzer options for every run: a hang is an input that runs 10 s.
FUZZ_OPTS = ["-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"]


def log_path(name):
    os.makedirs(LOGS, exist_ok=True)
    return os.path.join(LOGS, name + ".log")


def run_logged(cmd, name, timeout, env=None):
    """harness.run_logged() into build/test-logs/robust/NAME.log."""
    return harness.run_logged(cmd, log_path(name), timeout, env,
                              who="robust", header=True)


def build_fuzzers():
    """The fuzz programs (mk/fuzz.mk); quick when they are up to date."""
    p = subprocess.run(["make", "--no-print-directory", "-f", "mk/build.mk",
                        "fuzz-bins", "host-tools"], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode == 0, p.stdout.decode("utf-8", "replace")


def binary(target):
    return os.path.join(FUZZ_DIR, "fuzz_" + target)


def corpus_files(target):
    src = CORPUS_OF[target]
    files = sorted(glob.glob(os.path.join(CORPUS, src, "*")))
    if os.environ.get("HARTSLAB_FUZZ_KNOWN_FAILING") == "1":
        files += sorted(glob.glob(os.path.join(KNOWN_FAILING, src, "*")))
    return files


def extra_inputs(target):
    """Inputs made at build time (not committed): the DTBs of make_dtbs."""
    if target != "fdt":
        return []
    return sorted(glob.glob(os.path.join(ROOT, "build", "dtb", "*.dtb")))


def finding(out):
    """The first line that says what went wrong in a libFuzzer log."""
    for pat in (r"fuzz_\w+: broken rule.*", r"ERROR: \w+Sanitizer.*",
                r"runtime error:.*", r"ERROR: libFuzzer:.*", r"PANIC:.*",
                r"ALARM: .*"):
        m = re.search(pat, out)
        if m:
            return m.group(0).strip()
    return ""


# ---- 1. crashers ----

def crashers_case(echo):
    start = time.monotonic()
    status, out = run_logged(["bash", "tests/fuzz/test_crashers.sh"],
                             "crashers", 120)
    c = ktap.count(out, "robust/fuzz_crashers:")
    if status != 0 and not c.failed:
        c.fail("robust/fuzz_crashers: exit status %s" % status)
    echo("fuzz %-28s %5.1fs  %d passed, %d failed"
         % ("crashers (platinfo exit 1)", time.monotonic() - start,
            c.passed, c.failed))
    for name in c.failures:
        echo("    failed: " + name)
    return c


# ---- 2. replay ----

def replay_case(target, echo):
    v = harness.Verdicts("replay-" + target)
    files = corpus_files(target) + extra_inputs(target)
    start = time.monotonic()
    status, out = run_logged([binary(target)] + files, "replay-" + target,
                             600)
    ran = len(re.findall(r"^Executed ", out, re.M))
    v.check("all_inputs_pass", status == 0 and ran == len(files),
            "status %s, %d of %d inputs ran: %s (log: %s)"
            % (status, ran, len(files), finding(out),
               os.path.relpath(log_path("replay-" + target), ROOT)))
    echo("fuzz %-28s %5.1fs  %d passed, %d failed  (%d inputs)"
         % ("replay " + target, time.monotonic() - start, v.counts.passed,
            v.counts.failed, ran))
    for note in v.notes:
        echo("    " + note)
    return v.counts


# ---- 3. time-boxed fuzzing ----

class FuzzResult:
    def __init__(self, target, status, out, seconds):
        self.target = target
        self.status = status
        self.out = out
        self.seconds = seconds
        m = re.search(r"stat::number_of_executed_units:\s*(\d+)", out)
        self.execs = int(m.group(1)) if m else 0
        cov = re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)", out)
        self.cov, self.features, self.corpus = (
            tuple(int(x) for x in cov[-1]) if cov else (0, 0, 0))
        m = re.search(r"Test unit written to (\S+)", out)
        self.artifact = m.group(1) if m else ""
        self.found = finding(out) if status != 0 else ""


def fuzz_run(target, seconds, extra_opts=()):
    """Fuzz @target for @seconds on build/fuzz/work/<target>, seeded with
    the committed corpus (new inputs stay in build/)."""
    work = os.path.join(FUZZ_DIR, "work", target)
    arts = os.path.join(FUZZ_DIR, "artifacts", target) + os.sep
    os.makedirs(work, exist_ok=True)
    os.makedirs(arts, exist_ok=True)
    # QEMU's dumps are padded to 1 MiB: mutating that much padding is
    # wasted time, and the committed seeds hold the same trees compacted.
    for f in corpus_files(target) + extra_inputs(target):
        dst = os.path.join(work, os.path.basename(f))
        if os.path.getsize(f) <= MAX_LEN and not os.path.exists(dst):
            shutil.copy(f, dst)
    for f in glob.glob(os.path.join(work, "*")):
        if os.path.getsize(f) > MAX_LEN:
            os.unlink(f)
    cmd = [binary(target), "-max_total_time=%d" % seconds,
           "-max_len=%d" % MAX_LEN, "-artifact_prefix=" + arts]
    cmd += FUZZ_OPTS + list(extra_opts) + [work]
    start = time.monotonic()
    status, out = run_logged(cmd, "fuzz-" + target, seconds * 2 + 120)
    return FuzzResult(target, status, out, time.monotonic() - start)


def fuzz_case(target, seconds, echo):
    r = fuzz_run(target, seconds)
    v = harness.Verdicts("fuzz-" + target)
    v.check("no_finding", r.status == 0,
            "status %s: %s; input kept in %s" % (r.status, r.found,
                                                 r.artifact or "(none)"))
    echo("fuzz %-28s %5.1fs  %d passed, %d failed  (%d executions, "
         "cov %d, ft %d, corpus %d)"
         % ("run " + target, r.seconds, v.counts.passed, v.counts.failed,
            r.execs, r.cov, r.features, r.corpus))
    for note in v.notes:
        echo("    " + note)
    return v.counts


# ---- 4. slow-host boots ----

TCG_SINGLE = ["-accel", "tcg,thread=single"]


def busy_processes(n):
    """@n host processes that only burn CPU; the caller kills them."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(n)]


def stress_boot(name, smp, mem, args, extra, timeout, load=0):
    cmd = qemu.qemu_command(smp, mem, None, args, extra=extra)
    busy = busy_processes(load)
    try:
        run = qemu.run_qemu(cmd, timeout, log_path(name))
    finally:
        for p in busy:
            p.kill()
            p.wait()
    v = harness.Verdicts(name)
    v.check("exit_status", run.status == 0,
            "status %s%s" % (run.status,
                             " (timeout)" if run.timed_out else ""))
    m = re.search(r"^watchdog: .*$", run.output, re.M)
    v.check("no_watchdog", not m, m.group(0) if m else "")
    harness.check_boot_report(v, run.output, smp, mem, None)
    v.counts.add(ktap.count(run.output, name + ":"))
    return v, run


def hang_boot(name, extra, timeout):
    """The watchdog must still catch a real hang on a slow machine."""
    args = "test=stress seconds=1 inject=hang"
    cmd = qemu.qemu_command(2, "256M", None, args, extra=extra)
    run = qemu.run_qemu(cmd, timeout, log_path(name))
    v = harness.Verdicts(name)
    v.check("exit_status_%d" % harness.WATCHDOG_EXIT,
            run.status == harness.WATCHDOG_EXIT,
            "status %s%s" % (run.status,
                             " (timeout)" if run.timed_out else ""))
    m = re.search(r"watchdog: hart \d+ stuck for \d+ ms doing "
                  r"'stress: injected hang'", run.output)
    v.check("message", m, "no 'stuck ... injected hang' line")
    v.message = m.group(0) if m else ""
    return v, run


def boots(echo):
    total = ktap.Counts()
    cases = [
        lambda: stress_boot("tcg-single-stress", 4, "512M",
                            "test=stress seconds=2", TCG_SINGLE, 600),
        lambda: stress_boot("host-load-stress", 4, "512M",
                            "test=stress seconds=2", [], 300, load=2),
        lambda: hang_boot("tcg-single-inject-hang", TCG_SINGLE, 300),
    ]
    for case in cases:
        v, run = case()
        total.add(v.counts)
        st = harness.stress_totals(run.output)
        burst = re.search(r"# stress: harts=.*\bburst_ms=(\d+)", run.output)
        extra = ""
        if st:
            extra = "  (stress: %s ops, longest burst %s ms)" % (
                st.get("ops"), burst.group(1) if burst else "?")
        if getattr(v, "message", ""):
            extra = "  [%s]" % v.message[:100]
        echo("qemu %-28s %5.1fs  %d passed, %d failed%s"
             % (v.name, run.seconds, v.counts.passed, v.counts.failed,
                extra))
        for note in v.notes:
            echo("    " + note)
    return total


# ---- coverage (figures for the docs, not part of make test) ----

def coverage(echo):
    """Line coverage of the FDT and mm sources by the working corpora."""
    ok, out = subprocess.run(
        ["make", "--no-print-directory", "-f", "mk/build.mk", "fuzz-cov"],
        cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT).returncode == 0, ""
    if not ok:
        echo("coverage: build failed (make -f mk/build.mk fuzz-cov)")
        return
    for target, sources in (("fdt", ["kernel/platform.c"]),
                            ("mm", sorted(glob.glob("mm/*.c")))):
        work = os.path.join(FUZZ_DIR, "work", target)
        inputs = [work] if os.path.isdir(work) else []
        inputs += [os.path.join(CORPUS, target)]
        prof = os.path.join(FUZZ_DIR, "cov", target + ".profraw")
        env = dict(os.environ, LLVM_PROFILE_FILE=prof)
        exe = os.path.join(FUZZ_DIR, "cov", "fuzz_" + target)
        subprocess.run([exe, "-runs=0"] + inputs, cwd=ROOT, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        data = prof.replace(".profraw", ".profdata")
        subprocess.run(["llvm-profdata", "merge", "-sparse", prof, "-o",
                        data], check=True)
        rep = subprocess.run(["llvm-cov", "report", exe,
                              "-instr-profile=" + data] + sources,
                             cwd=ROOT, stdout=subprocess.PIPE).stdout
        echo("coverage of %s by the %s corpus:" % (", ".join(sources),
                                                   target))
        for line in rep.decode().split("\n"):
            if line.strip():
                echo("    " + line)


# ---- entry points ----

def fuzz_seconds():
    try:
        return int(os.environ.get("HARTSLAB_FUZZ_SECONDS",
                                  DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS


def fuzz_checks(echo, seconds):
    total = ktap.Counts()
    ok, out = build_fuzzers()
    if not ok:
        total.fail("robust/fuzz-build")
        echo("fuzz build failed:\n" + out[-2000:])
        return total
    total.add(crashers_case(echo))
    for t in TARGETS:
        total.add(replay_case(t, echo))
    if seconds > 0:
        for t in TIMED_TARGETS:
            total.add(fuzz_case(t, seconds, echo))
    return total


def run_all(echo=print):
    """Everything above, as make test runs it; returns ktap.Counts."""
    total = fuzz_checks(echo, fuzz_seconds())
    total.add(boots(echo))
    return total


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("what", nargs="?", default="all",
                    choices=["all", "fuzz", "replay", "crashers", "boots",
                             "coverage"])
    ap.add_argument("--seconds", type=int, default=None,
                    help="fuzz time per target (fuzz: 300, all: 60)")
    ap.add_argument("--target", choices=TARGETS, action="append",
                    help="fuzz only this target (repeatable)")
    a = ap.parse_args()
    total = ktap.Counts()
    if a.what == "all":
        if a.seconds is not None:
            os.environ["HARTSLAB_FUZZ_SECONDS"] = str(a.seconds)
        total = run_all()
    elif a.what == "fuzz":
        ok, out = build_fuzzers()
        if not ok:
            sys.exit("robust: fuzz build failed:\n" + out[-2000:])
        for t in a.target or TARGETS:
            total.add(fuzz_case(t, a.seconds or 300, print))
        print("new inputs are in build/fuzz/work/<target>/; to keep one, "
              "copy it to tests/fuzz/corpus/<target>/ (see docs/fuzzing.md)")
    elif a.what == "replay":
        build_fuzzers()
        for t in TARGETS:
            total.add(replay_case(t, print))
    elif a.what == "crashers":
        build_fuzzers()
        total.add(crashers_case(print))
    elif a.what == "boots":
        total.add(boots(print))
    else:
        coverage(print)
        return
    harness.finish(total)


if __name__ == "__main__":
    main()
