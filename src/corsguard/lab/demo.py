"""`corsguard demo [--serve] [--port N]`: start the lab on 127.0.0.1 and audit it.

A showcase: it prints the report and exits 0 whatever it finds. ``--serve`` keeps the
lab running afterwards, for curl or a browser, until Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import threading

from corsguard.audit.model import Target, build_trust, parse_trusted
from corsguard.audit.output import render_table
from corsguard.audit.prober import AuditOptions, audit_targets
from corsguard.cli import UsageError
from corsguard.lab.server import RunningLab, start_lab


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--serve", action="store_true", help="keep the lab running after the audit (Ctrl-C stops)"
    )
    parser.add_argument(
        "--port", default="0", metavar="N", help="port on 127.0.0.1 (default: a free one)"
    )


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise UsageError(f"--port {text!r}: expected a number from 1 to 65535 (0: a free port)")
    return int(text)


def audit_lab(lab: RunningLab) -> str:
    """Audit every endpoint of a running lab; the report as a table."""
    patterns = parse_trusted([lab.trusted_origin])
    targets = [Target(url, build_trust(url, patterns)) for url in lab.urls]
    # With the cache check (on keys of its own, one token per run): the lab's /cached shows it.
    options = AuditOptions(
        concurrency=len(targets), timeout=5, cache_key=secrets.token_hex(6), cache_check=True
    )
    reports = audit_targets(targets, options)
    notes = {lab.url(e.path): e.mistake for e in lab.endpoints}
    colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return render_table(reports, colour=colour, notes=notes)


def _curl_examples(lab: RunningLab) -> str:
    base = lab.base_url
    return "\n".join(
        [
            "Try it:",
            f"  curl -si -H 'Origin: https://evil.attacker.test' {base}/reflect",
            f"  curl -si -H 'Origin: https://app.example.test.attacker.test' {base}/startswith",
            f"  curl -si -H 'Origin: null' {base}/null-allowed",
            f"  curl -si -X OPTIONS -H 'Origin: {lab.trusted_origin}' "
            f"-H 'Access-Control-Request-Method: PUT' {base}/corsguard",
            f"  corsguard audit --origin {lab.trusted_origin} {base}/reflect",
            f"Every endpoint, with its mistake: {base}/",
            "Press Ctrl-C to stop the lab.",
        ]
    )


def run(args: argparse.Namespace) -> int:
    port = _port(str(args.port))
    try:
        lab_context = start_lab(port)
        lab = lab_context.__enter__()
    except OSError as exc:
        raise UsageError(f"cannot start the lab on 127.0.0.1:{port}: {exc}") from None
    try:
        print(
            f"corsguard lab on {lab.base_url}: {len(lab.endpoints)} endpoints, one real-world "
            f"CORS mistake each (trusted front end: {lab.trusted_origin}).\n"
            f"Auditing them: corsguard audit --origin {lab.trusted_origin} {lab.base_url}/...\n",
            flush=True,
        )
        print(audit_lab(lab), flush=True)
        print(
            "The /corsguard endpoint is protected by corsguard.asgi.CORSMiddleware: no finding.",
            flush=True,
        )
        if args.serve:
            try:
                print("\n" + _curl_examples(lab), flush=True)
                threading.Event().wait()
            except KeyboardInterrupt:
                print("\nlab stopped", file=sys.stderr)
        return 0
    finally:
        lab_context.__exit__(None, None, None)
