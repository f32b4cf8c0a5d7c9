#!/usr/bin/env python3
"""Count KTAP version 1 results the way `make test` reports them.

A case is a leaf result line: one with no subtest results of its own.
"ok ... # SKIP" counts as skipped, not passed.  A plan whose results are
missing (a run that died half-way) counts one failure per missing result.
"""
import re
import sys

RESULT = re.compile(r"^(\s*)(ok|not ok)\s+(\d+)\s*(?:-\s*)?([^#]*?)\s*"
                    r"(?:#\s*(\S+)\s*(.*))?$")
PLAN = re.compile(r"^(\s*)1\.\.(\d+)\s*$")
VERSION = re.compile(r"^\s*(KTAP version 1|TAP version 1[34])\s*$")


class Counts:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []  # names of failed leaves

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.failures += other.failures

    def fail(self, name):
        self.failed += 1
        self.failures.append(name)


def ktap_lines(text):
    """The lines from the first KTAP header on (a boot log has more)."""
    lines = text.replace("\r", "").split("\n")
    for i, line in enumerate(lines):
        if VERSION.match(line):
            return lines[i:]
    return []


def count(text, prefix=""):
    """Leaf results of every KTAP document in text."""
    counts = Counts()
    lines = ktap_lines(text)
    if not lines:
        counts.fail(prefix + "(no KTAP output)")
        return counts
    history = []  # indents of results seen, in order
    plans = {}  # indent -> [planned, seen]
    suite = {}  # indent -> current subtest name
    for line in lines:
        m = re.match(r"^(\s*)# Subtest: (.*)$", line)
        if m:
            suite[len(m.group(1))] = m.group(2).strip()
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
        if not leaf:
            continue
        parent = suite.get(depth, "") if depth else ""
        name = prefix + (parent + "." if parent else "") + m.group(4)
        directive = (m.group(5) or "").upper()
        if m.group(2) == "not ok":
            counts.fail(name)
        elif directive == "SKIP":
            counts.skipped += 1
        else:
            counts.passed += 1
    for depth, (planned, seen) in sorted(plans.items()):
        check_plan(counts, prefix, depth, planned, seen)
    return counts


def check_plan(counts, prefix, depth, planned, seen):
    for i in range(seen, planned):
        counts.fail(prefix + "(missing result %d at depth %d)"
                    % (i + 1, depth // 4))


if __name__ == "__main__":
    c = count(sys.stdin.read())
    for name in c.failures:
        print("failed: " + name)
    print("%d passed, %d failed" % (c.passed, c.failed))
    sys.exit(1 if c.failed else 0)
