#!/usr/bin/env python3
"""Drive hartslab's serial console from the host and check every answer.

QEMU runs with -nographic, so its stdin is the UART's receive line and its
stdout the transmit line.  QEMU only feeds the UART when the guest can take
a byte, so typing a whole line at once loses nothing.  For each command the
script types the line, waits for the next prompt, and checks the answer;
"poweroff" must end QEMU with status 0.  The line editor is driven with
the bytes a terminal sends (escape sequences for the arrows, Home, End and
Delete; Ctrl-U, Ctrl-C), harts are stopped and started (`hart stop N`,
`hart start N`, the console's own hart too: the console moves and the
rest of the session runs on another hart), a running "stress" is
interrupted with Ctrl-C.
The session (from the kernel's first line on, as a terminal would show
it) is written to
build/test-logs/console-session.txt (docs/console-session.txt is a copy
made with --session).
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time
from typing import List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

ROOT = qemu.ROOT
PROMPT = "hartslab> "
SESSION = os.path.join(ROOT, "build", "test-logs", "console-session.txt")
LOG = os.path.join(ROOT, "build", "test-logs", "qemu", "console.log")

ESC_UP, ESC_DOWN, ESC_RIGHT, ESC_LEFT = "\x1b[A", "\x1b[B", "\x1b[C", "\x1b[D"
ESC_HOME, ESC_END, ESC_DELETE = "\x1b[H", "\x1b[F", "\x1b[3~"
CTRL_C, CTRL_U, BACKSPACE = "\x03", "\x15", "\x7f"
HELP = r"poweroff\s+power"

# (check name, what is typed, patterns the answer must contain, seconds
# allowed, patterns the answer must not contain)
Step = Tuple[str, str, List[str], int, List[str]]
SCRIPT: List[Step] = [
    ("cmd_help", "help", [r"meminfo", r"buddyinfo", r"slabinfo", r"harts",
                          r"stress", r"poweroff"], 10, []),
    ("cmd_meminfo", "meminfo", [r"managed_bytes=\d+", r"free_bytes=\d+",
                                r"meta_bytes=\d+", r"section"], 10, []),
    ("cmd_buddyinfo", "buddyinfo", [r"order|\b0\b"], 10, []),
    ("cmd_slabinfo", "slabinfo", [r"\d"], 10, []),
    ("cmd_slabinfo_harts", "slabinfo harts", [r"hart"], 10, []),
    ("cmd_harts", "harts", [r"index", r"online", r"\byes\b"], 10, []),
    # Surrounding spaces are ignored, and so is a trailing one.
    ("cmd_stress", "  stress 2 ", [
        r"stress: hart=\d+ ops=\d+ remote_frees=\d+ failed_allocs=\d+",
        r"stress: total ops=\d+ remote_frees=\d+ failed_allocs=\d+"
        r" seconds=\d+\.\d\d ops_per_sec=\d+",
        r"stress: PASS"], 120, [r"usage"]),
    # Backspace: "hlep", three rubouts, "elp" is "help".
    ("edit_backspace", "hlep" + BACKSPACE * 3 + "elp", [HELP], 10, []),
    ("edit_left", "hep" + ESC_LEFT + "l", [HELP], 10, []),
    ("edit_right", "hp" + ESC_LEFT * 2 + ESC_RIGHT + "el", [HELP], 10, []),
    ("edit_home", "elp" + ESC_HOME + "h", [HELP], 10, []),
    ("edit_end", "he" + ESC_HOME + ESC_END + "lp", [HELP], 10, []),
    ("edit_delete", "hxelp" + ESC_HOME + ESC_RIGHT + ESC_DELETE, [HELP], 10,
     []),
    ("edit_backspace_mid_line", "hexlp" + ESC_LEFT * 2 + BACKSPACE, [HELP],
     10, []),
    ("edit_ctrl_u", "garbage" + CTRL_U + "help", [HELP], 10, [r"unknown"]),
    ("edit_ctrl_c", "garbage" + CTRL_C, [r"\^C"], 10, [r"unknown"]),
    # History: the newest line is "help", the one before it "stress 2".
    ("history_up", ESC_UP, [HELP], 10, [r"unknown"]),
    ("history_up_down", ESC_UP * 2 + ESC_DOWN, [HELP], 10, [r"stress:"]),
    ("history_down_restores_line", "harts" + ESC_UP + ESC_DOWN,
     [r"index", r"online"], 10, [r"unknown"]),
    ("cmd_frobnicate", "frobnicate",
     [r"unknown command 'frobnicate'.*help"], 10, []),
    ("cmd_slabinfo_nonsense", "slabinfo nonsense", [r"usage: slabinfo"], 10,
     []),
    ("line_too_long", "help" + "x" * 96,
     [r"line longer than 79 characters, ignored"], 10, [r"unknown"]),
    ("number_overflow", "stress 18446744073709551617",
     [r"usage: stress \[seconds: 1\.\.3600\]"], 10, [r"stress: \d+ s on"]),
    ("number_zero", "stress 0", [r"usage: stress"], 10, []),
]
# History holds at least 16 lines: 16 unknown commands, then 16 times Up
# brings back the first of them.
SCRIPT += [("history_fill_%d" % i, "h%d" % i, [r"unknown command 'h%d'" % i],
            10, []) for i in range(1, 17)]
SCRIPT += [("history_16_deep", ESC_UP * 16, [r"unknown command 'h1'"], 10,
            [])]


class Console:
    def __init__(self, cmd: List[str]) -> None:
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.buf = ""
        self.pos = 0  # start of the part not yet consumed

    def read_until(self, text: str, timeout: float) -> Optional[str]:
        end = time.monotonic() + timeout
        while True:
            i = self.buf.find(text, self.pos)
            if i >= 0:
                out = self.buf[self.pos:i]
                self.pos = i + len(text)
                return out
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                return None
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                data = os.read(self.proc.stdout.fileno(), 4096)
                if not data:
                    return None
                self.buf += data.decode("utf-8", "replace").replace("\r", "")

    def type_line(self, line: str) -> None:
        self.type_raw(line + "\r")

    def type_raw(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def wait_exit(self, timeout: float) -> Optional[int]:
        try:
            out, _ = self.proc.communicate(timeout=timeout)
            self.buf += out.decode("utf-8", "replace").replace("\r", "")
            return self.proc.returncode
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            return None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def apply_backspaces(text: str) -> str:
    """What a terminal shows: '\b' moves the cursor left, characters
    overwrite what is under the cursor (the line editor redraws that way)."""
    out = []
    for line in text.split("\n"):
        cells: List[str] = []
        pos = 0
        for c in line:
            if c == "\b":
                pos = max(0, pos - 1)
            elif pos < len(cells):
                cells[pos] = c
                pos += 1
            else:
                cells.append(c)
                pos += 1
        out.append("".join(cells).rstrip())
    return "\n".join(out)


def session_text(raw: str) -> str:
    i = raw.find("hartslab: booting")
    return apply_backspaces(raw[i if i >= 0 else 0:]).strip() + "\n"


def interrupt_stress(con: "Console") -> Tuple[bool, str]:
    """Ctrl-C stops a long stress run, which reports and frees everything."""
    con.type_line("stress 600")
    if con.read_until("stress: 600 s on", 10) is None:
        return False, "stress 600 did not start"
    time.sleep(1.5)
    con.type_raw(CTRL_C)
    answer = con.read_until(PROMPT, 60)
    if answer is None:
        return False, "no prompt within 60 s of Ctrl-C"
    want = [r"stress: interrupted after \d+ ms of 600 s",
            r"stress: total ops=\d+", r"stress: PASS, free memory back"]
    missing = [p for p in want if not re.search(p, answer)]
    return not missing, "missing %s in %r" % (missing, answer[-400:])


def hotplug_steps(boot: str) -> List[Step]:
    """`hart stop N` / `hart start N` and the `harts` table showing it:
    another hart stopped and started, the last online hart refused (on 2
    harts), then the console's own hart stopped, which moves the console
    to another hart (the rest of the session runs there), and started
    again.  Hart ids depend on the boot lottery: read from the boot log."""
    m = re.search(r"booting on hart (\d+)", boot)
    ids = re.findall(r"smp: hart (\d+) online", boot)
    if not m or not ids:
        return [("hotplug_ids", "harts", [r"booting on hart|online \(index"],
                 10, [])]
    me, other = m.group(1), ids[0]
    row = r"(?m)^%s\s+\d+\s+%s\s.*%s"
    steps: List[Step] = [
        ("hart_usage", "hart frob 1", [r"usage: hart stop\|start"], 10, []),
        ("hart_no_such", "hart stop 99", [r"hart: 99: no such hart"], 10,
         []),
        ("hart_start_online", "hart start " + other,
         [r"hart: start %s failed: EALREADY" % other], 10, []),
        ("hart_stop_other", "hart stop " + other,
         [r"hart: hart %s stopped" % other], 30, [r"failed"]),
        ("harts_shows_stopped", "harts",
         [row % (other, "no", "stopped"), row % (me, "yes", "console")], 10,
         []),
        ("hart_stop_twice", "hart stop " + other,
         [r"hart: stop %s failed: EALREADY" % other], 10, []),
    ]
    if len(ids) == 1:  # 2 harts: the console's hart is the last one
        steps.append(("hart_stop_last", "hart stop " + me,
                      [r"hart: stop %s failed: EBUSY \(the last online "
                       r"hart\)" % me], 10, []))
    steps += [
        ("hart_start_other", "hart start " + other,
         [r"smp: hart %s back online" % other, r"hart: hart %s online" % other],
         30, [r"failed"]),
        ("harts_shows_back", "harts", [row % (other, "yes", "idle")], 10,
         []),
        ("hart_stop_console_hart", "hart stop " + me,
         [r"hart: console moves to hart \d+", r"hart: hart %s stopped" % me],
         30, [r"failed", r"did not stop"]),
        ("harts_console_moved", "harts",
         [row % (me, "no", "stopped"), r"(?m)^\d+\s+\d+\s+yes\s.*console"],
         10, []),
        ("hart_start_boot_hart", "hart start " + me,
         [r"smp: hart %s back online" % me, r"hart: hart %s online" % me], 30,
         [r"failed"]),
        ("harts_all_back", "harts", [row % (me, "yes", "idle")], 10,
         [r"\bno\b"]),
        ("meminfo_after_hotplug", "meminfo", [r"free_bytes=\d+"], 10, []),
    ]
    return steps


def run(smp: int = 2, mem: str = "256M", session_path: str = SESSION,
        log_path: str = LOG) -> List[Tuple[str, bool, str]]:
    """Returns a list of (check name, ok, why)."""
    results: List[Tuple[str, bool, str]] = []
    con = Console(qemu.qemu_command(smp, mem, None, ""))
    try:
        boot = con.read_until(PROMPT, 120)
        results.append(("prompt", boot is not None,
                        "no '%s' prompt after boot" % PROMPT.strip()))
        if boot is None:
            return results
        results.append(("boot_demo", "demo:" in boot and
                        "stress: PASS" in boot,
                        "the SMP demo before the prompt did not pass"))
        for name, line, patterns, secs, unwanted in (SCRIPT +
                                                     hotplug_steps(boot)):
            if line.endswith(CTRL_C):
                con.type_raw(line)  # Ctrl-C ends the line itself
            else:
                con.type_line(line)
            answer = con.read_until(PROMPT, secs)
            if answer is None:
                results.append((name, False, "no prompt after %r" % line))
                return results
            missing = [p for p in patterns if not re.search(p, answer)]
            found = [p for p in unwanted if re.search(p, answer)]
            results.append((name, not missing and not found,
                            "missing %s, unwanted %s in %r"
                            % (missing, found, answer[-400:])))
        ok, why = interrupt_stress(con)
        results.append(("ctrl_c_interrupts_stress", ok, why))
        if not ok:
            return results
        con.type_line("poweroff")
        status = con.wait_exit(30)
        results.append(("poweroff_exit_0", status == 0,
                        "exit status %s" % status))
    finally:
        con.kill()
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, "w") as f:
            f.write(con.buf)
        if session_path and all(ok for _, ok, _ in results):
            os.makedirs(os.path.dirname(session_path), exist_ok=True)
            with open(session_path, "w") as f:
                f.write(session_text(con.buf))
    return results


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Prints one line per check and 'N passed, N failed'; `make "
        "test` runs the same checks through scripts/harness.py.")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--session", default=SESSION)
    a = ap.parse_args()
    results = run(a.smp, a.mem, a.session)
    for name, ok, why in results:
        print("%s %s%s" % ("ok" if ok else "FAIL", name,
                           "" if ok else ": " + why))
    failed = sum(1 for _, ok, _ in results if not ok)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
