#!/usr/bin/env python
"""Run one command and report its wall time, CPU time and peak memory as one JSON line.

    python tests/bench/measure.py --log LOG -- CMD ARGS...

Run it as a fresh process for every measurement: then its RUSAGE_CHILDREN covers exactly CMD's process
tree. Two memory figures come back:

- ``max_rss_kib``: getrusage(RUSAGE_CHILDREN).ru_maxrss, the peak resident set of the largest single
  process in the tree (every process the tree waited for; ansible-playbook reaps its workers and module
  processes, so all of them count).
- ``tree_rss_kib``: the largest sum of VmRSS over all live processes of the tree, sampled every
  SAMPLE_INTERVAL seconds from /proc. Forked workers share pages with their parent, so this sum counts
  shared pages more than once; it is an upper bound of what the tree really held, and a short-lived
  peak between two samples can be missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time

SAMPLE_INTERVAL = 0.05


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                found.extend(int(child) for child in fh.read().split())
        except OSError:
            continue
    return found


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(root: int) -> int:
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_kib(pid)
        todo.extend(_children(pid))
    return total


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.samples = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, tree_rss_kib(self.pid))
            self.samples += 1
            self.stop.wait(SAMPLE_INTERVAL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--log", required=True, help="file for the command's stdout and stderr")
    parser.add_argument("--cwd")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    with open(args.log, "wb") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=args.cwd)
        sampler = Sampler(proc.pid)
        sampler.start()
        returncode = proc.wait()
        wall = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "returncode": returncode,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "max_rss_kib": usage.ru_maxrss,
        "tree_rss_kib": sampler.peak,
        "rss_samples": sampler.samples,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
