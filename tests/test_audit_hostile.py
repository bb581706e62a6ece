"""Hostile targets (issue #16): each raw-socket server below controls every byte it sends.

None of them may erase or truncate the report, reach the terminal with an escape
sequence, a C1 control or a BiDi override, or hide a hole behind a broken body; and every
output format stays valid (strict UTF-8 JSON, the SARIF schema with format checking on).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corsguard.audit.model import (
    Exchange,
    Finding,
    ProbeResponse,
    Target,
    TargetError,
    TargetReport,
    analyse,
    build_trust,
    next_probes,
    url_origin,
)
from corsguard.audit.output import (
    jsonl_line,
    render_json,
    render_sarif,
    render_table,
    sarif_uri,
)
from corsguard.audit.prober import AuditOptions, audit_targets
from corsguard.cli import main
from corsguard.findings import Severity
from corsguard.lab import RunningLab, start_lab
from servers import read_head
from test_audit_faults import Handler, RawServer
from test_audit_output import JSON_SCHEMA, SARIF_SCHEMA, TARGET_SCHEMA, validate

# What a hostile value carries: OSC (retitle, hyperlink), CSI (clear, move up, conceal),
# a C1 CSI (U+009B, as UTF-8), BiDi override and isolate, zero width, line separator.
ESCAPES = (
    b"\x1b]0;owned\x07\x1b]8;;https://evil.test\x07click\x1b]8;;\x07"
    b"\x1b[2J\x1b[1A\x1b[8m\xc2\x9b31m\xe2\x80\xae\xe2\x81\xa6\xe2\x80\x8b\xe2\x80\xa8"
)


def raw_characters(text: str) -> list[str]:
    """Characters a terminal could act on: controls other than newline, format, BiDi..."""
    return sorted({c for c in text if c != "\n" and not c.isprintable() and c != " "})


def strict_loads(text: str) -> Any:
    """json.loads that refuses what strict parsers refuse: lone surrogates, invalid UTF-8."""
    text.encode("utf-8")  # raises on a raw lone surrogate

    def check(value: Any) -> Any:
        if isinstance(value, str):
            value.encode("utf-8")  # raises on "\udc9b" written as an escape
        elif isinstance(value, dict):
            for key, item in value.items():
                check(key)
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)
        return value

    return check(json.loads(text))


def _origin(head: bytes) -> bytes:
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"origin:"):
            return line[7:].strip()
    return b"null"


def answers(template: bytes) -> Handler:
    """Answer every request with ``template``, the request's Origin in place of {ORIGIN}."""

    def handler(conn: socket.socket, state: dict[str, Any]) -> None:
        while head := read_head(conn):
            state["requests"].append(head)
            conn.sendall(template.replace(b"{ORIGIN}", _origin(head)))
            if b"Connection: close" in template:
                return

    return handler


def slow_body(conn: socket.socket, state: dict[str, Any]) -> None:
    """The headers (a credentialed reflection) at once, then one byte of 100, then nothing."""
    while head := read_head(conn):
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: "
            + _origin(head)
            + b"\r\nAccess-Control-Allow-Credentials: true\r\nVary: Origin\r\n"
            b"Content-Length: 100\r\n\r\n{"
        )
        conn.recv(1)  # until the client gives up


@dataclass(frozen=True)
class Shape:
    name: str
    template: bytes
    status: str  # the target's status in the report
    findings: tuple[str, ...]  # finding ids expected
    shown: tuple[str, ...] = ()  # what the table must show, escaped
    note: str | None = None


SHAPES = [
    Shape(
        "non-utf8-header",
        b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: {ORIGIN}\r\n"
        b"Access-Control-Allow-Credentials: true\x9b\xff\r\nVary: Origin\r\n"
        b"Content-Length: 0\r\n\r\n",
        "ok",
        ("origin-reflected",),
        ("true\\x9b\\xff",),
    ),
    Shape(
        "escapes-in-header",
        b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: {ORIGIN}\r\n"
        b"Access-Control-Allow-Credentials: true\r\nVary: " + ESCAPES + b"\r\n"
        b"Content-Length: 0\r\n\r\n",
        "ok",
        ("origin-reflected", "missing-vary-origin"),
        ("\\x1b]0;owned\\x07", "\\x9b31m", "\\u202e", "\\u2066", "\\u200b", "\\u2028"),
    ),
    Shape(
        "escapes-in-location",
        b"HTTP/1.1 302 Found\r\nLocation: https://evil.test/" + ESCAPES + b"\r\n"
        b"Content-Length: 0\r\n\r\n",
        "error",
        (),
        ("redirects (302)", "\\x1b[2J", "\\u202e"),
    ),
    Shape(
        "short-body",
        b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: {ORIGIN}\r\n"
        b"Access-Control-Allow-Credentials: true\r\nVary: Origin\r\nContent-Length: 100\r\n"
        b"Connection: close\r\n\r\n{}",
        "ok",
        ("origin-reflected",),
        note="the body was incomplete",
    ),
]


