#!/usr/bin/python3
"""Times Debian's python3-feedparser on the corpus parse_bench wrote.

usage: parse_feedparser.py DIR   (DIR holds big.rss and small/*.rss)
Prints "big WALL CPU ITEMS" and "small WALL CPU FEEDS" (seconds of wall
clock and of process CPU time, each the best of 3 runs).
Run with /usr/bin/python3: the Debian package installs into its path.
"""
import glob
import os
import sys
import time

import feedparser


def best_of(runs, fn):
    best_wall = best_cpu = None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        best_wall = wall if best_wall is None else min(best_wall, wall)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    return best_wall, best_cpu, result


def main():
    directory = sys.argv[1]
    with open(os.path.join(directory, 'big.rss'), 'rb') as f:
        big = f.read()
    small = []
    for path in sorted(glob.glob(os.path.join(directory, 'small', '*.rss'))):
        with open(path, 'rb') as f:
            small.append(f.read())
    wall, cpu, items = best_of(3, lambda: len(feedparser.parse(big).entries))
    print(f'big {wall:.6f} {cpu:.6f} {items}')
    wall, cpu, feeds = best_of(3, lambda: sum(1 for body in small if feedparser.parse(body).entries))
    print(f'small {wall:.6f} {cpu:.6f} {feeds}')


if __name__ == '__main__':
    main()
