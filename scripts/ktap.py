#!/usr/bin/env python3
"""Count KTAP version 1 results the way `make test` reports them.

A case is a leaf result line: one with no subtest results of its own.
"ok ... # SKIP" counts as skipped, not passed.  A plan whose results are
missing (a run that died half-way) counts one failure per missing result.

Every counted case is also recorded by name in Counts.cases, with its
status and, for a failure, its message: scripts/test_all.py writes them to
build/test-results.xml (JUnit), so that file counts exactly what the
"N passed, N failed" line counts.

  scripts/ktap.py < log      count the KTAP in a log, print the failures
"""
import argparse
import re
import sys
from typing import Dict, List, NamedTuple, Optional

RESULT = re.compile(r"^(\s*)(ok|not ok)\s+(\d+)\s*(?:-\s*)?([^#]*?)\s*"
                    r"(?:#\s*(\S+)\s*(.*))?$")
PLAN = re.compile(r"^(\s*)1\.\.(\d+)\s*$")
VERSION = re.compile(r"^\s*(KTAP version 1|TAP version 1[34])\s*$")


class Case(NamedTuple):
    """One counted result: status is "passed", "failed" or "skipped"."""
    name: str
    status: str
    message: str


class Counts:
    """Passed, failed and skipped cases; use ok(), fail() and skip()."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures: List[str] = []  # names of failed leaves
        self.cases: List[Case] = []  # every counted case, in order

    def add(self, other: "Counts") -> None:
        other.fill_unnamed("unnamed")
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.failures += other.failures
        self.cases += other.cases

    def ok(self, name: str) -> None:
        self.passed += 1
        self.cases.append(Case(name, "passed", ""))

    def fail(self, name: str, message: str = "") -> None:
        self.failed += 1
        self.failures.append(name)
        self.cases.append(Case(name, "failed", message or name))

    def skip(self, name: str, reason: str = "") -> None:
        self.skipped += 1
        self.cases.append(Case(name, "skipped", reason))

    def fill_unnamed(self, prefix: str) -> None:
        """Record cases a caller counted without a name (passed += 1)."""
        for status in ("passed", "failed", "skipped"):
            recorded = sum(1 for c in self.cases if c.status == status)
            for i in range(recorded, getattr(self, status)):
                self.cases.append(Case("%s.%s-%d" % (prefix, status, i + 1),
                                       status, ""))


def ktap_lines(text: str) -> List[str]:
    """The lines from the first KTAP header on (a boot log has more)."""
    lines = text.replace("\r", "").split("\n")
    for i, line in enumerate(lines):
        if VERSION.match(line):
            return lines[i:]
    return []


def count(text: str, prefix: str = "") -> Counts:
    """Leaf results of every KTAP document in text."""
    counts = Counts()
    lines = ktap_lines(text)
    if not lines:
        counts.fail(prefix + "(no KTAP output)")
        return counts
    history: List[int] = []  # indents of results seen, in order
    plans: Dict[int, List[int]] = {}  # indent -> [planned, seen]
    suite: Dict[int, str] = {}  # indent -> current subtest name
    diags: List[str] = []  # "# ..." lines since the last result
    for line in lines:
        m = re.match(r"^(\s*)# Subtest: (.*)$", line)
        if m:
            suite[len(m.group(1))] = m.group(2).strip()
            continue
        m = re.match(r"^\s*#\s?(.*)$", line)
        if m:
            diags.append(m.group(1))
            continue
        m = PLAN.match(line)
        if m:
            depth = len(m.group(1))
            if depth in plans:
                check_plan(counts, prefix, depth, *plans[depth])
            plans[depth] = [int(m.group(2)), 0]
            continue
        m = RESULT.match(line)
        if not m:
            continue
        depth = len(m.group(1))
        leaf = True
        for d in reversed(history):
            if d <= depth:
                break
            leaf = False
        history.append(depth)
        if depth in plans:
            plans[depth][1] += 1
        notes, diags = diags, []
        if not leaf:
            continue
        parent = suite.get(depth, "") if depth else ""
        name = prefix + (parent + "." if parent else "") + m.group(4)
        directive = (m.group(5) or "").upper()
        if m.group(2) == "not ok":
            counts.fail(name, "\n".join(notes[-20:]) or "not ok")
        elif directive == "SKIP":
            counts.skip(name, m.group(6) or "")
        else:
            counts.ok(name)
    for depth, (planned, seen) in sorted(plans.items()):
        check_plan(counts, prefix, depth, planned, seen)
    return counts


def check_plan(counts: Counts, prefix: str, depth: int, planned: int,
               seen: int) -> None:
    for i in range(seen, planned):
        counts.fail(prefix + "(missing result %d at depth %d)"
                    % (i + 1, depth // 4))


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        description="Count the KTAP results of a log read from stdin; print "
        "the failed cases and 'N passed, N failed'. Exit status 1 when a "
        "case failed.")
    ap.parse_args(argv)
    c = count(sys.stdin.read())
    for name in c.failures:
        print("failed: " + name)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
