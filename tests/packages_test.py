#!/usr/bin/env python3
"""packages.list is complete and installed.

Fails when a CMake file looks for something (find_package, pkg_check_modules,
pkg_search_module, find_path, find_library, find_program) that no line of
packages.list names, when a test or CI script probes a program with
`command -v NAME` or imports a Python module outside the standard library
that no line names, when a line is malformed, and when a package named
there is not installed (make deps installs them all) or does not provide
what its line says (the program is not on PATH, the module not importable).

  packages_test.py SOURCE_DIR
"""
import os
import re
import subprocess
import sys

KINDS = {"tool", "find_package", "pkg_check_modules", "find_path", "find_library", "find_program",
         "command", "python", "file", "fuzz", "screenshots"}
# Trees that are not the project's own sources: build directories (the
# bare-system check keeps a whole Debian root in build/debootstrap), fuzzer
# corpora and the daemon's state.
SKIP_DIRS = {".git", ".state", "corpus", "artifacts"}
# pkg_check_modules keywords, not module names.
PKG_KEYWORDS = {"REQUIRED", "QUIET", "IMPORTED_TARGET", "GLOBAL", "NO_CMAKE_PATH",
                "NO_CMAKE_ENVIRONMENT_PATH"}
# find_path / find_library / find_program keywords that may precede the name.
FIND_KEYWORDS = {"NAMES", "NAMES_PER_DIR"}


def read_table(path):
    rows, errors = {}, []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            if len(line) != 3 or line[0] not in KINDS:
                errors.append(f"packages.list:{number}: want KIND NAME PACKAGE with KIND one of "
                              f"{', '.join(sorted(KINDS))}, got {' '.join(line)!r}")
                continue
            rows[(line[0], line[1])] = line[2]
    return rows, errors


def project_files(source_dir):
    for top, dirs, files in os.walk(source_dir):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("build")]
        for name in files:
            yield os.path.join(top, name)


def cmake_calls(text):
    """(command, arguments) of every call, comments removed."""
    text = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    for match in re.finditer(r"\b(find_package|pkg_check_modules|pkg_search_module|find_path|find_library|"
                             r"find_program)\s*\(([^)]*)\)", text, re.IGNORECASE):
        yield match.group(1).lower(), match.group(2).split()


def cmake_needs(path, text):
    """(kind, name, where) for each thing a CMake file looks for."""
    for command, args in cmake_calls(text):
        where = f"{path}: {command}({' '.join(args)})"
        if command == "find_package" and args:
            yield "find_package", args[0], where
        elif command in ("pkg_check_modules", "pkg_search_module"):
            for module in args[1:]:
                if module not in PKG_KEYWORDS:
                    yield "pkg_check_modules", re.split(r"[<>=]", module)[0], where
        elif command in ("find_path", "find_library", "find_program"):
            names = [a for a in args[1:] if a not in FIND_KEYWORDS]
            if names:
                yield command, names[0], where


STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
COMMAND_V = re.compile(r"command -v ([A-Za-z0-9_.+-]+)")
IMPORT = re.compile(r"(?:^|\\n|;|\s)(?:import\s+([\w.]+(?:\s*,\s*[\w.]+)*)|from\s+([\w.]+)\s+import\b)")


def script_needs(path, text):
    """(kind, name, where) for programs probed and Python modules imported by a test or CI script."""
    python_text = text
    if path.endswith((".cc", ".h")):
        # In C++ only string literals hold shell commands and Python code.
        python_text = "\n".join(m.group(0)[1:-1] for m in STRING.finditer(text))
        text = python_text
    for m in COMMAND_V.finditer(text):
        yield "command", m.group(1), f"{path}: command -v {m.group(1)}"
    if path.endswith((".py", ".cc", ".h")):
        for m in IMPORT.finditer(python_text):
            modules = m.group(1).split(",") if m.group(1) else [m.group(2)]
            for module in modules:
                top = module.strip().split(".")[0]
                if top and top not in sys.stdlib_module_names:
                    yield "python", top, f"{path}: import {top}"


def main():
    source_dir = os.path.abspath(sys.argv[1])
    rows, problems = read_table(os.path.join(source_dir, "packages.list"))

    needs = []
    for path in project_files(source_dir):
        rel = os.path.relpath(path, source_dir)
        name = os.path.basename(path)
        if name == "CMakeLists.txt" or name.endswith(".cmake"):
            with open(path, encoding="utf-8", errors="replace") as f:
                needs += cmake_needs(rel, f.read())
        elif rel.startswith(("tests" + os.sep, ".ci" + os.sep)) and rel != os.path.join("tests", "packages_test.py"):
            with open(path, encoding="utf-8", errors="replace") as f:
                needs += script_needs(rel, f.read())
    if not any(kind == "find_package" for kind, _, _ in needs):
        problems.append("found no find_package() call at all: the CMake scan is broken")

    for kind, name, where in needs:
        # A program may be named by a tool or find_program line as well.
        kinds = {kind} | ({"tool", "find_program"} if kind == "command" else set())
        if not any((k, name) in rows for k in kinds):
            problems.append(f"{where}: no line '{kind} {name} PACKAGE' in packages.list")

    for (kind, name), package in sorted(rows.items()):
        if package == "-" or kind in ("fuzz", "screenshots"):
            continue  # installed by make fuzz-build and make screenshots only
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
        if status.stdout != "install ok installed":
            problems.append(f"packages.list: {package} ({kind} {name}) is not installed (run make deps)")
            continue
        if kind in ("tool", "command", "find_program"):
            if subprocess.run(["sh", "-c", f"command -v {name}"], capture_output=True).returncode != 0:
                problems.append(f"packages.list: {package} is installed but gives no program {name}")
        elif kind == "file":
            if not os.path.exists(name):
                problems.append(f"packages.list: {package} is installed but gives no file {name}")
        elif kind == "python":
            if subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True).returncode != 0:
                problems.append(f"packages.list: {package} is installed but {sys.executable} cannot import {name}")

    for p in problems:
        print(p)
    print(f"{len(rows)} lines, {len(needs)} needs found in CMake files, tests and CI scripts, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
