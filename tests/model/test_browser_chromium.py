"""The browser model against a real Chromium: every generated case must agree.

One server on 127.0.0.1 answers every host (page.example.test, api.attacker.test,
other.attacker.test, mapped by Chromium's --host-resolver-rules) with the per-case
responses of tests/helpers/browser_cases.py and logs what it receives. One page runs all cases
with fetch() in a JavaScript loop. For each case the test compares with the model:
whether fetch() resolved, every request the server saw (preflight or actual, method,
Origin, Access-Control-Request-Method/-Headers, in order), and for some cases the header
names the script could read.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from corsguard import browser
from tests.helpers.browser_cases import (
    Case,
    World,
    build_cases,
    js_case,
    request_log_key,
    serve_world,
)

JS_RUN = """
async (cases) => {
  const out = {};
  const one = async (c) => {
    const timeout = new Promise((_, fail) => setTimeout(() => fail(new Error('timeout')), 15000));
    try {
      const r = await Promise.race([fetch(c.url, {
        method: c.method, headers: c.headers, credentials: c.credentials, mode: c.mode,
      }), timeout]);
      out[c.id] = {resolved: true, type: r.type, status: r.status, headers: [...r.headers.keys()]};
    } catch (e) {
      out[c.id] = {resolved: false, error: String(e)};
    }
  };
  let next = 0;
  const worker = async () => { while (next < cases.length) { await one(cases[next++]); } };
  await Promise.all(Array.from({length: 8}, worker));
  return out;
}
"""


@pytest.fixture(scope="module")
def differential(chromium: Any) -> Iterator[tuple[World, list[Case], dict[int, Any], Any]]:
    cases = build_cases()
    log: dict[int, list[tuple[str, ...]]] = {}
    world = World(port=0, run=secrets.token_hex(4))
    world.cases = {c.id: c for c in cases}
    with serve_world(world, log):
        context = chromium.new_context()
        page = context.new_page()
        page.goto(f"{world.origin}/page")
        results = page.evaluate(JS_RUN, [js_case(world, c) for c in cases])
        context.close()
        yield world, cases, {int(k): v for k, v in results.items()}, log


def model_verdict(world: World, case: Case) -> browser.Verdict:
    return browser.run(world.request(case), world.responder(case))


def expected_log(world: World, verdict: browser.Verdict) -> list[tuple[str, ...]]:
    out = []
    for outgoing in verdict.sent:
        headers = {n.lower(): v for n, v in outgoing.headers}
        out.append(request_log_key(outgoing.method, outgoing.hop, headers))
    return out


def test_at_least_300_cases() -> None:
    assert len(build_cases()) >= 300


def test_model_agrees_with_chromium(differential: Any) -> None:
    world, cases, results, log = differential
    mismatches = []
    for case in cases:
        verdict = model_verdict(world, case)
        got = results[case.id]
        problems = []
        if got["resolved"] != verdict.resolves:
            problems.append(
                f"chromium resolved={got['resolved']} model resolves={verdict.resolves}"
            )
        if case.mode == "cors" and got["resolved"] and not verdict.allowed:
            problems.append("chromium read a cors response the model blocks")
        if got["resolved"]:
            expected_type = "opaque" if verdict.outcome == "opaque" else "cors"
            if got["type"] != expected_type:
                problems.append(f"response type {got['type']} != {expected_type}")
        seen = log.get(case.id, [])
        predicted = expected_log(world, verdict)
        if seen != predicted:
            problems.append(f"server saw {seen} model predicted {predicted}")
        if problems:
            failed = verdict.failed
            mismatches.append(
                f"#{case.id} {case.label}: "
                + "; ".join(problems)
                + f" | chromium: {got.get('error', got.get('type'))}"
                + f" | model: {failed.id + ' ' + failed.reason if failed else verdict.outcome}"
            )
    assert not mismatches, f"{len(mismatches)} disagreements:\n" + "\n".join(mismatches)


def test_readable_headers_agree(differential: Any) -> None:
    world, cases, results, _log = differential
    checked = 0
    mismatches = []
    for case in cases:
        got = results[case.id]
        if case.mode != "cors" or not got["resolved"]:
            continue
        if not case.check_headers and case.id % 5:
            continue
        verdict = model_verdict(world, case)
        checked += 1
        if sorted(got["headers"]) != list(verdict.readable_headers):
            mismatches.append(
                f"#{case.id} {case.label}: {sorted(got['headers'])} != {verdict.readable_headers}"
            )
    assert checked >= 30
    assert not mismatches, "\n".join(mismatches)
