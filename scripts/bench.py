#!/usr/bin/env python3
"""hartslab benchmarks (issue 5): `make bench` runs this after building the
kernel and build/bench/bench-<allocator>.

  guest, icount   instruction counts of the mm paths (suite "bench" in
                  tests/kernel/bench_mm.c) and of the boot up to "mm: ready"
  guest, MTTCG    ops/s of the stress mix (test=stress) on 1, 2 and 4 harts
  guest, scaling  per-operation instructions, atomic instructions and
                  section-lock acquisitions of the pair, prodcons and mix
                  patterns (bench.bench_scale) at 1, 2, 4 and 8 harts, icount
  host            hartslab mm/ against glibc, jemalloc, mimalloc, tcmalloc,
                  interleaved in the same run: ns/op (timed), instructions
                  per op (callgrind), memory held against requested

Writes build/bench/results.md, one CSV per benchmark, PNG plots (gnuplot),
and compares the guest instruction counts with the table recorded in
docs/benchmarks.md (changes over 5% are printed).  --record rewrites that
table from this run.
"""
import argparse
import csv
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from qemu import qemu_command, run_qemu, KERNEL  # noqa: E402

ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "build", "bench")
DOC = os.path.join(ROOT, "docs", "benchmarks.md")

ALLOCS = ["hartslab", "glibc", "jemalloc", "mimalloc", "tcmalloc"]
PAIR_SIZES = [16, 64, 256, 1024, 2048, 8192]
MIX_THREADS = [1, 2, 4]
PC_PAIRS = [1, 2]
BOOT_MEMS = ["128M", "1G", "4G"]
STRESS_HARTS = [1, 2, 4]
SCALE_HARTS = [1, 2, 4, 8]
SCALE_RE = re.compile(r"# scale: workload=(\S+) harts=(\d+) ops=(\d+) "
                      r"instret=([\d.]+) atomics=([\d.]+) locks=([\d.]+)")
REGRESSION_PCT = 5.0

BENCH_RE = re.compile(r"# bench: name=(\S+) size=(\d+) iters=(\d+) "
                      r"instret=([\d.]+)")
READY_RE = re.compile(r"mm: ready instret=(\d+) time_ticks=(\d+)")
STRESS_RE = re.compile(r"# stress: total ops=(\d+) remote_frees=(\d+) "
                       r"failed_allocs=(\d+) seconds=([\d.]+) "
                       r"ops_per_sec=(\d+)")
HOST_RE = re.compile(r"(\w+)=(\S+)")

DOC_BEGIN = "<!-- guest-instret:begin -->"
DOC_END = "<!-- guest-instret:end -->"


def say(msg):
    print("bench: " + msg, flush=True)


def write_csv(name, header, rows):
    path = os.path.join(OUT, name)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def med_min_max(values):
    return statistics.median(values), min(values), max(values)


# ------------------------------------------------------------------ guest --

def guest_instret(runs, extra="", suffix=""):
    """Boot -smp 2 with icount and test=bench; returns ({(name, size):
    instret}, identical across runs?).  @extra: more of the command line
    (slab_debug=1), its figures named with @suffix."""
    results = []
    for k in range(runs):
        cmd = qemu_command(smp=2, mem="512M",
                           append=(extra + " test=bench").strip(),
                           icount=True)
        log = os.path.join(OUT, "logs", "guest-bench%s-%d.log" % (suffix, k))
        r = run_qemu(cmd, timeout=600, log_path=log)
        found = {}
        for m in BENCH_RE.finditer(r.output):
            found[(m.group(1) + suffix, int(m.group(2)))] = \
                float(m.group(4))
        if not found:
            say("guest bench run %d printed no figures (see %s)" % (k, log))
        results.append(found)
    same = all(res == results[0] for res in results[1:])
    return results[0], same


def guest_scaling():
    """Boot -smp 1, 2, 4, 8 with icount and test=bench.bench_scale; rows
    (workload, harts, ops, instret, atomics, locks) per operation."""
    rows = []
    for n in SCALE_HARTS:
        cmd = qemu_command(smp=n, mem="512M", append="test=bench.bench_scale",
                           icount=True)
        log = os.path.join(OUT, "logs", "guest-scale-%d.log" % n)
        r = run_qemu(cmd, timeout=600, log_path=log)
        found = SCALE_RE.findall(r.output)
        if not found:
            say("guest scaling at %d harts printed nothing (see %s)"
                % (n, log))
        for w, h, ops, ins, at, lk in found:
            rows.append((w, int(h), int(ops), float(ins), float(at),
                         float(lk)))
            say("scale: %-8s harts=%d instructions=%7.2f atomics=%.4f "
                "section_locks=%.4f per op" % (w, int(h), float(ins),
                                                float(at), float(lk)))
    return rows


