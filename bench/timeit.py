#!/usr/bin/env python3
"""Times a whole command (process start to exit) over several runs.

  bench/timeit.py [--runs N] [--setup CMD] -- COMMAND ARGS...

Prints one line: min, median and max wall seconds, and the command. --setup
runs (through the shell, untimed) before each run, e.g. to delete a store.
"""
import argparse
import statistics
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--setup")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    times = []
    for _ in range(args.runs):
        if args.setup:
            subprocess.run(args.setup, shell=True, check=True)
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    print(f"{min(times):7.3f} s min  {statistics.median(times):7.3f} s median  {max(times):7.3f} s max  ({args.runs} runs)  {' '.join(command)}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
