#!/usr/bin/env python3
"""redwire(1) documents every command and option the program accepts.

Takes the commands from `redwire --help` and every --option named in
`redwire --help` and in each `redwire help COMMAND`, and checks that
`redwire --man` has a subsection for each command, names each option, lists
under each command only options the command accepts (an option the program
refuses is reported), renders with `man --warnings` without a warning, and
that the build's redwire.1 and redwire.1.gz are that same page.

  manpage_test.py REDWIRE_BINARY BUILD_DIR
"""
import gzip
import os
import re
import subprocess
import sys

OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def run(*args):
    return subprocess.run(args, capture_output=True, text=True)


def main():
    binary, build = sys.argv[1], sys.argv[2]
    problems = []
    usage = run(binary, "--help").stdout
    commands = re.findall(r"^  ([a-z]+) +\S", usage.split("commands:", 1)[1].split("\n\n", 1)[0], re.M)
    if len(commands) < 5:
        problems.append(f"redwire --help lists only {commands}")
    page = run(binary, "--man").stdout
    plain = page.replace("\\-", "-")

    for option in set(OPTION.findall(usage)):
        if option not in plain:
            problems.append(f"redwire --help names {option}; the man page does not")
    for command in commands:
        section = re.search(r"^\.SS " + command + r"\n(.*?)(?=^\.SS |^\.SH )", plain, re.M | re.S)
        if not section:
            problems.append(f"no .SS {command} in the man page")
            continue
        help_text = run(binary, "help", command).stdout
        for option in set(OPTION.findall(help_text)):
            if option not in section.group(1):
                problems.append(f"redwire help {command} names {option}; its man page section does not")
        listed = re.search(r"^Options:(.*)$", section.group(1), re.M)
        if not listed:
            problems.append(f"the man page lists no options for {command}")
            continue
        for option in OPTION.findall(listed.group(1)):
            # An option the command does not know is a usage error naming it.
            probe = run(binary, command, option, "x", "--help")  # --help: parsed, never run
            if "unknown option" in probe.stderr:
                problems.append(f"the man page lists {option} for {command}, which refuses it: {probe.stderr.strip()}")

    rendered = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", "-"], input=page.encode(),
                              capture_output=True, env=dict(os.environ, MANWIDTH="80"))
    if rendered.returncode != 0 or rendered.stderr:
        problems.append(f"man --warnings: exit {rendered.returncode}: {rendered.stderr.decode(errors='replace')}")

    with open(os.path.join(build, "redwire.1"), encoding="utf-8") as f:
        if f.read() != page:
            problems.append("build/redwire.1 is not what redwire --man prints (the build did not regenerate it)")
    with gzip.open(os.path.join(build, "redwire.1.gz"), "rt", encoding="utf-8") as f:
        if f.read() != page:
            problems.append("build/redwire.1.gz is not what redwire --man prints")

    for p in problems:
        print(p)
    print(f"{len(commands)} commands: {', '.join(commands)}; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