def scaling_plots(term, scale):
    for col, what in ((3, "instructions"), (4, "atomic instructions"),
                      (5, "section-lock acquisitions")):
        tag = what.split()[0].split("-")[0]
        path = os.path.join(OUT, "plot_guest_scale_%s.dat" % tag)
        wls = sorted(set(r[0] for r in scale))
        with open(path, "w") as f:
            for n in SCALE_HARTS:
                vals = {r[0]: r[col] for r in scale if r[1] == n}
                f.write("%d %s\n" % (n, " ".join(
                    "%.4f" % vals.get(w, float("nan")) for w in wls)))
        gnuplot(term + "set output 'guest_scale_%s.png'\n"
                "set title 'guest: %s per operation against harts "
                "(icount)'\nset xlabel 'harts'\nset ylabel '%s'\n"
                "set logscale x 2\nset xrange [0.8:10]\nset xtics (1,2,4,8)\n"
                "set yrange [0:*]\n"
                "set grid\nplot %s\n" % (
                    tag, what, what, ", ".join(
                        "'plot_guest_scale_%s.dat' using 1:%d with "
                        "linespoints title '%s'" % (tag, i + 2, w)
                        for i, w in enumerate(wls))))


def boot_to_ready(mem, icount, timeout=300):
    """Boot until the 'mm: ready' line, then stop QEMU; (instret, ticks)."""
    cmd = qemu_command(smp=1, mem=mem, append="", icount=icount)
    log = os.path.join(OUT, "logs", "boot-%s-%s.log" %
                       (mem, "icount" if icount else "mttcg"))
    os.makedirs(os.path.dirname(log), exist_ok=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    found = None
    lines = []
    try:
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            m = READY_RE.search(line)
            if m:
                found = (int(m.group(1)), int(m.group(2)))
                break
            if time.monotonic() > deadline:
                break
    finally:
        proc.kill()
        proc.wait()
    with open(log, "w") as f:
        f.write("# " + " ".join(cmd) + "\n" + "\n".join(lines) + "\n")
    return found


def guest_boot():
    rows = []
    for mem in BOOT_MEMS:
        for icount in (True, False):
            r = boot_to_ready(mem, icount)
            if r is None:
                say("boot -m %s: no 'mm: ready' line" % mem)
                continue
            rows.append((mem, "icount" if icount else "mttcg", r[0], r[1],
                         r[1] / 10000.0))
    return rows


def guest_stress(runs, seconds):
    rows = []
    for k in range(runs):
        for harts in STRESS_HARTS:
            cmd = qemu_command(smp=harts, mem="512M",
                               append="test=stress seconds=%d" % seconds)
            log = os.path.join(OUT, "logs", "stress-smp%d-%d.log" % (harts, k))
            r = run_qemu(cmd, timeout=seconds + 120, log_path=log)
            m = STRESS_RE.search(r.output)
            if not m:
                say("stress smp=%d run %d: no summary line (see %s)"
                    % (harts, k, log))
                continue
            rows.append((harts, k, int(m.group(1)), int(m.group(2)),
                         int(m.group(3)), float(m.group(4)), int(m.group(5))))
    return rows


# ------------------------------------------------------------------- host --

def bench_bin(alloc):
    return os.path.join(OUT, "bench-" + alloc)


def run_host(alloc, args):
    out = subprocess.run([bench_bin(alloc)] + [str(a) for a in args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=300)
    if out.returncode:
        raise RuntimeError("%s %s failed: %s" % (alloc, args,
                                                 out.stderr.decode()))
    return dict(HOST_RE.findall(out.stdout.decode()))


def host_configs(quick):
    pair_iters = 1_000_000 if quick else 5_000_000
    pc_iters = 300_000 if quick else 1_000_000
    mix_iters = 200_000 if quick else 500_000
    cfgs = [("pair", s, 1, ["pair", s, pair_iters]) for s in PAIR_SIZES]
    cfgs += [("prodcons", 64, 2 * p, ["prodcons", p, 64, pc_iters])
             for p in PC_PAIRS]
    cfgs += [("mix", 0, t, ["mix", t, mix_iters]) for t in MIX_THREADS]
    return cfgs


def host_timed(reps, quick):
    """Every configuration, every allocator, interleaved: one process per
    (configuration, allocator); each repetition visits all allocators, the
    starting allocator rotating from one repetition to the next."""
    rows = []
    cfgs = host_configs(quick)
    for rep in range(reps):
        order = ALLOCS[rep % len(ALLOCS):] + ALLOCS[:rep % len(ALLOCS)]
        for workload, size, threads, args in cfgs:
            for alloc in order:
                r = run_host(alloc, args)
                rows.append((workload, size, threads, alloc, rep,
                             float(r["ns_per_op"]), float(r["mops"]),
                             int(r["held_kb"]), int(r["requested_kb"])))
        say("host: repetition %d/%d done" % (rep + 1, reps))
    return rows


def summarize_timed(rows):
    """{(workload, size, threads, alloc): dict(median, min, max, ...)}"""
    groups = {}
    for w, s, t, a, _, ns, mops, held, req in rows:
        groups.setdefault((w, s, t, a), []).append((ns, mops, held, req))
    out = {}
    for key, vals in groups.items():
        ns = [v[0] for v in vals]
        mops = [v[1] for v in vals]
        med, lo, hi = med_min_max(ns)
        out[key] = {"ns": med, "ns_min": lo, "ns_max": hi,
                    "mops": statistics.median(mops),
                    "mops_min": min(mops), "mops_max": max(mops),
                    "held_kb": max(v[2] for v in vals),
                    "req_kb": max(v[3] for v in vals)}
    return out


NOT_ALLOC_FN = re.compile(r"sched_yield|pthread_|clock_gettime|__vdso|"
                          r"futex|__lll_|_dl_runtime|syscall")


def callgrind_count(alloc, args, ops, keep_annotation=None):
    """Instructions per operation inside the allocator: the callgrind
    total of the timed region minus what the driver's own code did."""
    outf = os.path.join(OUT, "callgrind", "%s-%s.out" %
                        (alloc, "-".join(str(a) for a in args)))
    os.makedirs(os.path.dirname(outf), exist_ok=True)
    subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                    "--callgrind-out-file=" + outf, bench_bin(alloc)] +
                   [str(a) for a in args], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True, timeout=600)
    ann = subprocess.run(["callgrind_annotate", "--inclusive=no",
                          "--auto=no", "--threshold=100", outf],
                         stdout=subprocess.PIPE,
                         check=True).stdout.decode("utf-8", "replace")
    total = driver = other = 0
    in_table = False
    for line in ann.splitlines():
        if line.rstrip().endswith("file:function"):
            in_table = True
            continue
        if not in_table:
            continue
        if line.startswith("--") and total:
            break
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*)$", line)
        if not m or ":" not in m.group(2):
            continue
        ir = int(m.group(1).replace(",", ""))
        where = m.group(2)
        total += ir
        if "bench/host/driver.c" in where or "bench/host/shim.h" in where:
            driver += ir
        elif NOT_ALLOC_FN.search(where.split(":", 1)[1].split(" ")[0]):
            other += ir
    if keep_annotation:
        full = subprocess.run(["callgrind_annotate", "--inclusive=no",
                               "--auto=yes", "--threshold=99", outf],
                              stdout=subprocess.PIPE, check=True)
        with open(keep_annotation, "wb") as f:
            f.write(full.stdout)
    return total / ops, (total - driver - other) / ops


