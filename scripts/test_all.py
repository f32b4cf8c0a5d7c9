#!/usr/bin/env python3
"""`make test`: every test hartslab has, one summary line at the end.

1. DTBs for the discovery tests (scripts/make_dtbs.sh).
2. Host unit tests: build/host/test_* (plain), build/host-asan/test_*
   (AddressSanitizer + UBSan), build/host-debug/test_* (MM_DEBUG: freed
   objects poisoned), build/host-tsan/tsan_* (ThreadSanitizer), and the
   script tests tests/host/test_*.sh.  Each prints KTAP.
3. The QEMU matrix (scripts/harness.py): boots, boot-report checks, the
   in-kernel KTAP suites, kunit.py parse, bad device trees.

Logs go to build/test-logs/.  The last line is "N passed, N failed";
build/test-results.xml holds the same cases in JUnit XML (one testcase per
counted case, failures with their message, skipped cases marked) for CI.
"""
import argparse
import glob
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import ktap  # noqa: E402
import robust  # noqa: E402

ROOT = harness.ROOT
LOGS = os.path.join(ROOT, "build", "test-logs")
HOST_TIMEOUT = 300
RESULTS_XML = os.path.join(ROOT, "build", "test-results.xml")


def say(msg: str) -> None:
    print(msg, flush=True)


def host_programs() -> List[Tuple[str, List[str]]]:
    progs = []
    for variant, pattern in (("host", "test_*"), ("host-asan", "test_*"),
                             ("host-debug", "test_*"),
                             ("host-tsan", "tsan_*")):
        for path in sorted(glob.glob(os.path.join(ROOT, "build", variant,
                                                  pattern))):
            if os.access(path, os.X_OK) and not path.endswith(".d"):
                progs.append((variant, [path]))
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "host",
                                              "test_*.sh"))):
        progs.append(("script", ["bash", path]))
    return progs


def run_host_tests(total: ktap.Counts) -> None:
    env = dict(os.environ)
    env.setdefault("HARTSLAB_DTB_DIR", os.path.join(ROOT, "build", "dtb"))
    for variant, cmd in host_programs():
        name = os.path.basename(cmd[-1])
        start = time.monotonic()
        log = os.path.join(LOGS, variant, name + ".log")
        status, out = harness.run_logged(cmd, log, HOST_TIMEOUT, env,
                                         who="test_all")
        c = ktap.count(out, "%s/%s:" % (variant, name))
        if status != 0 and not c.failed:
            c.fail("%s/%s: exit status %s" % (variant, name, status))
        total.add(c)
        say("host %-9s %-26s %5.1fs  %d passed, %d failed, %d skipped"
            % (variant, name, time.monotonic() - start, c.passed, c.failed,
               c.skipped))


def make_dtbs(total: ktap.Counts) -> None:
    script = os.path.join(ROOT, "scripts", "make_dtbs.sh")
    if not os.path.exists(script):
        return
    status, out = harness.run_logged(["bash", script],
                                     os.path.join(LOGS, "make_dtbs.log"), 600,
                                     who="test_all")
    if status != 0:
        total.fail("make_dtbs (see build/test-logs/make_dtbs.log)")
        say("make_dtbs failed:\n" + out[-2000:])


def write_junit(total: ktap.Counts, seconds: float, path: str) -> None:
    """JUnit XML of exactly the cases total counted, grouped by the first
    component of their names (host variant, QEMU run, ...)."""
    total.fill_unnamed("unnamed")
    suites: Dict[str, List[ktap.Case]] = {}
    for case in total.cases:
        group = case.name.split("/")[0] if "/" in case.name.split(".")[0] \
            else case.name.split(".")[0]
        suites.setdefault(group, []).append(case)
    root = ET.Element("testsuites", name="hartslab", tests=str(len(
        total.cases)), failures=str(total.failed), errors="0",
        skipped=str(total.skipped), time="%.1f" % seconds)
    for group, cases in suites.items():
        suite = ET.SubElement(
            root, "testsuite", name=group, tests=str(len(cases)),
            failures=str(sum(c.status == "failed" for c in cases)),
            errors="0",
            skipped=str(sum(c.status == "skipped" for c in cases)))
        for case in cases:
            tc = ET.SubElement(suite, "testcase", classname=group,
                               name=case.name)
            if case.status == "failed":
                first = case.message.split("\n")[0][:200]
                f = ET.SubElement(tc, "failure", message=first)
                f.text = case.message
            elif case.status == "skipped":
                ET.SubElement(tc, "skipped", message=case.message)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Run by `make test` after the build; see the top of this "
        "file for what runs.")
    ap.add_argument("--junit", default=RESULTS_XML,
                    help="where the JUnit XML goes (default: %(default)s)")
    a = ap.parse_args()
    start = time.monotonic()
    total = ktap.Counts()
    make_dtbs(total)
    run_host_tests(total)
    total.add(harness.run_matrix(harness.MATRIX, "test=all seconds=2", 300,
                                 echo=say))
    total.add(harness.run_boards(echo=say))
    total.add(robust.run_all(echo=say))
    for name in total.failures:
        say("failed: " + name)
    say("test: %d skipped, %.0f s in all, logs in build/test-logs/"
        % (total.skipped, time.monotonic() - start))
    write_junit(total, time.monotonic() - start, a.junit)
    say("%d passed, %d failed" % (total.passed, total.failed))
    sys.exit(1 if total.failed else 0)


if __name__ == "__main__":
    main()
