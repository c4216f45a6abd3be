#!/usr/bin/env python3
"""The .deb is clean: lintian reports no error and no warning, and what it
installs is complete.

Builds the package with cpack from BUILD_DIR, runs lintian on it (any error
or warning fails; kept warnings would need an override shipped in the
package, see docs/operators-guide.md, "The Debian package"), then unpacks
it and checks: the copyright file and changelog.gz are there, the man page
is gzip -9n of exactly what `redwire --man` prints, the units' ExecReload
needs no program outside Essential packages, and every relative link in the
installed Markdown documents names an installed file.

  package_test.py BUILD_DIR
"""
import glob
import gzip
import os
import re
import subprocess
import sys
import tempfile

LINK = re.compile(r"\]\(([^)\s]+)\)")


def main():
    build = os.path.abspath(sys.argv[1])
    problems = []
    with tempfile.TemporaryDirectory(prefix="redwire-package-") as tmp:
        out = os.path.join(tmp, "out")
        cpack = subprocess.run(["cpack", "-G", "DEB", "--config", os.path.join(build, "CPackConfig.cmake"),
                                "-B", out], capture_output=True, text=True)
        if cpack.returncode != 0:
            print(cpack.stdout + cpack.stderr)
            print("cpack failed")
            return 1
        debs = glob.glob(os.path.join(out, "*.deb"))
        if len(debs) != 1:
            print(f"cpack made {len(debs)} packages, want 1")
            return 1
        deb = debs[0]

        # --fail-on error,warning: info and pedantic tags are shown, not fatal.
        lintian = subprocess.run(["lintian", "--fail-on", "error,warning", "--display-info", deb],
                                 capture_output=True, text=True)
        tags = [line for line in lintian.stdout.splitlines() if re.match(r"^[EWIP]: ", line)]
        print("lintian:", *(tags or ["no tags"]), sep="\n  ")
        if lintian.returncode != 0:
            problems.append(f"lintian exited {lintian.returncode}: {lintian.stderr.strip()}")
        problems += [f"lintian: {t}" for t in tags if t[0] in "EW"]

        root = os.path.join(tmp, "root")
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
        doc = os.path.join(root, "usr/share/doc/redwire")
        for name in ("copyright", "changelog.gz", "README.md", "docs/operators-guide.md"):
            if not os.path.isfile(os.path.join(doc, name)):
                problems.append(f"/usr/share/doc/redwire/{name} is not installed")

        # The shipped config trains the learned signal from the corpus beside it.
        corpus = "etc/redwire/topics/labelled.jsonl"
        if not os.path.isfile(os.path.join(root, corpus)):
            problems.append(f"/{corpus} (the shipped topic_training) is not installed")
        conffiles = subprocess.run(["dpkg-deb", "-I", deb, "conffiles"], capture_output=True, text=True).stdout
        if f"/{corpus}" not in conffiles.split():
            problems.append(f"/{corpus} is not a conffile")

        man = os.path.join(root, "usr/share/man/man1/redwire.1.gz")
        generated = subprocess.run([os.path.join(build, "redwire"), "--man"], capture_output=True, check=True).stdout
        with open(man, "rb") as f:
            raw = f.read()
        if gzip.decompress(raw) != generated:
            problems.append("the installed redwire.1.gz is not what redwire --man prints")
        if raw[4:8] != b"\0\0\0\0" or raw[3] & 0x08:
            problems.append("redwire.1.gz carries a timestamp or file name (want gzip -n)")

        for unit in ("redwire.service", "redwire.socket"):
            with open(os.path.join(root, "usr/lib/systemd/system", unit), encoding="utf-8") as f:
                text = f.read()
            for line in text.splitlines():
                if line.startswith("ExecReload="):
                    program = line.split("=", 1)[1].split()[0]
                    if program != "/bin/sh":
                        problems.append(f"{unit}: ExecReload runs {program}, not the shell (procps may be absent)")

        markdown = glob.glob(os.path.join(doc, "**", "*.md"), recursive=True)
        if len(markdown) < 5:
            problems.append(f"only {len(markdown)} Markdown documents installed")
        for path in markdown:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for target in LINK.findall(text):
                if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                    continue  # a URL, or an anchor in the same page
                file = target.split("#", 1)[0]
                if not os.path.exists(os.path.normpath(os.path.join(os.path.dirname(path), file))):
                    problems.append(f"{os.path.relpath(path, root)} links {target}, which is not installed")

    for p in problems:
        print(p)
    print(f"{os.path.basename(deb)}: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