def host_callgrind(quick):
    rows = []
    iters = 100_000 if quick else 300_000
    for size in PAIR_SIZES:
        for alloc in ALLOCS:
            keep = None
            if alloc == "hartslab" and size in (64, 8192):
                keep = os.path.join(OUT, "callgrind_hartslab_pair%d.txt"
                                    % size)
            tot, inside = callgrind_count(alloc, ["pair", size, iters],
                                          iters, keep)
            rows.append(("pair", size, 1, alloc, tot, inside))
    pc = 50_000 if quick else 200_000
    for alloc in ALLOCS:
        keep = None
        if alloc == "hartslab":
            keep = os.path.join(OUT, "callgrind_hartslab_prodcons.txt")
        tot, inside = callgrind_count(alloc, ["prodcons", 1, 64, pc], pc,
                                      keep)
        rows.append(("prodcons", 64, 2, alloc, tot, inside))
    say("host: callgrind done")
    return rows


# ------------------------------------------------------------------ plots --

def gnuplot(script):
    if not shutil.which("gnuplot"):
        say("gnuplot missing: no plots")
        return
    subprocess.run(["gnuplot"], input=script.encode(), check=False,
                   cwd=OUT)


def plots(timed, instret, stress):
    term = "set terminal pngcairo size 900,560 noenhanced\n" \
        if _has_cairo() else "set terminal png size 900,560 noenhanced\n"
    if timed:
        host_plots(term, timed)
    guest_plots(term, instret, stress)