@pytest.fixture(scope="module")
def lab() -> Iterator[RunningLab]:
    with start_lab() as running:
        yield running


@pytest.fixture(scope="module")
def hostile() -> Iterator[dict[str, RawServer]]:
    started = {shape.name: RawServer(answers(shape.template)) for shape in SHAPES}
    yield started
    for server in started.values():
        server.close()


def _urls(hostile: dict[str, RawServer], lab: RunningLab) -> list[str]:
    return [hostile[shape.name].url(f"/{shape.name}") for shape in SHAPES] + [lab.url("/reflect")]


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "sarif"])
def test_hostile_targets_lose_nothing_and_reach_no_terminal(
    fmt: str, hostile: dict[str, RawServer], lab: RunningLab, tmp_path: Path
) -> None:
    out = tmp_path / f"report.{fmt}"
    urls = _urls(hostile, lab)
    status = main(["audit", "--format", fmt, "-o", str(out), *urls])
    text = out.read_text(encoding="utf-8")  # strict: valid UTF-8
    assert raw_characters(text) == []
    assert status == 1  # the holes count, whatever their headers held
    if fmt == "table":
        for url in urls:
            assert url in text
        for shape in SHAPES:
            for shown in shape.shown:
                assert shown in text, (shape.name, shown)
        # The hostile Vary shape lacks Vary: Origin with no cache on the path: one low finding.
        assert text.rstrip().endswith("1 low")
        return
    if fmt == "jsonl":
        targets = [strict_loads(line) for line in text.splitlines()]
        for target in targets:
            validate(target, TARGET_SCHEMA)
        targets.sort(key=lambda t: urls.index(t["url"]))
    elif fmt == "json":
        document = strict_loads(text)
        validate(document, JSON_SCHEMA)
        targets = document["targets"]
    else:
        document = strict_loads(text)
        validate(document, SARIF_SCHEMA)
        run = document["runs"][0]
        found: dict[str, set[str]] = {}
        for result in run["results"]:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            found.setdefault(uri, set()).add(result["ruleId"])
        for shape, url in zip(SHAPES, urls, strict=False):
            assert found.get(url, set()) == set(shape.findings), shape.name
        return
    assert [t["url"] for t in targets] == urls
    for shape, target in zip(SHAPES, targets, strict=False):
        assert target["status"] == shape.status, (shape.name, target["error"])
        assert {f["id"] for f in target["findings"]} == set(shape.findings), shape.name
        if shape.note:
            assert any(shape.note in note for note in target["notes"]), target
    assert targets[-1]["status"] == "ok" and targets[-1]["findings"]


