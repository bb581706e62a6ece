"""corsguard learn: logs written by the real engine and by a real nginx, and hostile lines."""

from __future__ import annotations

import http.client
import io
import json
import logging
import shutil
import subprocess
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corsguard import Policy, decide, learn, refusal_log
from corsguard.cli import main
from servers import free_port

APP = "https://app.example.com"
NEW = "https://new-frontend.example.com"

# (origin, method, extra headers, cookie): what browsers of the app's users send.
TRAFFIC: list[tuple[str, str, dict[str, str], bool]] = [
    (NEW, "GET", {}, True),
    (NEW, "OPTIONS", {"access-control-request-method": "DELETE"}, False),
    (
        NEW,
        "OPTIONS",
        {"access-control-request-method": "PUT", "access-control-request-headers": "x-csrftoken"},
        False,
    ),
    ("https://admin.example.org", "GET", {}, False),
    ("null", "GET", {}, False),
    ("http://localhost:3000", "GET", {}, False),
    ("http://shop.example.com", "GET", {}, False),
    ("https://preview-1.vercel.app", "GET", {}, False),
    ("https://corsguard-probe.attacker.test", "GET", {}, False),
    ("https://new-frontend.example.com.evil.net", "GET", {}, False),
    ("https://evilnew-frontend.example.com", "GET", {}, False),
    ("HTTPS://UPPER.example.com", "GET", {}, False),
    ("https://app.example.com/path", "GET", {}, False),
]
# origin -> finding id (or None: named with a reason but no finding); absent: proposed.
NOT_TRUSTED: dict[str, str | None] = {
    "null": "null-origin-trusted",
    "http://localhost:3000": "localhost-trusted",
    "http://shop.example.com": "insecure-origin-trusted",
    "https://preview-1.vercel.app": "third-party-origin-trusted",
    "https://corsguard-probe.attacker.test": None,
    "https://new-frontend.example.com.evil.net": "prefix-match",
    "https://evilnew-frontend.example.com": "suffix-match",
    "HTTPS://UPPER.example.com": None,
    "https://app.example.com/path": None,
}


@pytest.fixture(autouse=True)
def _room_for_every_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # TRAFFIC has more unlisted origins than the default per-class budget logs a minute.
    monkeypatch.setattr(refusal_log.limiter, "per_class", 100)
    monkeypatch.setattr(refusal_log.limiter, "per_window", 100)


def _engine_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Path:
    """The WARNING lines the engine writes for TRAFFIC under a policy listing only APP."""
    caplog.set_level(logging.WARNING, logger="corsguard")
    policy = Policy(allow_origins=[APP])
    for origin, method, extra, cookie in TRAFFIC:
        headers = [(b"host", b"api.example.com"), (b"origin", origin.encode())]
        headers += [(k.encode(), v.encode()) for k, v in extra.items()]
        if cookie:
            headers.append((b"cookie", b"session=1"))
        decide(policy, method, "/api/items", headers)
    path = tmp_path / "app.log"
    # A typical formatter prefix in front of each message.
    path.write_text(
        "".join(
            f"2026-11-29 10:00:00,000 WARNING {r.name}: {r.getMessage()}\n" for r in caplog.records
        )
    )
    return path


