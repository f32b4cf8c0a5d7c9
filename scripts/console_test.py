#!/usr/bin/env python3
"""Drive hartslab's serial console from the host and check every answer.

QEMU runs with -nographic, so its stdin is the UART's receive line and its
stdout the transmit line.  QEMU only feeds the UART when the guest can take
a byte, so typing a whole line at once loses nothing.  For each command the
script types the line, waits for the next prompt, and checks the answer;
"poweroff" must end QEMU with status 0.  The session (from the kernel's
first line on, backspaces applied) is written to
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

ROOT = qemu.ROOT
PROMPT = "hartslab> "
SESSION = os.path.join(ROOT, "build", "test-logs", "console-session.txt")
LOG = os.path.join(ROOT, "build", "test-logs", "qemu", "console.log")

# (what is typed, patterns the answer must contain, seconds allowed)
SCRIPT = [
    ("help", [r"meminfo", r"buddyinfo", r"slabinfo", r"harts", r"stress",
              r"poweroff"], 10),
    ("meminfo", [r"managed_bytes=\d+", r"free_bytes=\d+",
                 r"meta_bytes=\d+", r"section"], 10),
    ("buddyinfo", [r"order|\b0\b"], 10),
    ("slabinfo", [r"\d"], 10),
    ("slabinfo harts", [r"hart"], 10),
    ("harts", [r"index", r"online", r"\byes\b"], 10),
    ("stress 2", [r"stress: hart=\d+ ops=\d+ remote_frees=\d+ "
                  r"failed_allocs=\d+",
                  r"stress: total ops=\d+ remote_frees=\d+ failed_allocs=\d+"
                  r" seconds=\d+\.\d\d ops_per_sec=\d+",
                  r"stress: PASS"], 120),
    # Backspace: "hlep", three rubouts, "elp" is "help".
    ("hlep\x7f\x7f\x7felp", [r"poweroff\s+power"], 10),
    ("frobnicate", [r"unknown command 'frobnicate'.*help"], 10),
    ("slabinfo nonsense", [r"usage: slabinfo"], 10),
]


class Console:
    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.buf = ""
        self.pos = 0  # start of the part not yet consumed

    def read_until(self, text, timeout):
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

    def type_line(self, line):
        self.proc.stdin.write(line.encode() + b"\r")
        self.proc.stdin.flush()

    def wait_exit(self, timeout):
        try:
            out, _ = self.proc.communicate(timeout=timeout)
            self.buf += out.decode("utf-8", "replace").replace("\r", "")
            return self.proc.returncode
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def apply_backspaces(text):
    out = []
    for line in text.split("\n"):
        chars = []
        for c in line:
            if c == "\b":
                if chars:
                    chars.pop()
            else:
                chars.append(c)
        out.append("".join(chars).rstrip())
    return "\n".join(out)


def session_text(raw):
    i = raw.find("hartslab: booting")
    return apply_backspaces(raw[i if i >= 0 else 0:]).strip() + "\n"


def run(smp=2, mem="256M", session_path=SESSION, log_path=LOG):
    """Returns a list of (check name, ok, why)."""
    results = []
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
        for line, patterns, secs in SCRIPT:
            con.type_line(line)
            answer = con.read_until(PROMPT, secs)
            name = "cmd_" + re.sub(r"\W+", "_", line.split("\x7f")[0])
            if answer is None:
                results.append((name, False, "no prompt after %r" % line))
                return results
            missing = [p for p in patterns if not re.search(p, answer)]
            results.append((name, not missing,
                            "missing %s in %r" % (missing, answer[-400:])))
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


def main():
    ap = argparse.ArgumentParser(description=__doc__)
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
