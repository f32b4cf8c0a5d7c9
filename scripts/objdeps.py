#!/usr/bin/env python3
"""Who calls whom, from the objects' symbols, not from reading the code.

Every object file stands for its source file.  File A depends on file B when
A has an undefined symbol that B defines (nm's U against T/D/B/R...).  The
checks, each printed as one KTAP case of a suite:

  --layer GLOBS    layers from the bottom up (repeat; a layer is a
                   comma-separated list of globs over source names).  A file
                   may reference files of its own layer or of layers below,
                   never a layer above.
  --exempt GLOB    files any layer may reference (repeat): printk and
                   panic, which may be called from anywhere.  Only the layer
                   check ignores these edges; the cycle checks see them.
  --max-cycle N    the largest strongly connected set of files allowed
                   (1: no cycle at all).
  --closed GLOB    no cycle may contain both files that match GLOB and files
                   that do not (repeat for several).

Examples (from the repository root, after a build):

  scripts/objdeps.py --ktap mm-layers --strip build/kobj/ \\
      --layer 'mm/section.c' --layer 'mm/buddy.c' --max-cycle 1 \\
      build/kobj/mm/*.o
  scripts/objdeps.py --graph --strip build/kobj/ $(find build/kobj -name '*.o')

Exit status 0 when every check passes, 1 when one fails, 2 on bad usage.
Static functions and macros leave no symbol and so no edge: header-only
code is invisible here by design, as it is to the linker.
"""
import argparse
import fnmatch
import subprocess
import sys
from typing import Dict, List, Set, Tuple

Graph = Dict[str, Dict[str, Set[str]]]  # file -> file -> symbols


def source_name(obj: str, strip: str) -> str:
    """build/kobj/mm/slab.c.o -> mm/slab.c"""
    name = obj[len(strip):] if strip and obj.startswith(strip) else obj
    return name[:-2] if name.endswith(".o") else name


def read_symbols(nm: str, obj: str) -> Tuple[Set[str], Set[str]]:
    """(defined global symbols, undefined symbols) of one object."""
    out = subprocess.run([nm, "-P", obj], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        sym, kind = fields[0], fields[1]
        if kind == "U":
            undefined.add(sym)
        elif kind.isupper() or kind in "vw":  # global or weak definition
            defined.add(sym)
    return defined, undefined


def build_graph(nm: str, objs: List[str], strip: str) -> Graph:
    symbols = {source_name(o, strip): read_symbols(nm, o) for o in objs}
    owner = {}  # symbol -> defining file (first one wins for weak pairs)
    for name in sorted(symbols):
        for sym in symbols[name][0]:
            owner.setdefault(sym, name)
    graph: Graph = {name: {} for name in symbols}
    for name, (_, undefined) in symbols.items():
        for sym in undefined:
            dest = owner.get(sym)
            if dest and dest != name:
                graph[name].setdefault(dest, set()).add(sym)
    return graph


def strongly_connected(graph: Graph) -> List[List[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on big graphs)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    on_stack: Set[str] = set()
    stack: List[str] = []
    result: List[List[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                result.append(sorted(component))
    return result


def layer_of(name: str, layers: List[List[str]]) -> int:
    for i, globs in enumerate(layers):
        if any(fnmatch.fnmatch(name, g) for g in globs):
            return i
    return -1


def check_layers(graph: Graph, layers: List[List[str]],
                 exempt: List[str]) -> List[str]:
    problems = []
    for src in sorted(graph):
        ls = layer_of(src, layers)
        for dest, syms in sorted(graph[src].items()):
            if any(fnmatch.fnmatch(dest, g) for g in exempt):
                continue
            ld = layer_of(dest, layers)
            if ls >= 0 and ld > ls:
                problems.append("%s (layer %d) calls up into %s (layer %d): %s"
                                % (src, ls, dest, ld,
                                   " ".join(sorted(syms)[:6])))
    return problems


def check_cycles(sccs: List[List[str]], max_cycle: int) -> List[str]:
    return ["cycle of %d files (at most %d allowed): %s"
            % (len(c), max_cycle, " ".join(c))
            for c in sccs if len(c) > max_cycle]


def check_closed(sccs: List[List[str]], glob: str) -> List[str]:
    problems = []
    for c in sccs:
        inside = [n for n in c if fnmatch.fnmatch(n, glob)]
        if inside and len(inside) != len(c):
            problems.append("cycle crosses out of %s: %s" % (glob, " ".join(c)))
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="See the top of this file for the checks and examples.")
    ap.add_argument("objs", nargs="+", help="object files")
    ap.add_argument("--nm", default="nm", help="nm binary (default: nm)")
    ap.add_argument("--strip", default="",
                    help="prefix dropped from object paths to name sources")
    ap.add_argument("--layer", action="append", default=[],
                    help="comma-separated globs, bottom layer first")
    ap.add_argument("--exempt", action="append", default=[],
                    help="glob of files any layer may reference")
    ap.add_argument("--max-cycle", type=int, default=None)
    ap.add_argument("--closed", action="append", default=[])
    ap.add_argument("--graph", action="store_true",
                    help="print every edge and every cycle")
    ap.add_argument("--ktap", metavar="SUITE", default="objdeps",
                    help="name of the KTAP suite printed (default: objdeps)")
    args = ap.parse_args()

    try:
        graph = build_graph(args.nm, args.objs, args.strip)
    except (OSError, subprocess.CalledProcessError) as e:
        print("objdeps: %s" % e, file=sys.stderr)
        return 2
    sccs = strongly_connected(graph)
    if args.graph:
        for src in sorted(graph):
            for dest, syms in sorted(graph[src].items()):
                print("%s -> %s: %s" % (src, dest, " ".join(sorted(syms))))
        for c in sccs:
            if len(c) > 1:
                print("cycle (%d): %s" % (len(c), " ".join(c)))

    checks: List[Tuple[str, List[str]]] = []
    if args.layer:
        layers = [l.split(",") for l in args.layer]
        checks.append(("layers_call_downward", check_layers(graph, layers,
                                                             args.exempt)))
    if args.max_cycle is not None:
        checks.append(("largest_cycle_at_most_%d" % args.max_cycle,
                       check_cycles(sccs, args.max_cycle)))
    for glob in args.closed:
        name = "no_cycle_leaves_" + glob.replace("/", "_").replace("*", "")
        checks.append((name.rstrip("_"), check_closed(sccs, glob)))
    if not checks:
        return 0

    print("KTAP version 1")
    print("1..1")
    print("    KTAP version 1")
    print("    # Subtest: %s" % args.ktap)
    print("    1..%d" % len(checks))
    failed = 0
    for i, (name, problems) in enumerate(checks, 1):
        for p in problems:
            print("    # %s: %s" % (name, p))
        print("    %s %d %s" % ("not ok" if problems else "ok", i, name))
        failed += bool(problems)
    print("%s 1 %s" % ("not ok" if failed else "ok", args.ktap))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
