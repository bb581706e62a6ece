"""How long `corsguard audit --prove` takes beyond the browser's start.

Audits the lab (on 127.0.0.1) once without a browser, then starts Chromium and proves the
first 20 findings (--prove=all), timing the start and the proofs separately.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_prove.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from dataclasses import replace

from corsguard.audit.model import Target, TargetReport, build_trust, parse_trusted
from corsguard.audit.prober import AuditOptions, audit_targets
from corsguard.audit.prove import Prover, ProveSettings
from corsguard.lab import start_lab

FINDINGS = 20


def first_findings(reports: list[TargetReport], count: int) -> list[TargetReport]:
    kept: list[TargetReport] = []
    left = count
    for report in reports:
        if left <= 0:
            break
        if report.findings:
            kept.append(replace(report, findings=report.findings[:left]))
            left -= len(kept[-1].findings)
    return kept


async def one_round(reports: list[TargetReport]) -> tuple[float, float, int]:
    started = time.perf_counter()
    # The lab is on 127.0.0.1: start the local targets' browser up front (see Prover).
    async with Prover(ProveSettings(prove_all=True, expect_local=True)) as prover:
        ready = time.perf_counter()
        proved = await asyncio.gather(*(prover.prove(r) for r in reports))
        done = time.perf_counter()
    proven = sum(f.proven is True for r in proved for f in r.findings)
    return ready - started, done - ready, proven


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    with start_lab() as lab:
        patterns = parse_trusted([lab.trusted_origin])
        targets = [Target(url, build_trust(url, patterns)) for url in lab.urls]
        reports = first_findings(audit_targets(targets, AuditOptions()), FINDINGS)
        total = sum(len(r.findings) for r in reports)
        starts, proofs = [], []
        for _ in range(rounds):
            start, prove, proven = asyncio.run(one_round(reports))
            starts.append(start)
            proofs.append(prove)
    print(f"{total} findings on {len(reports)} targets, {proven} proven; {os.cpu_count()} CPUs")
    print(f"browser start: median {statistics.median(starts):.2f} s (min {min(starts):.2f})")
    print(f"proving:       median {statistics.median(proofs):.2f} s (min {min(proofs):.2f})")


if __name__ == "__main__":
    main()