def host_plots(term, timed):
    # Host: ns per pair against size.
    path = os.path.join(OUT, "plot_host_pair.dat")
    with open(path, "w") as f:
        f.write("size " + " ".join(ALLOCS) + "\n")
        for s in PAIR_SIZES:
            f.write("%d %s\n" % (s, " ".join(
                "%.3f" % timed[("pair", s, 1, a)]["ns"] for a in ALLOCS)))
    gnuplot(term + "set output 'host_pair.png'\n"
            "set title 'host: malloc+free pair, one thread (median)'\n"
            "set logscale x 2\nset xlabel 'size (bytes)'\n"
            "set ylabel 'ns per pair'\nset key top left\nset grid\n"
            "plot " + ", ".join(
                "'plot_host_pair.dat' using 1:%d with linespoints title '%s'"
                % (i + 2, a) for i, a in enumerate(ALLOCS)) + "\n")
    # Host: mix throughput against threads.
    path = os.path.join(OUT, "plot_host_mix.dat")
    with open(path, "w") as f:
        f.write("threads " + " ".join(ALLOCS) + "\n")
        for t in MIX_THREADS:
            f.write("%d %s\n" % (t, " ".join(
                "%.3f" % timed[("mix", 0, t, a)]["mops"] for a in ALLOCS)))
    gnuplot(term + "set output 'host_mix_threads.png'\n"
            "set title 'host: random mix with hand-offs (median)'\n"
            "set xlabel 'threads'\nset ylabel 'M allocations/s'\n"
            "set xtics (1,2,4)\nset key top left\nset grid\n"
            "plot " + ", ".join(
                "'plot_host_mix.dat' using 1:%d with linespoints title '%s'"
                % (i + 2, a) for i, a in enumerate(ALLOCS)) + "\n")


def guest_plots(term, instret, stress):
    # Guest: instructions per kmalloc+kfree pair against class size.
    pairs = sorted((s, v) for (n, s), v in instret.items()
                   if n == "kmalloc_pair")
    if pairs:
        path = os.path.join(OUT, "plot_guest_pair.dat")
        with open(path, "w") as f:
            for s, v in pairs:
                f.write("%d %.2f\n" % (s, v))
        gnuplot(term + "set output 'guest_kmalloc_pair.png'\n"
                "set title 'guest: kmalloc+kfree pair per size class "
                "(icount)'\nset logscale x 2\nset xlabel 'class size (bytes)'"
                "\nset ylabel 'instructions'\nset yrange [0:*]\nset grid\n"
                "plot 'plot_guest_pair.dat' using 1:2 with linespoints "
                "title 'hartslab', 40 title 'goal (40)' dt 2\n")
    # Guest: stress throughput against harts.
    if stress:
        path = os.path.join(OUT, "plot_guest_stress.dat")
        with open(path, "w") as f:
            for h in STRESS_HARTS:
                v = [r[6] for r in stress if r[0] == h]
                if v:
                    med, lo, hi = med_min_max(v)
                    f.write("%d %d %d %d\n" % (h, med, lo, hi))
        gnuplot(term + "set output 'guest_stress_harts.png'\n"
                "set title 'guest: stress mix, MTTCG (median, min-max)'\n"
                "set xlabel 'harts'\nset ylabel 'ops/s'\nset xtics (1,2,4)\n"
                "set yrange [0:*]\nset grid\n"
                "plot 'plot_guest_stress.dat' using 1:2:3:4 with "
                "yerrorlines title 'hartslab'\n")


def _has_cairo():
    try:
        out = subprocess.run(["gnuplot", "-e", "set terminal"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=10).stdout.decode()
        return "pngcairo" in out
    except (OSError, subprocess.TimeoutExpired):
        return False


# --------------------------------------------------- regression and docs --

def recorded_instret():
    if not os.path.exists(DOC):
        return {}
    text = open(DOC).read()
    if DOC_BEGIN not in text or DOC_END not in text:
        return {}
    block = text.split(DOC_BEGIN, 1)[1].split(DOC_END, 1)[0]
    rec = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1].isdigit():
            try:
                rec[(cells[0], int(cells[1]))] = float(cells[2])
            except ValueError:
                pass
    return rec