def _learn(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    status = main(["learn", *args, "--format", "json"])
    return status, json.loads(capsys.readouterr().out)


def test_learn_from_the_engines_own_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    status, report = _learn(capsys, str(_engine_log(tmp_path, caplog)))
    assert status == 0
    assert report["policy"] == {
        "allow_origins": ["https://admin.example.org", NEW],
        "allow_methods": ["DELETE", "GET", "PUT"],
        "allow_headers": ["x-csrftoken"],
        "allow_credentials": True,
    }
    named = {o["origin"]: o["finding"] for o in report["origins"] if not o["trusted"]}
    assert named == NOT_TRUSTED
    assert all(o["reason"] for o in report["origins"] if not o["trusted"])
    # The proposal is a policy that admits what was seen, and still refuses the rest.
    policy = Policy(**report["policy"])
    preflight = [(b"origin", NEW.encode()), (b"access-control-request-method", b"DELETE")]
    assert decide(policy, "OPTIONS", "/api/items", preflight).status == 204
    for origin in NOT_TRUSTED:
        assert not decide(policy, "GET", "/", [(b"origin", origin.encode())]).allowed


def test_text_output_has_the_python_and_toml_forms(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["learn", str(_engine_log(tmp_path, caplog))]) == 0
    out = capsys.readouterr().out
    python = out[out.index("corsguard.Policy(") : out.index(")\n") + 1]
    import corsguard

    policy = eval(python, {"corsguard": corsguard})
    assert policy.allow_origins == ("https://admin.example.org", NEW)
    toml = out.split("(corsguard check FILE):\n\n")[1].split("\n\n")[0]
    (tmp_path / "cors.toml").write_text(toml)
    assert main(["check", str(tmp_path / "cors.toml")]) == 0
    assert "[null-origin-trusted]" in out and "--trust https://preview-1.vercel.app" in out


def test_trust_and_min_requests(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    log = str(_engine_log(tmp_path, caplog))
    _status, report = _learn(capsys, log, "--trust", "https://preview-1.vercel.app")
    assert "https://preview-1.vercel.app" in report["policy"]["allow_origins"]
    # NEW made three requests, admin.example.org one.
    _status, report = _learn(capsys, log, "--min-requests", "2")
    assert report["policy"]["allow_origins"] == [NEW]


# (log lines, exit status): nothing to trust is status 1, an unreadable file 2.
@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"", 1),
        (b'corsguard unlisted kind=cross-origin origin="null" method="GET"\n', 1),
        (b"\x00\xff\xfe binary\n" * 10, 1),
    ],
)
def test_exit_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, status: int
) -> None:
    path = tmp_path / "x.log"
    path.write_bytes(content)
    assert main(["learn", str(path)]) == status
    assert main(["learn", str(tmp_path / "missing.log")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_hostile_lines_are_bounded_and_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(learn, "MAX_ORIGINS", 50)
    lines = [
        # An escaped terminal sequence and BiDi override in the origin.
        b'corsguard unlisted kind=cross-origin origin="https://a.example.com\\x1b[2J\\u202e"'
        b' method="GET"',
        # Raw control bytes and invalid UTF-8 (a hostile server's access log).
        b'1.2.3.4 - - [29/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 2 "-" "x" '
        b'"https://b.example.com\x1b]0;pwned\x07\xff"',
        # A line far over the limit, then a normal one that must still be read.
        b'corsguard unlisted kind=cross-origin origin="' + b"x" * 100000 + b'"',
        b'corsguard unlisted kind=cross-origin origin="https://ok.example.com" method="GET"',
        # A forged field inside a quoted value does not become a field.
        b'corsguard unlisted kind=cross-origin origin="https://c.example.com" method="GET"'
        b' path="/a\\" credentials=yes x=\\""',
    ]
    lines += [
        f'corsguard unlisted kind=cross-origin origin="https://o{i}.example.com"'.encode()
        for i in range(200)
    ]
    path = tmp_path / "hostile.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert main(["learn", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b" in out  # shown, escaped
    assert "1 too long" in out
    assert "https://ok.example.com" in out
    assert "requests from origins beyond the first 50" in out
    _status, report = _learn(capsys, str(path))
    assert "https://c.example.com" in report["policy"]["allow_origins"]
    assert "allow_credentials" not in report["policy"]
    assert len(report["origins"]) == 50


def test_overlong_line_is_read_in_bounded_chunks() -> None:
    obs = learn.Observations()
    stream = io.BytesIO(b"a" * (learn.MAX_LINE_BYTES * 5) + b"\n" + b"b\n")
    learn.read_log(obs, stream)
    assert (obs.lines, obs.too_long, obs.skipped) == (2, 1, 1)


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# The log format docs/monitoring.md tells nginx users to add.
NGINX_LOG_FORMAT = (
    'log_format cors \'$remote_addr - $remote_user [$time_local] "$request" $status '
    '$body_bytes_sent "$http_referer" "$http_user_agent" "$http_origin" '
    '"$http_access_control_request_method" "$http_access_control_request_headers"\';'
)


def test_learn_from_a_real_nginx_access_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path(NGINX).exists():
        pytest.fail("nginx is required for this test (/usr/sbin/nginx)")
    port = free_port()
    log = tmp_path / "access.log"
    temp = " ".join(
        f"{name}_temp_path {tmp_path}/{name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"""
worker_processes 1;
daemon off;
pid {tmp_path}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    {temp}
    {NGINX_LOG_FORMAT}
    access_log {log} cors;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok"; }}
    }}
}}
"""
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", "nginx.conf"]
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/")
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        sent = [
            ("OPTIONS", {"Origin": NEW, "Access-Control-Request-Method": "PATCH",
                         "Access-Control-Request-Headers": "X-Token, Content-Type"}),
            ("PATCH", {"Origin": NEW}),
            ("GET", {"Origin": 'https://q.example.com" "DELETE'}),
            ("GET", {"Origin": "null"}),
        ]  # fmt: skip
        for method, headers in sent:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(method, "/api/items", headers=headers)
            conn.getresponse().read()
    finally:
        process.terminate()
        process.wait(10)
    status, report = _learn(capsys, str(log))
    assert status == 0, report
    assert report["policy"] == {
        "allow_origins": [NEW],
        "allow_methods": ["GET", "PATCH"],
        "allow_headers": ["content-type", "x-token"],
    }
    named = {o["origin"] for o in report["origins"] if not o["trusted"]}
    # nginx wrote the quote as \x22: the forged value stays one (invalid) origin.
    assert named == {'https://q.example.com" "DELETE', "null"}


@pytest.mark.parametrize(
    ("argv", "status"), [(["--format", "JSON"], 0), (["--json"], 0), (["--format", "xml"], 2)]
)
def test_format_vocabulary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], status: int
) -> None:
    path = tmp_path / "one.log"
    path.write_text(f'corsguard unlisted kind=cross-origin origin="{NEW}" method="GET"\n')
    assert main(["learn", str(path), *argv]) == status
    captured = capsys.readouterr()
    if status == 0:
        assert json.loads(captured.out)["policy"]["allow_origins"] == [NEW]
    else:
        assert "unknown format 'xml'" in captured.err


_PIECES = st.sampled_from(
    [
        "corsguard unlisted kind=cross-origin ",
        "corsguard refused kind=preflight ",
        'origin="',
        "origin=",
        'method="',
        'request_headers="',
        "credentials=yes ",
        '"',
        "\\",
        '\\"',
        "\\x1b",
        " ",
        "https://a.example.com",
        "null",
        '1.2.3.4 - - [29/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 2 "-" "x" ',
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=30).map("".join))
def test_any_line_is_read_or_skipped_and_output_is_printable(line: str) -> None:
    obs = learn.Observations()
    learn.read_log(obs, io.BytesIO(line.encode("utf-8", "surrogatepass") + b"\n"))
    assert obs.used + obs.skipped + obs.too_long == obs.lines
    proposal = learn.propose(obs, set())
    for verdict in proposal.verdicts:
        shown = learn.for_terminal(verdict.origin)
        # No control, format (BiDi, zero-width) or line-separator character reaches a terminal.
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in shown)
    # Every proposed origin is one corsguard accepts in a policy.
    if proposal.options["allow_origins"]:
        Policy(**proposal.options)
