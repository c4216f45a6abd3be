#!/usr/bin/python3
"""Times Debian's python3-feedparser on the corpus parse_bench wrote.

usage: parse_feedparser.py DIR   (DIR holds big.rss and small/*.rss)
Prints "big SECONDS ITEMS" and "small SECONDS FEEDS", best of 3 runs.
Run with /usr/bin/python3: the Debian package installs into its path.
"""
import glob
import os
import sys
import time

import feedparser


def best_of(runs, fn):
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def main():
    directory = sys.argv[1]
    with open(os.path.join(directory, 'big.rss'), 'rb') as f:
        big = f.read()
    small = []
    for path in sorted(glob.glob(os.path.join(directory, 'small', '*.rss'))):
        with open(path, 'rb') as f:
            small.append(f.read())
    seconds, items = best_of(3, lambda: len(feedparser.parse(big).entries))
    print(f'big {seconds:.6f} {items}')
    seconds, feeds = best_of(3, lambda: sum(1 for body in small if feedparser.parse(body).entries))
    print(f'small {seconds:.6f} {feeds}')


if __name__ == '__main__':
    main()