def regression_check(instret):
    rec = recorded_instret()
    lines = []
    if not rec:
        return ["no recorded figures in docs/benchmarks.md to compare with"]
    for key in sorted(set(rec) | set(instret)):
        old, new = rec.get(key), instret.get(key)
        if old is None:
            lines.append("%s size=%d: new figure %.2f" % (key + (new,)))
        elif new is None:
            lines.append("%s size=%d: missing (recorded %.2f)"
                         % (key + (old,)))
        else:
            base = old if old else 1.0
            pct = (new - old) * 100.0 / base
            if abs(pct) > REGRESSION_PCT:
                lines.append("%s size=%d: %.2f -> %.2f instructions (%+.1f%%)"
                             % (key[0], key[1], old, new, pct))
    return lines


def instret_table(instret):
    out = [DOC_BEGIN, "| name | size | instret |", "|---|---|---|"]
    for (name, size), v in sorted(instret.items()):
        out.append("| %s | %d | %.2f |" % (name, size, v))
    out.append(DOC_END)
    return "\n".join(out)


def record_in_doc(instret):
    text = open(DOC).read() if os.path.exists(DOC) else ""
    table = instret_table(instret)
    if DOC_BEGIN in text and DOC_END in text:
        head = text.split(DOC_BEGIN, 1)[0]
        tail = text.split(DOC_END, 1)[1]
        text = head + table + tail
    else:
        text += "\n" + table + "\n"
    with open(DOC, "w") as f:
        f.write(text)


# ---------------------------------------------------------------- results --

def machine_line():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    qemu = subprocess.run(["qemu-system-riscv64", "--version"],
                          stdout=subprocess.PIPE).stdout.decode()
    qemu = qemu.splitlines()[0] if qemu else "?"
    return "%s, %d cores, %s, %s; %s" % (cpu, os.cpu_count() or 0,
                                         platform.system(), platform.release(),
                                         qemu)


# The 1-minute load average, sampled every few seconds while the benchmarks
# run: a timed verdict taken while the machine had more runnable work than
# cores says little, and is marked unreliable.
LOADS = []


def sample_load(stop: threading.Event) -> None:
    while True:
        try:
            LOADS.append(os.getloadavg()[0])
        except OSError:
            return
        if stop.wait(5):
            return


def overloaded() -> bool:
    return bool(LOADS) and max(LOADS) > (os.cpu_count() or 1)


def load_line() -> str:
    if not LOADS:
        return "load average: not available"
    return ("load average (1 min) during the run: max %.2f, mean %.2f over "
            "%d samples, %d cores%s" % (
                max(LOADS), sum(LOADS) / len(LOADS), len(LOADS),
                os.cpu_count() or 0,
                "; timed verdicts UNRELIABLE (load above the core count)"
                if overloaded() else ""))


def goal(ok, text, timed=False):
    verdict = "met" if ok else "**missed**"
    if timed and overloaded():
        verdict += " (unreliable: load %.2f > %d cores)" % (
            max(LOADS), os.cpu_count() or 1)
    return "| %s | %s |" % (verdict, text)


def goals(instret, boot, timed, stress):
    g = []
    for name, what in (("kmalloc_pair", "variable size"),
                       ("kmalloc_pair_const", "size constant at the call "
                        "site")):
        pairs = {s: v for (n, s), v in instret.items() if n == name}
        if not pairs:
            continue
        worst = max(pairs.items(), key=lambda kv: kv[1])
        over = {s: v for s, v in pairs.items() if v > 40}
        g.append(goal(not over,
                      "local kmalloc+kfree pair (%s) <= 40 instructions for "
                      "every class: worst %.2f at %d B%s" % (
                          what, worst[1], worst[0],
                          "" if not over else "; over 40 in %d of %d classes "
                          "(by up to %.2f)" % (len(over), len(pairs),
                                               worst[1] - 40))))
    for size, limit in ((8192, 120), (20480, 600), (2 << 20, 400)):
        v = instret.get(("pages_pair", size))
        if v is not None:
            g.append(goal(v <= limit, "pages alloc+free of %d KiB <= %d "
                          "instructions: %.2f" % (size >> 10, limit, v)))
    tb = instret.get(("remote_takeback", 64))
    if tb is not None:
        g.append(goal(tb <= 10, "remote take-back <= 10 instructions per "
                      "object: %.2f" % tb))
    pg = instret.get(("pages_pair", 4096))
    if pg is not None:
        g.append(goal(pg <= 60, "one page alloc+free <= 60 instructions: "
                      "%.2f" % pg))
    b4 = [r for r in boot if r[0] == "4G"]
    for r in b4:
        g.append(goal(r[4] < 50, "mm ready for 4 GiB < 50 ms guest time "
                      "(%s): %.2f ms" % (r[1], r[4])))
    if timed and "hartslab" in ALLOCS and "mimalloc" in ALLOCS:
        fails = []
        for s in PAIR_SIZES:
            h = timed[("pair", s, 1, "hartslab")]["ns"]
            mi = timed[("pair", s, 1, "mimalloc")]["ns"]
            gl = timed[("pair", s, 1, "glibc")]["ns"]
            if h > mi or h > gl / 2:
                fails.append("%d B: %.2f ns vs mimalloc %.2f, glibc/2 %.2f"
                             % (s, h, mi, gl / 2))
        g.append(goal(not fails, "host single-thread pair <= mimalloc and "
                      "<= glibc/2 at every size" +
                      ("" if not fails else ": " + "; ".join(fails)),
                      timed=True))
        h = timed[("prodcons", 64, 4, "hartslab")]["mops"]
        mi = timed[("prodcons", 64, 4, "mimalloc")]["mops"]
        je = timed[("prodcons", 64, 4, "jemalloc")]["mops"]
        h1 = timed[("prodcons", 64, 2, "hartslab")]["mops"]
        mi1 = timed[("prodcons", 64, 2, "mimalloc")]["mops"]
        je1 = timed[("prodcons", 64, 2, "jemalloc")]["mops"]
        g.append(goal(h1 >= mi1 and h1 >= je1,
                      "producer/consumer 1->1 (2 threads) >= mimalloc and "
                      "jemalloc: %.2f vs %.2f / %.2f M objects/s"
                      % (h1, mi1, je1), timed=True))
        g.append(goal(h >= mi and h >= je,
                      "producer/consumer 2->2 (4 threads) >= mimalloc and "
                      "jemalloc: %.2f vs %.2f / %.2f M objects/s"
                      % (h, mi, je), timed=True))
    return g


