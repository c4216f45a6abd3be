#!/usr/bin/env python3
"""The Makefile never leaves a half-made build directory.

On a copy of the source tree (without build directories), `make configure`
is made to fail (CXX names no compiler) and then run again: the second run
must configure. Then a configure is interrupted once CMake has written its
cache but not its build files, as ^C would, and the next `make configure`
must finish it. Before the fix, both left a directory that stopped every
later make with "ninja: error: loading 'build.ninja'".

  makefile_test.py SOURCE_DIR
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def main():
    source = os.path.abspath(sys.argv[1])
    problems = []
    with tempfile.TemporaryDirectory(prefix="redwire-make-") as tmp:
        tree = os.path.join(tmp, "src")
        shutil.copytree(source, tree, ignore=lambda d, names: [
            n for n in names if n.startswith("build") or n in (".git", ".state", "corpus", "artifacts")])
        build = os.path.join(tmp, "b")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CMAKE_", "CC", "CXX"))}

        def configure(extra_env=None):
            return subprocess.run(["make", "-s", "-C", tree, "configure", f"BUILD={build}"],
                                  env=dict(env, **(extra_env or {})), capture_output=True, text=True)

        failed = configure({"CXX": "/nonexistent/c++"})
        if failed.returncode == 0:
            problems.append("make configure with CXX=/nonexistent/c++ succeeded")
        if os.path.exists(os.path.join(build, ".configured")):
            problems.append("a failed configure left the directory marked configured")
        again = configure()
        if again.returncode != 0:
            problems.append(f"make configure after a failed one: {again.stdout}{again.stderr}")
        for name in (".configured", "build.ninja"):
            if not os.path.exists(os.path.join(build, name)):
                problems.append(f"after the second make configure there is no {name}")

        # Interrupted: killed once the cache exists and before build.ninja does.
        shutil.rmtree(build)
        child = subprocess.Popen(["make", "-s", "-C", tree, "configure", f"BUILD={build}"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while not os.path.exists(os.path.join(build, "CMakeCache.txt")) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(child.pid, signal.SIGINT)
        child.wait()
        if os.path.exists(os.path.join(build, "build.ninja")):
            print("note: the configure finished before the interrupt; the retry below is then trivial")
        if os.path.exists(os.path.join(build, ".configured")) and not os.path.exists(os.path.join(build, "build.ninja")):
            problems.append("an interrupted configure left the directory marked configured")
        resumed = configure()
        if resumed.returncode != 0 or not os.path.exists(os.path.join(build, "build.ninja")):
            problems.append(f"make configure after an interrupted one: {resumed.stdout}{resumed.stderr}")

    for p in problems:
        print(p)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