def test_a_short_body_does_not_hide_a_credentialed_reflection(
    hostile: dict[str, RawServer], tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    main(["audit", "--format", "json", "-o", str(out), hostile["short-body"].url()])
    (target,) = strict_loads(out.read_text())["targets"]
    (finding,) = target["findings"]
    assert (finding["id"], finding["severity"], finding["credentials"]) == (
        "origin-reflected",
        "high",
        True,
    )
    (note,) = target["notes"]
    assert note.startswith(f"{target['requests']} of {target['requests']} responses:")


def test_a_slow_body_does_not_hide_a_hole_nor_hold_the_run(tmp_path: Path) -> None:
    server = RawServer(slow_body)
    try:
        out = tmp_path / "report.json"
        status = main(["audit", "--timeout", "1", "--format", "json", "-o", str(out), server.url()])
    finally:
        server.close()
    (target,) = strict_loads(out.read_text())["targets"]
    assert target["status"] == "ok" and status == 1
    assert [f["id"] for f in target["findings"]] == ["origin-reflected"]
    assert any("did not arrive within 1 s" in note for note in target["notes"])


def test_a_strict_ascii_stdout_still_gets_the_whole_table(
    hostile: dict[str, RawServer], lab: RunningLab
) -> None:
    # A terminal or pipe in another encoding must not make one character end the report.
    urls = _urls(hostile, lab)
    env = {**os.environ, "PYTHONIOENCODING": "ascii:strict", "PYTHONPATH": "src"}
    result = subprocess.run(
        [sys.executable, "-m", "corsguard", "audit", *urls],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    text = result.stdout.decode("ascii")
    assert result.returncode == 1, result.stderr
    for url in urls:
        assert url in text
    assert "Traceback" not in result.stderr.decode()
    assert raw_characters(text) == []
    assert text.rstrip().splitlines()[-1].startswith(f"{len(urls)} targets audited")


INVENTORY = [
    b"# hostile inventory",
    b"http://127.0.0.1:9/\x1b]0;owned\x07\xe2\x80\xae",
    b"not a url \xe2\x80\xae\x1b[2J",
    b"http://127.0.0.1:9/\xff\xfe not text",
    b"ftp://\x1b[31mexample.test/",
]


@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
def test_hostile_inventory_lines_are_escaped_in_every_format(
    fmt: str, lab: RunningLab, tmp_path: Path
) -> None:
    inventory = tmp_path / "targets.txt"
    inventory.write_bytes(b"\n".join([*INVENTORY, lab.url("/reflect").encode()]) + b"\n")
    out = tmp_path / f"report.{fmt}"
    status = main(
        ["audit", "--timeout", "2", "--format", fmt, "-o", str(out), "-i", str(inventory)]
    )
    text = out.read_text(encoding="utf-8")
    assert raw_characters(text) == []
    assert status == 1
    if fmt == "table":
        assert "\\x1b]0;owned\\x07\\u202e" in text and "\\xff\\xfe" in text
        assert lab.url("/reflect") in text
        return
    document = strict_loads(text)
    if fmt == "json":
        validate(document, JSON_SCHEMA)
        targets = document["targets"]
        assert len(targets) == 5 and targets[-1]["findings"]
        assert [t["status"] for t in targets[:4]] == ["error"] * 4
        return
    validate(document, SARIF_SCHEMA)  # uri-reference checked: see test_format_checking_is_real
    notifications = document["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert len(notifications) == 4
    by_text = {n["message"]["text"].split(":")[0]: n for n in notifications}
    # A line that is no http(s) URL at all has no location rather than a fake URI.
    assert "locations" not in by_text["not a url \u202e\x1b[2J"]
    located = [n for n in notifications if "locations" in n]
    assert located and all(
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("http://")
        for n in located
    )


# --- Rendering one broken report ------------------------------------------------------------


def test_a_report_that_cannot_be_rendered_is_an_error_entry_and_the_others_are_whole() -> None:
    good = TargetReport("https://good.example.test/", "ok", requests=7)
    probe = next_probes(Target("https://x.test/", build_trust("https://x.test/")), [])[0]
    broken_finding = Finding(
        "origin-reflected",
        cast(Severity, "critical"),  # not a Severity: every renderer fails on it
        "https://evil.test",
        True,
        probe,
        ProbeResponse(200, ()),
        "explanation",
    )
    broken = TargetReport("https://broken.example.test/", "ok", None, (broken_finding,), 1)
    after = TargetReport("https://after.example.test/", "error", "timed out")
    reports = [good, broken, after]

    table = render_table(reports)
    assert "https://broken.example.test/" in table and "could not render" in table
    assert "https://after.example.test/" in table and "timed out" in table
    assert table.splitlines()[-1].startswith("3 targets audited (2 with errors)")
    assert "no finding" in table  # the good one, whole

    targets = strict_loads(render_json(reports))["targets"]
    assert [t["url"] for t in targets] == [r.url for r in reports]
    assert targets[1]["status"] == "error" and "could not render" in targets[1]["error"]
    assert targets[2]["error"] == "timed out"
    validate({"version": 1, "targets": targets}, JSON_SCHEMA)
    assert "could not render" in jsonl_line(broken)

    sarif = strict_loads(render_sarif(reports))
    validate(sarif, SARIF_SCHEMA)
    texts = [
        n["message"]["text"]
        for n in sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    ]
    assert any("broken.example.test" in t and "could not render" in t for t in texts)
    assert any("after.example.test" in t for t in texts)


# --- Property: no output format passes hostile input through ------------------------------

HOSTILE_CHARACTERS = st.sampled_from(
    [
        "\x1b",
        "\x07",
        "\x00",
        "\x7f",
        "\x85",
        "\x9b",
        "\u202e",
        "\u2066",
        "\u200b",
        "\u2028",
        "\ufeff",
        "\udc9b",  # an undecodable byte, as surrogateescape decoding leaves it
        "\ud800",
        "\U000e0001",
        "]0;",
        "[2J",
        "%",
        "%zz",
        "\\",
        '"',
        "é",
        " ",
        "/",
    ]
)
HOSTILE_TEXT = st.lists(st.one_of(HOSTILE_CHARACTERS, st.characters(codec=None)), max_size=16).map(
    "".join
)
FORMAT_CHECKER = jsonschema.Draft7Validator.FORMAT_CHECKER


def _hostile_reports(path: str, value: str, error: str, note: str) -> list[TargetReport]:
    url = "https://api.example.test/" + path
    try:
        url_origin(url)
    except TargetError:
        url = "https://api.example.test/fallback"
    target = Target(url, build_trust(url), (("Cookie", value),))
    exchanges: list[Exchange] = []
    while wave := next_probes(target, exchanges):
        exchanges += [
            Exchange(
                probe,
                ProbeResponse.keep_cors(
                    200,
                    [
                        ("Access-Control-Allow-Origin", probe.origin),
                        ("Access-Control-Allow-Credentials", value),
                        ("Vary", value),
                        ("Location", value),
                        ("Access-Control-Allow-Methods", value),
                    ],
                ),
                note=note or None,
            )
            for probe in wave
        ]
    report = analyse(target, exchanges, [note] if note else [])
    # --prove adds what Chromium's page read and logged: the target shapes it too.
    proof = {
        "page_origin": value,
        "status": 200,
        "body": value,
        "console": f"blocked by CORS policy: {value}",
        "request": {"credentials": value},
        "headers": {value: value},
        "notes": [note],
    }
    proved = [
        replace(f, proven=i % 2 == 0, browser=f"Chromium {error}", proof=proof)
        for i, f in enumerate(report.findings)
    ]
    return [
        report,
        replace(report, findings=tuple(proved)),
        TargetReport(path, "error", error),  # an inventory line
        TargetReport(url, "error", error, notes=(note,) if note else ()),
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=HOSTILE_TEXT, value=HOSTILE_TEXT, error=HOSTILE_TEXT, note=HOSTILE_TEXT)
def test_no_format_emits_a_raw_control_and_all_parse_strictly(
    path: str, value: str, error: str, note: str
) -> None:
    reports = _hostile_reports(path, value, error, note)
    assert reports[0].findings  # the reflection is found whatever the other headers hold
    for colour in (False, True):
        table = render_table(reports, colour=colour)
        if colour:  # only the severity colours added by the renderer are raw escapes
            for code in ("\x1b[1;31m", "\x1b[33m", "\x1b[36m", "\x1b[35m", "\x1b[32m"):
                table = table.replace(code, "")
            for code in ("\x1b[2m", "\x1b[1m", "\x1b[0m"):
                table = table.replace(code, "")
        assert raw_characters(table) == []
        table.encode("utf-8")
    documents = {
        "json": render_json(reports),
        "sarif": render_sarif(reports),
        "jsonl": "".join(jsonl_line(r) for r in reports),
    }
    for name, text in documents.items():
        assert raw_characters(text) == [], name
        assert text.isascii(), name
    validate(strict_loads(documents["json"]), JSON_SCHEMA)
    validate(strict_loads(documents["sarif"]), SARIF_SCHEMA)
    for line in documents["jsonl"].splitlines():
        validate(strict_loads(line), TARGET_SCHEMA)
    uri = sarif_uri(reports[0].url)
    assert uri is not None and FORMAT_CHECKER.conforms(uri, "uri-reference"), uri


# --- A target that answers only some probes runs out of its time budget ---------------------


class ShortBudget(AuditOptions):
    @property
    def target_timeout(self) -> float:
        return 1.0  # the real floor is 5 s; the behaviour is the same, the test is faster


def grants_own_origin_only(conn: socket.socket, state: dict[str, Any]) -> None:
    """Answers the target's own origin at once; never answers any other probe."""
    while head := read_head(conn):
        if _origin(head) != f"http://127.0.0.1:{state['port']}".encode():
            conn.recv(1)  # until the client gives up
            return
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: " + _origin(head) + b"\r\n"
            b"Vary: Origin\r\nContent-Length: 0\r\n\r\n"
        )


def test_a_check_set_cut_short_is_judged_from_what_arrived_with_a_note() -> None:
    server = RawServer(grants_own_origin_only)
    server.state["port"] = server.port
    try:
        target = Target(server.url(), build_trust(server.url()))
        (report,) = audit_targets([target], ShortBudget(timeout=0.3))
    finally:
        server.close()
    assert report.status == "ok" and report.findings == ()
    assert any("did not finish within 1 s" in note for note in report.notes), report.notes
    # ... and the table, json and sarif say so.
    assert "did not finish" in render_table([report])
    assert strict_loads(jsonl_line(report))["notes"] == list(report.notes)
    notifications = strict_loads(render_sarif([report]))["runs"][0]["invocations"][0][
        "toolExecutionNotifications"
    ]
    assert [n["level"] for n in notifications] == ["note"] * len(report.notes)
