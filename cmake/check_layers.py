#!/usr/bin/env python3
"""Checks every #include "..." of the source tree against cmake/layers.txt.

A file may include a header of its own module, or the public header of a
module its module may include. It fails (exit status 1, one
"file:line: reason" per problem on stderr) when a file includes another
module's private header, includes a module its module does not depend on,
includes a file that is in no module or not in the tree, or sits in a
folder no module owns; and when the table itself is wrong (an unknown
module, a missing public header, a cycle). tests/ is left out: the tests
are white-box and may include the private headers of what they test.

Usage: check_layers.py SOURCE_ROOT [--table FILE] [--edges]
  --edges  prints the module graph the includes use ("a -> b"), and checks
           nothing.
"""

import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SOURCE_SUFFIXES = (".cc", ".h")


class Module:
    def __init__(self, name, folder, public, deps, line):
        self.name = name
        self.folder = folder  # a folder, or one file (daemon/main.cc)
        self.public = public  # paths from the source root
        self.deps = deps
        self.line = line


def read_table(path, root, problems):
    modules = {}
    with open(path, encoding="utf-8") as table:
        for number, text in enumerate(table, 1):
            text = text.split("#", 1)[0].strip()
            if not text:
                continue
            where = f"{path}:{number}"
            fields = [f.strip() for f in text.split("|")]
            if len(fields) != 4 or not fields[0] or not fields[1]:
                problems.append(f"{where}: expected 'module | folder | public headers | may include'")
                continue
            name, folder, public, deps = fields
            if name in modules:
                problems.append(f"{where}: module '{name}' listed twice")
                continue
            if public == "*":  # every header of the folder
                full = os.path.join(root, folder)
                public = sorted(os.path.join(folder, h) for h in os.listdir(full)
                                if h.endswith(".h")) if os.path.isdir(full) else []
            else:
                public = [] if public == "-" else [os.path.join(folder, h) for h in public.split()]
            deps = [] if deps == "-" else deps.split()
            modules[name] = Module(name, folder, public, deps, number)
            if not os.path.exists(os.path.join(root, folder)):
                problems.append(f"{where}: module '{name}': {folder} does not exist")
            for header in public:
                if not os.path.isfile(os.path.join(root, header)):
                    problems.append(f"{where}: module '{name}': public header {header} does not exist")
    for module in modules.values():
        for dep in module.deps:
            if dep not in modules:
                problems.append(f"{path}:{module.line}: module '{module.name}' may include "
                                f"'{dep}', which is no module")
            elif dep == module.name:
                problems.append(f"{path}:{module.line}: module '{module.name}' lists itself")
    cycle = find_cycle(modules)
    if cycle:
        problems.append(f"{path}: the layers have a cycle: {' -> '.join(cycle)}")
    return modules


def find_cycle(modules):
    state = {}  # name -> "open" while on the path, "done" after

    def visit(name, path):
        state[name] = "open"
        for dep in modules[name].deps:
            if dep not in modules:
                continue
            if state.get(dep) == "open":
                return path[path.index(dep):] + [dep] if dep in path else [name, dep]
            if dep not in state:
                found = visit(dep, path + [dep])
                if found:
                    return found
        state[name] = "done"
        return None

    for name in modules:
        if name not in state:
            found = visit(name, [name])
            if found:
                return found
    return None


def owner(path, modules):
    """The module a file (relative to the root) belongs to, or None."""
    for module in modules.values():
        if path == module.folder or os.path.dirname(path) == module.folder:
            return module
    return None


def source_files(root, modules):
    """Every .cc and .h under the top-level folders the table names."""
    tops = sorted({m.folder.split("/")[0] for m in modules.values()} - {"tests"})
    for top in tops:
        start = os.path.join(root, top)
        if os.path.isfile(start):
            yield top
            continue
        for folder, dirs, files in os.walk(start):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.endswith(SOURCE_SUFFIXES):
                    yield os.path.relpath(os.path.join(folder, name), root)


def resolve(root, includer, target):
    """The included file's path from the root, or None when not in the tree."""
    for base in ("", os.path.dirname(includer)):
        candidate = os.path.normpath(os.path.join(base, target))
        if os.path.isfile(os.path.join(root, candidate)):
            return candidate
    return None


def check(root, table):
    problems = []
    modules = read_table(table, root, problems)
    edges = set()
    for path in source_files(root, modules):
        module = owner(path, modules)
        if module is None:
            problems.append(f"{path}: in no module of {os.path.relpath(table, root)}")
            continue
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as source:
            for number, text in enumerate(source, 1):
                match = INCLUDE.match(text)
                if not match:
                    continue
                where = f"{path}:{number}"
                target = match.group(1)
                found = resolve(root, path, target)
                if found is None:
                    problems.append(f'{where}: includes "{target}", which is not in the tree')
                    continue
                other = owner(found, modules)
                if other is module:
                    continue
                if other is None:
                    problems.append(f'{where}: includes "{target}", which is in no module')
                    continue
                edges.add((module.name, other.name))
                if found not in other.public:
                    interface = " ".join(other.public) or "none"
                    problems.append(f'{where}: includes "{target}", a private header of module '
                                    f"'{other.name}' (its interface: {interface})")
                elif other.name not in module.deps:
                    allowed = " ".join(module.deps) or "none"
                    problems.append(f"{where}: module '{module.name}' includes module "
                                    f"'{other.name}' (\"{target}\") but may include only: {allowed}")
    return problems, edges


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root")
    parser.add_argument("--table")
    parser.add_argument("--edges", action="store_true")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    table = os.path.abspath(args.table or os.path.join(root, "cmake", "layers.txt"))
    problems, edges = check(root, table)
    if args.edges:
        for a, b in sorted(edges):
            print(f"{a} -> {b}")
        return 0
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"layers: {len(problems)} problem(s); the allowed includes are in "
              f"{os.path.relpath(table, root)} (docs/architecture.md)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
