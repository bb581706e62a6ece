"""Benchmark `corsguard lint` on a large real code base (one process, one core).

Default target: the Django and Starlette packages installed in this environment (the same
source as their PyPI distributions), i.e. offline. Any directories can be given instead, for
example sources unpacked from `pip download --no-deps --no-binary :all: django starlette`.
`--site-packages` lints this environment's whole site-packages (about 4,000 Python files),
the size the target below is stated for.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_lint.py [PATH...] [--site-packages]
        [--repeat N] [--profile N] [--compare-prefilter]

Prints files, findings, wall and CPU time (the CPU time of this process is the figure to read
on a loaded machine), peak memory (max RSS of the process, and
the Python heap peak measured in a separate tracemalloc pass), and the best run scaled to
4,000 files against the target: under 5 s for 4,000 files on one core.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import sys
import sysconfig
import time
import tracemalloc
from pathlib import Path

from corsguard.lint.cli import lint_paths

TARGET_FILES = 4000
TARGET_SECONDS = 5.0


def default_paths() -> list[str]:
    paths = []
    for name in ("django", "starlette"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            sys.exit(f"bench_lint: {name} is not installed; pass directories to lint instead")
        paths.append(next(iter(spec.submodule_search_locations)))
    return paths


def lint_all(paths: list[str]) -> tuple[int, int]:
    """One run as the CLI does it: the project-wide symbol table included (issue #13)."""
    results, files = lint_paths(paths, [])
    return files, sum(len(r.findings) for r in results)


def profile(paths: list[str], top: int) -> None:
    """Where one run's time goes (cProfile inflates Python-level calls, not the parsers)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    files, findings = lint_all(paths)
    profiler.disable()
    print(f"files: {files}, findings: {findings}")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def compare_prefilter(paths: list[str]) -> int:
    """The keyword filter (corsguard.lint.prefilter) must lose no finding: 0 when none is."""
    filtered, files = lint_paths(paths, [])
    start = time.process_time()
    everything, _ = lint_paths(paths, [], prefilter=False)
    full_cpu = time.process_time() - start
    lost = [
        full.path
        for fast, full in zip(filtered, everything, strict=True)
        if (fast.findings, fast.silenced) != (full.findings, full.silenced)
    ]
    quiet = [
        full
        for fast, full in zip(filtered, everything, strict=True)
        if fast != full and full.path not in lost
    ]
    print(f"files: {files}; without the filter: {full_cpu:.2f} s cpu")
    print(f"findings: {sum(len(r.findings) for r in everything)} without the filter, "
          f"{sum(len(r.findings) for r in filtered)} with it")  # fmt: skip
    print(f"files whose findings differ: {len(lost)}; whose notes only: {len(quiet)}")
    for full in quiet:  # a file left out: its notes (values not evaluated, parse errors) go
        said = [full.note] if full.note else [f"line {n.line}: {n.message}" for n in full.notes]
        print(f"notes only: {full.path}: {'; '.join(said)[:160]}")
    for path in lost:
        print(f"LOST: {path}")
    return 1 if lost else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument(
        "--site-packages", action="store_true", help="lint this environment's site-packages"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="instead of timing, run once under cProfile and print the N costliest functions",
    )
    parser.add_argument(
        "--compare-prefilter",
        action="store_true",
        help="instead of timing, lint once with and once without the keyword filter and "
        "list every file whose findings differ (there must be none)",
    )
    args = parser.parse_args()
    if args.site_packages:
        paths = [*args.paths, sysconfig.get_paths()["purelib"]]
    else:
        paths = args.paths or default_paths()
    if args.profile:
        profile(paths, args.profile)
        return
    if args.compare_prefilter:
        sys.exit(compare_prefilter(paths))
    times = []
    cpu_times = []
    files = findings = 0
    for _ in range(args.repeat):
        start = time.perf_counter()
        cpu_start = time.process_time()
        files, findings = lint_all(paths)
        cpu_times.append(time.process_time() - cpu_start)
        times.append(time.perf_counter() - start)
    best = min(times)
    best_cpu = min(cpu_times)
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    lint_all(paths)
    _current, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"paths: {' '.join(str(Path(p)) for p in paths)}")
    print(f"files: {files}, findings: {findings}")
    print(f"time: best {best:.2f} s of {args.repeat} (all: {', '.join(f'{t:.2f}' for t in times)})")
    cpus = ", ".join(f"{t:.2f}" for t in cpu_times)
    print(f"cpu time: best {best_cpu:.2f} s of {args.repeat} (all: {cpus})")
    print(f"throughput: {files / best:,.0f} files/s wall, {files / best_cpu:,.0f} files/s cpu")
    heap_mib = heap_peak / 2**20
    print(f"peak memory: max RSS {rss_kib / 1024:.0f} MiB; Python heap peak {heap_mib:.1f} MiB")
    if files:
        scaled = best * TARGET_FILES / files
        scaled_cpu = best_cpu * TARGET_FILES / files
        verdict = "met" if scaled < TARGET_SECONDS else "MISSED"
        note = "" if files >= TARGET_FILES * 0.9 else " (fewer files than the target's size)"
        print(
            f"target: {TARGET_FILES:,} files in under {TARGET_SECONDS:.0f} s: "
            f"{scaled:.2f} s at this rate ({scaled_cpu:.2f} s cpu), {verdict}{note}"
        )


if __name__ == "__main__":
    main()