def results_md(args, instret, same, boot, stress, timed, cg, regress,
               seconds, scale=()):
    L = ["# hartslab benchmark results", "",
         "Machine: " + machine_line(), "", load_line(), "",
         "Command: `make bench` (scripts/bench.py %s), %d s wall time, %s."
         % (" ".join(sys.argv[1:]), seconds, time.strftime("%Y-%m-%d %H:%M")),
         ""]
    L += ["## Goals", "", "| status | goal and figure |", "|---|---|"]
    L += goals(instret, boot, timed, stress)
    L += ["", "## Guest instruction counts (QEMU -icount shift=0,sleep=off, "
          "-smp 2)", "",
          "Per operation, the empty loop's own instructions subtracted "
          "(`empty_loop` is that baseline per iteration); minimum of 5 "
          "trials. Figures %s across the %d boots of this run."
          % ("were identical" if same else "**differed**",
             args.guest_runs), "",
          "| name | size | instructions |", "|---|---|---|"]
    for (n, s), v in sorted(instret.items()):
        L.append("| %s | %d | %.2f |" % (n, s, v))
    L += ["", "Regression check against docs/benchmarks.md (> %.0f%%):"
          % REGRESSION_PCT, ""]
    L += ["- " + r for r in regress] or ["- no change over 5%"]
    if scale:
        L += ["", "## Scaling: per-operation counts against harts (icount, "
              "test=bench.bench_scale)", "",
              "| workload | harts | ops | instructions | atomics | "
              "section locks |", "|---|---|---|---|---|---|"]
        for w, h, ops, ins, at, lk in sorted(scale):
            L.append("| %s | %d | %d | %.2f | %.4f | %.4f |"
                     % (w, h, ops, ins, at, lk))
        L += ["", "Plots: guest_scale_instructions.png, "
              "guest_scale_atomic.png, guest_scale_section.png."]
    L += ["", "## Boot to `mm: ready` (-smp 1)", "",
          "| -m | mode | instructions | time ticks (10 MHz) | ms |",
          "|---|---|---|---|---|"]
    for mem, mode, ins, ticks, ms in boot:
        L.append("| %s | %s | %d | %d | %.2f |" % (mem, mode, ins, ticks, ms))
    L += ["", "Under icount, guest time advances 1 ns per instruction "
          "(shift=0); the mttcg rows are the guest's own clock without "
          "icount (instret is then host-dependent).", ""]
    if stress:
        L += ["## Guest stress mix, MTTCG, -m 512M (test=stress seconds=%d)"
              % args.stress_seconds, "",
              "| harts | runs | ops/s median | min | max |",
              "|---|---|---|---|---|"]
        for h in STRESS_HARTS:
            v = [r[6] for r in stress if r[0] == h]
            if v:
                med, lo, hi = med_min_max(v)
                L.append("| %d | %d | %d | %d | %d |" % (h, len(v), med,
                                                          lo, hi))
        L.append("")
    if timed:
        L += ["## Host, side by side (x86-64, same run, interleaved)", "",
              "ns per operation, median of %d runs [min-max]; an operation "
              "is a malloc+free pair (pair), one object produced and freed "
              "remotely (prodcons), one allocation and its eventual free "
              "(mix)." % args.reps, "",
              "| workload | size | threads | " + " | ".join(ALLOCS) + " |",
              "|---|---|---|" + "---|" * len(ALLOCS)]
        keys = sorted({k[:3] for k in timed},
                      key=lambda k: (["pair", "prodcons", "mix"].index(k[0]),
                                     k[2], k[1]))
        for w, s, t in keys:
            cells = []
            for a in ALLOCS:
                r = timed[(w, s, t, a)]
                cells.append("%.2f [%.2f-%.2f]" % (r["ns"], r["ns_min"],
                                                   r["ns_max"]))
            L.append("| %s | %s | %d | %s |" % (w, s or "mixed", t,
                                                  " | ".join(cells)))
        L += ["", "Throughput, M operations/s (median):", "",
              "| workload | threads | " + " | ".join(ALLOCS) + " |",
              "|---|---|" + "---|" * len(ALLOCS)]
        for w, s, t in keys:
            if w == "pair":
                continue
            L.append("| %s | %d | %s |" % (w, t, " | ".join(
                "%.2f" % timed[(w, s, t, a)]["mops"] for a in ALLOCS)))
        L += ["", "Peak memory held (VmHWM over the RSS at the start of the "
              "timed region, KiB, largest of the runs) against the peak of "
              "the bytes the workload held live (KiB):", "",
              "| workload | threads | requested | " + " | ".join(ALLOCS) +
              " |", "|---|---|---|" + "---|" * len(ALLOCS)]
        for w, s, t in keys:
            if w == "pair":
                continue
            L.append("| %s | %d | %d | %s |" % (
                w, t, max(timed[(w, s, t, a)]["req_kb"] for a in ALLOCS),
                " | ".join("%d" % timed[(w, s, t, a)]["held_kb"]
                           for a in ALLOCS)))
        L.append("")
    if cg:
        L += ["## Host instructions per operation (callgrind)", "",
              "Inside the allocator (the driver's loop, ring and yield "
              "instructions excluded); in brackets the whole timed region "
              "per operation.", "",
              "| workload | size | " + " | ".join(ALLOCS) + " |",
              "|---|---|" + "---|" * len(ALLOCS)]
        idx = {(r[0], r[1], r[3]): r for r in cg}
        for w, s in sorted({(r[0], r[1]) for r in cg},
                           key=lambda k: (k[0] != "pair", k[1])):
            L.append("| %s | %d | %s |" % (w, s, " | ".join(
                "%.1f (%.1f)" % (idx[(w, s, a)][5], idx[(w, s, a)][4])
                for a in ALLOCS)))
        L += ["", "Annotated hartslab hot paths: build/bench/callgrind_"
              "hartslab_pair64.txt, _pair8192.txt, _prodcons.txt.", ""]
    L += ["## Files", "",
          "CSV: guest_instret.csv, guest_boot.csv, guest_stress.csv, "
          "host_timed.csv (every run), host_summary.csv, host_callgrind.csv."
          " Plots: host_pair.png, host_mix_threads.png, "
          "guest_kmalloc_pair.png, guest_stress_harts.png. Serial logs: "
          "logs/.", ""]
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write("\n".join(L))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--reps", type=int, default=9,
                    help="host runs per configuration and allocator")
    ap.add_argument("--guest-runs", type=int, default=2,
                    help="icount boots of the bench suite (must agree)")
    ap.add_argument("--stress-runs", type=int, default=5)
    ap.add_argument("--stress-seconds", type=int, default=4)
    ap.add_argument("--quick", action="store_true",
                    help="short runs (smoke test of the benchmark itself)")
    ap.add_argument("--skip", default="",
                    help="comma list of: guest,scale,boot,stress,host,"
                    "callgrind")
    ap.add_argument("--record", action="store_true",
                    help="write this run's guest counts into docs/benchmarks.md")
    ap.add_argument("--record-only", action="store_true",
                    help="copy build/bench/guest_instret.csv into "
                    "docs/benchmarks.md and stop")
    args = ap.parse_args()
    if args.record_only:
        with open(os.path.join(OUT, "guest_instret.csv")) as f:
            rows = list(csv.DictReader(f))
        record_in_doc({(r["name"], int(r["size"])): float(r["instret_per_op"])
                       for r in rows})
        say("recorded %d guest counts in docs/benchmarks.md" % len(rows))
        return
    missing = [a for a in ALLOCS if not os.path.exists(bench_bin(a))]
    if missing:
        say("not built, left out: " + " ".join(missing))
        ALLOCS[:] = [a for a in ALLOCS if a not in missing]
    skip = set(filter(None, args.skip.split(",")))
    if args.quick:
        args.reps = min(args.reps, 3)
        args.stress_runs = min(args.stress_runs, 1)
        args.stress_seconds = min(args.stress_seconds, 2)
    os.makedirs(os.path.join(OUT, "logs"), exist_ok=True)
    t0 = time.monotonic()
    stop_sampling = threading.Event()
    threading.Thread(target=sample_load, args=(stop_sampling,),
                     daemon=True).start()

    instret, same, boot, stress, timed_rows, cg = {}, True, [], [], [], []
    have_kernel = os.path.exists(KERNEL)
    if not have_kernel:
        say("no %s: guest benchmarks skipped" % KERNEL)
    if have_kernel and "guest" not in skip:
        instret, same = guest_instret(args.guest_runs)
        # slab_debug=1 (mm/slab_debug.c): the same paths with red zones,
        # poison and records; one run (icount repeats exactly).
        dbg, _ = guest_instret(1, "slab_debug=1", "_slab_debug")
        instret.update({k: v for k, v in dbg.items()
                        if k[0].startswith(("kmalloc_pair_slab", "cache_",
                                            "kmalloc_bulk", "kmalloc_singles"))})
        write_csv("guest_instret.csv", ["name", "size", "instret_per_op"],
                  [(n, s, "%.2f" % v) for (n, s), v in sorted(instret.items())])
        say("guest: %d instruction figures%s" % (
            len(instret), "" if same else " (runs DIFFERED)"))
    scale = []
    if have_kernel and "scale" not in skip:
        scale = guest_scaling()
        write_csv("guest_scale.csv", ["workload", "harts", "ops",
                                      "instret_per_op", "atomics_per_op",
                                      "section_locks_per_op"], scale)
    if have_kernel and "boot" not in skip:
        boot = guest_boot()
        write_csv("guest_boot.csv", ["mem", "mode", "instret", "time_ticks",
                                     "ms"], boot)
        say("guest: boot figures done")
    if have_kernel and "stress" not in skip:
        stress = guest_stress(args.stress_runs, args.stress_seconds)
        write_csv("guest_stress.csv", ["harts", "run", "ops", "remote_frees",
                                       "failed_allocs", "seconds",
                                       "ops_per_sec"], stress)
        say("guest: stress done (%d runs)" % len(stress))
    timed = {}
    if "host" not in skip:
        timed_rows = host_timed(args.reps, args.quick)
        write_csv("host_timed.csv", ["workload", "size", "threads", "alloc",
                                     "rep", "ns_per_op", "mops", "held_kb",
                                     "requested_kb"], timed_rows)
        timed = summarize_timed(timed_rows)
        write_csv("host_summary.csv",
                  ["workload", "size", "threads", "alloc", "ns_median",
                   "ns_min", "ns_max", "mops_median", "mops_min", "mops_max",
                   "held_kb_max", "requested_kb"],
                  [k + (round(v["ns"], 3), round(v["ns_min"], 3),
                        round(v["ns_max"], 3), round(v["mops"], 3),
                        round(v["mops_min"], 3), round(v["mops_max"], 3),
                        v["held_kb"], v["req_kb"])
                   for k, v in sorted(timed.items())])
    if "callgrind" not in skip and shutil.which("valgrind"):
        cg = host_callgrind(args.quick)
        write_csv("host_callgrind.csv", ["workload", "size", "threads",
                                         "alloc", "instr_per_op_total",
                                         "instr_per_op_allocator"],
                  [r[:4] + ("%.2f" % r[4], "%.2f" % r[5]) for r in cg])

    regress = regression_check(instret) if instret else []
    for line in regress:
        say("instret change: " + line)
    if args.record and instret:
        record_in_doc(instret)
        say("recorded the guest counts in docs/benchmarks.md")
    stop_sampling.set()
    say(load_line())
    plots(timed, instret, stress)
    if scale:
        scaling_plots("set terminal pngcairo size 900,560 noenhanced\n"
                      if _has_cairo() else
                      "set terminal png size 900,560 noenhanced\n", scale)
    results_md(args, instret, same, boot, stress, timed, cg, regress,
               int(time.monotonic() - t0), scale)
    say("results in %s (%d s)" % (os.path.join(OUT, "results.md"),
                                   int(time.monotonic() - t0)))


if __name__ == "__main__":
    main()
