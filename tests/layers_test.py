#!/usr/bin/env python3
"""The build holds the layers (cmake/layers.txt, cmake/check_layers.py).

The source tree as it is passes the check, and docs/architecture.md shows
the table as it is. Then, on copies of the tree, each kind of bad include
is made once and the check must fail naming the file, the line and the
reason: another module's private header, a module the includer may not
include (sideways and upwards), a file that is in no module, a header not
in the tree, a new folder the table does not list, and a cycle in the
table. Last, a copy with a bad include is configured and
`cmake --build --target layers` must fail, and `layers` must be part of
`all`, so a plain build fails too.

  layers_test.py SOURCE_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

PYTHON = sys.executable


def copy_tree(source, into, whole=False):
    """A copy of the tree: all of it to configure, else only what the check reads."""
    tree = os.path.join(into, "src")
    skip = lambda d, names: [n for n in names if n.startswith("build") or
                             n in (".git", ".state", "corpus", "artifacts")]
    if whole:
        shutil.copytree(source, tree, ignore=skip)
        return tree
    with open(os.path.join(source, "cmake", "layers.txt"), encoding="utf-8") as f:
        tops = {line.split("|")[1].strip().split("/")[0] for line in f if re.match(r"[a-z]", line)}
    for top in sorted(tops | {"cmake"}):
        if os.path.isdir(os.path.join(source, top)):
            shutil.copytree(os.path.join(source, top), os.path.join(tree, top), ignore=skip)
    return tree


def check(tree):
    run = subprocess.run([PYTHON, os.path.join(tree, "cmake", "check_layers.py"), tree],
                         capture_output=True, text=True)
    return run.returncode, run.stderr


def add_line(path, line, after_first_include=True):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    at = next(i for i, text in enumerate(lines) if text.startswith("#include")) + 1
    lines.insert(at, line)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return at + 1  # the 1-based line of the added include


def main():
    source = os.path.abspath(sys.argv[1])
    problems = []

    code, err = check(source)
    if code != 0 or err:
        problems.append(f"the tree itself fails the check (status {code}):\n{err}")

    # docs/architecture.md shows the table as it is.
    with open(os.path.join(source, "cmake", "layers.txt"), encoding="utf-8") as f:
        rows = [line.rstrip() for line in f if re.match(r"[a-z]", line)]
    with open(os.path.join(source, "docs", "architecture.md"), encoding="utf-8") as f:
        shown = set(line.rstrip() for line in f)
    for row in rows:
        if row not in shown:
            problems.append(f"docs/architecture.md does not show the layers.txt row: {row}")

    # (file to edit, line to add, pattern the report must match; {line} is
    # where the line went)
    cases = [
        ("daemon/scrape/dom.cc", '#include "daemon/parse/internal.h"',
         r'daemon/scrape/dom\.cc:{line}: includes "daemon/parse/internal\.h", a private header of module '
         r"'parse' \(its interface: daemon/parse/parse\.h\)"),
        ("daemon/parse/xml.cc", '#include "store/store.h"',
         r"daemon/parse/xml\.cc:{line}: module 'parse' includes module 'store' \(\"store/store\.h\"\) "
         r"but may include only: model"),
        ("daemon/ingest/ingest.cc", '#include "daemon/serve/routes.h"',
         r"daemon/ingest/ingest\.cc:{line}: module 'ingest' includes module 'serve'"),
        ("daemon/serve/routes.cc", '#include "daemon/schedule/metrics.h"',
         r"daemon/serve/routes\.cc:{line}: includes \"daemon/schedule/metrics\.h\", a private header of "
         r"module 'schedule' \(its interface: daemon/schedule/poller\.h\)"),
        ("daemon/publish/publish.cc", '#include "tests/support/fixture_server.h"',
         r'daemon/publish/publish\.cc:{line}: includes "tests/support/fixture_server\.h", which is in no module'),
        ("daemon/publish/publish.cc", '#include "tests/nothere.h"',
         r'daemon/publish/publish\.cc:{line}: includes "tests/nothere\.h", which is not in the tree'),
        ("daemon/classify/classify.cc", '#include "daemon/classify/gone.h"',
         r'daemon/classify/classify\.cc:{line}: includes "daemon/classify/gone\.h", which is not in the tree'),
    ]
    with tempfile.TemporaryDirectory(prefix="redwire-layers-") as tmp:
        for n, (path, line, pattern) in enumerate(cases):
            tree = copy_tree(source, os.path.join(tmp, str(n)))
            # tests/ is in no module; the check does not read it otherwise.
            shutil.copytree(os.path.join(source, "tests", "support"), os.path.join(tree, "tests", "support"))
            at = add_line(os.path.join(tree, path), line)
            code, err = check(tree)
            want = pattern.replace("{line}", str(at))
            if code != 1 or not re.search(want, err):
                problems.append(f"{line} in {path}: status {code}, report:\n{err}\nwanted /{want}/")
            shutil.rmtree(tree)

        tree = copy_tree(source, os.path.join(tmp, "folder"))
        os.makedirs(os.path.join(tree, "daemon", "extra"))
        with open(os.path.join(tree, "daemon", "extra", "extra.cc"), "w") as f:
            f.write('#include "daemon/parse/parse.h"\n')
        code, err = check(tree)
        if code != 1 or "daemon/extra/extra.cc: in no module of cmake/layers.txt" not in err:
            problems.append(f"an unlisted folder: status {code}, report:\n{err}")
        shutil.rmtree(tree)

        tree = copy_tree(source, os.path.join(tmp, "cycle"))
        table = os.path.join(tree, "cmake", "layers.txt")
        with open(table, encoding="utf-8") as f:
            text = f.read()
        text, count = re.subn(r"^(parse +\|[^\n]*\| *model)$", r"\1 scrape", text, flags=re.M)
        with open(table, "w", encoding="utf-8") as f:
            f.write(text)
        code, err = check(tree)
        if count != 1 or code != 1 or not re.search(r"the layers have a cycle: (parse -> scrape -> parse|"
                                                    r"scrape -> parse -> scrape)", err):
            problems.append(f"a cycle parse <-> scrape ({count} edit): status {code}, report:\n{err}")
        shutil.rmtree(tree)

        # The build itself: the layers target fails, and `all` depends on it.
        tree = copy_tree(source, os.path.join(tmp, "build"), whole=True)
        at = add_line(os.path.join(tree, "daemon/scrape/dom.cc"), '#include "daemon/parse/internal.h"')
        build = os.path.join(tmp, "b")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CMAKE_", "CC", "CXX"))}
        configured = subprocess.run(["cmake", "-G", "Ninja", "-S", tree, "-B", build],
                                    env=env, capture_output=True, text=True)
        if configured.returncode != 0:
            problems.append(f"configure failed:\n{configured.stdout}{configured.stderr}")
        else:
            built = subprocess.run(["cmake", "--build", build, "--target", "layers"],
                                   env=env, capture_output=True, text=True)
            if built.returncode == 0 or f"daemon/scrape/dom.cc:{at}: includes" not in built.stdout + built.stderr:
                problems.append(f"cmake --build --target layers with a bad include: status "
                                f"{built.returncode}\n{built.stdout}{built.stderr}")
            query = subprocess.run(["ninja", "-C", build, "-t", "query", "all"],
                                   capture_output=True, text=True)
            if not re.search(r"^\s+layers$", query.stdout, re.M):
                problems.append(f"`all` does not depend on the layers target:\n{query.stdout}{query.stderr}")

    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
