"""What picking a route costs engine.decide, by the shape of the path (issue #10).

A policy with two routes and an exempt path; one trusted GET per path. Clean paths take
the fast path (a few substring checks and the prefix lookups); paths with dot segments,
encoded slashes, ';', '\\' or '//' are read every way a stack may read them. Run:

    PYTHONPATH=src .venv/bin/python benchmarks/bench_paths.py

Prints a markdown table; docs/performance.md records the latest one.
"""

from __future__ import annotations

import timeit

from corsguard import Policy
from corsguard.engine import decide

APP = "https://app.example.com"
POLICY = Policy(
    allow_origins=[APP],
    allow_credentials=True,
    write_protection_exempt_paths=["/webhooks"],
    routes={"/public": Policy(allow_origins=["*"]), "/admin": Policy(allow_origins=[APP])},
)
PLAIN = Policy(allow_origins=[APP], allow_credentials=True)
HEADERS = [(b"host", b"api.example.com"), (b"origin", APP.encode()), (b"accept", b"*/*")]
CASES: list[tuple[str, Policy, str, str | None]] = [
    ("no routes, /api/v1/users/42", PLAIN, "/api/v1/users/42", None),
    ("clean, /api/v1/users/42", POLICY, "/api/v1/users/42", None),
    ("clean, /public/x", POLICY, "/public/x", None),
    ("clean, /static/app.js", POLICY, "/static/app.js", None),
    ("dot segment, /api/./x", POLICY, "/api/./x", None),
    ("encoded slash, /files/x%2F..%2F..%2Fwebhooks", POLICY, "/files/x/../../webhooks",
     "/files/x%2F..%2F..%2Fwebhooks"),
]  # fmt: skip


def main() -> None:
    print("| path | ns per decide (best of 5) |")
    print("|---|---|")
    for name, policy, path, raw in CASES:
        number = 100_000
        # Without a raw path, the call an older corsguard also takes (for comparisons).
        extra = {} if raw is None else {"raw_path": raw}
        best = min(
            timeit.repeat(
                lambda p=policy, q=path, e=extra: decide(p, "GET", q, HEADERS, **e),  # type: ignore[misc]
                number=number,
                repeat=5,
            )
        )
        print(f"| {name} | {best / number * 1e9:.0f} |")


if __name__ == "__main__":
    main()
