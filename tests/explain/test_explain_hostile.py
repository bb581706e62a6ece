"""`corsguard explain` against hostile servers and hostile HAR files (issue #16, points 2 and 8).

Every value a server or a HAR file supplies is attacker-written. These tests check that none
reaches the terminal raw (escape sequences, C1 controls, BiDi overrides), that --json stays
strictly valid, that no fix proposes a URL that is not plain http(s), that a bad HAR entry
costs only itself, and that the HAR lookups are linear (results for a large file, no timing).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from benchmarks.bench_explain_har import generate_har
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corsguard.cli import main
from corsguard.explain import LOCATION_PLACEHOLDER, dumps_json, safe_http_url
from tests.helpers.servers import read_head

ORIGIN = "https://app.example.test"

# Payloads a hostile server or file uses against the terminal that shows the report.
PAYLOADS = {
    "osc-title": b"\x1b]0;pwned\x07",
    "csi-clear": b"\x1b[2J\x1b[H",
    "csi-recolour": b"\x1b[32mALLOWED\x1b[0m",
    "c1-csi-raw-byte": b"\x9b31m",  # not UTF-8: must come out as the text \x9b
    "c1-csi-utf8": "\u009b31m".encode(),
    "bidi-override": "\u202eDEWOLLA".encode(),
    "bidi-isolate": "\u2066x\u2069".encode(),
    "line-separator": "a\u2028b".encode(),
    "bare-cr": b"x\rBLOCKED",
    "invalid-utf8": b"\xff\xfe\xc3",
    "nul-del": b"a\x00b\x7f",
    "zero-width": "a\u200bb".encode(),
    "tag-characters": "a\U000e0041b".encode(),
}


def _safe_char(char: str) -> bool:
    return char == "\n" or char.isprintable()


def assert_terminal_safe(text: str) -> None:
    """No control, format, separator or surrogate character: only printable text and \\n."""
    bad = sorted({f"U+{ord(c):04X}" for c in text if not _safe_char(c)})
    assert not bad, f"raw characters in the output: {bad}"
    text.encode("utf-8")  # no lone surrogate


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def strict_json(text: str) -> Any:
    """Parse as a strict parser would: valid UTF-8 text, no NaN, no lone-surrogate escapes."""
    assert_terminal_safe(text)

    def refuse(name: str) -> Any:
        raise AssertionError(f"non-standard JSON constant {name}")

    doc = json.loads(text.encode("utf-8").decode("utf-8"), parse_constant=refuse)
    for value in _strings(doc):
        value.encode("utf-8")  # json.loads turns "\ud800" into a lone surrogate: refused here
    return doc


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """main() in-process with its own captured streams (usable inside hypothesis examples)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


# --- A raw-socket server whose answers the test chooses ----------------------------------


class RawServer:
    """HTTP/1.1 on 127.0.0.1 that answers each request with ``answer(request head)``."""

    def __init__(self) -> None:
        self.answer: Callable[[bytes], bytes] = lambda head: b"HTTP/1.1 204 No Content\r\n\r\n"
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port: int = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            head = read_head(conn)
            conn.sendall(self.answer(head))

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(scope="module")
def server() -> Iterator[RawServer]:
    srv = RawServer()
    try:
        yield srv
    finally:
        srv.close()


def response(status: str, *headers: bytes, body: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 "
        + status.encode()
        + b"\r\n"
        + b"".join(h + b"\r\n" for h in headers)
        + (b"Connection: close\r\n\r\n" + body)
    )


ACAO_OK = b"Access-Control-Allow-Origin: " + ORIGIN.encode()


def placements(payload: bytes, port: int) -> dict[str, Callable[[bytes], bytes]]:
    """Where a hostile value can sit in a response, each as a server answer."""
    return {
        # Shown as "looked at" under the failed check, and in the reason.
        "allow-origin": lambda head: response("200 OK", b"Access-Control-Allow-Origin: " + payload),
        # Shown in "Readable headers" when allowed.
        "expose-headers": lambda head: response(
            "200 OK", ACAO_OK, b"Access-Control-Expose-Headers: x-a, " + payload
        ),
        # Followed (relative), shown as an exchange; the second hop answers plainly.
        "location": lambda head: (
            response("200 OK", ACAO_OK)
            if b" /next" in head
            else response("302 Found", ACAO_OK, b"Location: /next" + payload)
        ),
        # A Location that is not followed at all (a preflight must not redirect).
        "preflight-location": lambda head: response(
            "307 Temporary Redirect", ACAO_OK, b"Location: http://x.test/" + payload
        ),
    }


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_hostile_header_bytes_never_reach_the_terminal(server: RawServer, name: str) -> None:
    payload = PAYLOADS[name]
    for where, answer in placements(payload, server.port).items():
        server.answer = answer
        method = ["-X", "PUT"] if where == "preflight-location" else []
        argv = ["explain", server.url("/data"), "--origin", ORIGIN, *method, "--timeout", "5"]
        code, text, err = run_cli(argv)
        assert code in (0, 1), (where, err)
        assert_terminal_safe(text)
        # The value is shown, escaped, not dropped: the report keeps its evidence.
        if where == "allow-origin":
            assert "Access-Control-Allow-Origin: " in text
            assert any(c in text for c in ("\\x", "\\u", "\\U")), text
        code_json, out, err = run_cli([*argv, "--json"])
        assert code_json == code, (where, err)
        doc = strict_json(out)
        assert doc["allowed"] is (code == 0)


def test_verdict_is_kept_when_a_harmless_header_is_hostile(server: RawServer) -> None:
    """The hostile value sits in a header the CORS check ignores: still ALLOWED."""
    server.answer = lambda head: response(
        "200 OK", ACAO_OK, b"X-Evil: " + PAYLOADS["csi-recolour"] + PAYLOADS["invalid-utf8"]
    )
    code, text, _ = run_cli(["explain", server.url(), "--origin", ORIGIN])
    assert code == 0 and "ALLOWED" in text
    assert_terminal_safe(text)


def test_forged_verdict_in_allow_origin_is_shown_escaped(server: RawServer) -> None:
    """A value that tries to print a fake verdict line is shown as one escaped value."""
    server.answer = lambda head: response(
        "200 OK", b"Access-Control-Allow-Origin: x\r\x1b[2K\x1b[1;32mALLOWED\x1b[0m"
    )
    code, text, _ = run_cli(["explain", server.url(), "--origin", ORIGIN])
    assert code == 1
    assert "Access-Control-Allow-Origin: x\\x0d\\x1b[2K\\x1b[1;32mALLOWED\\x1b[0m" in text
    assert text.count("ALLOWED") == text.count("\\x1b[1;32mALLOWED")
    assert "BLOCKED by response.allow-origin" in text


@pytest.mark.parametrize(
    ("body", "length"),
    [
        (b"short", 1000),  # fewer bytes than Content-Length, then the server closes
        (b"", 50),
    ],
)
def test_short_body_still_judged_from_headers(server: RawServer, body: bytes, length: int) -> None:
    server.answer = lambda head: response(
        "200 OK", ACAO_OK, f"Content-Length: {length}".encode(), body=body
    )
    code, text, err = run_cli(["explain", server.url(), "--origin", ORIGIN, "--timeout", "5"])
    assert (code, err) == (0, "")
    assert "ALLOWED" in text


class HoldingServer(RawServer):
    """Sends the head with a long Content-Length, then keeps the connection open, silent."""

    release = threading.Event()

    def _handle(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            read_head(conn)
            conn.sendall(response("200 OK", ACAO_OK, b"Content-Length: 100000"))
            self.release.wait(30)


def test_body_that_never_comes_does_not_hold_the_verdict() -> None:
    srv = HoldingServer()
    try:
        code, text, _ = run_cli(["explain", srv.url(), "--origin", ORIGIN, "--timeout", "20"])
    finally:
        srv.release.set()
        srv.close()
    assert code == 0 and "ALLOWED" in text


# --- No fix proposes a dangerous URL -------------------------------------------------------

DANGEROUS_LOCATIONS = [
    "file:///etc/passwd",
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "java\tscript:alert(1)",
    "https://user:secret@evil.example/",
    "http://127.0.0.1:{port}/\x1b]0;x\x07",  # followed until the redirect limit
]


def _fix_strings(doc: dict[str, Any]) -> list[str]:
    out = []
    for fix in doc["fixes"]:
        out += [fix["text"], fix["line"], fix["value"] or ""]
    return out


def assert_no_dangerous_fix(doc: dict[str, Any], location: str) -> None:
    for text in _fix_strings(doc):
        lowered = text.lower().replace("\\u0009", "").replace("\t", "")
        for scheme in ("file:", "javascript:", "data:", "vbscript:"):
            assert scheme not in lowered, text
        assert "secret" not in text, text
        assert location not in text, text
    for fix in doc["fixes"]:
        if fix["kind"] == "header" and fix["header"] == "Location":
            value = fix["value"]
            if value != LOCATION_PLACEHOLDER:
                assert value.startswith(("http://", "https://")), value
                assert all(0x21 <= ord(c) <= 0x7E for c in value), value


@pytest.mark.parametrize("location", DANGEROUS_LOCATIONS)
def test_live_fix_never_proposes_a_dangerous_location(server: RawServer, location: str) -> None:
    location = location.replace("{port}", str(server.port))
    raw = location.encode()
    cases = {
        # The actual request redirects where a CORS request may not go.
        "GET": lambda head: response("302 Found", ACAO_OK, b"Location: " + raw),
        # The preflight redirects: the fix text suggests requesting the target directly.
        "PUT": lambda head: response("307 Temporary Redirect", ACAO_OK, b"Location: " + raw),
    }
    for method, answer in cases.items():
        server.answer = answer
        argv = ["explain", server.url(), "--origin", ORIGIN, "-X", method, "--json"]
        code, out, err = run_cli(argv)
        assert code == 1, err
        doc = strict_json(out)
        assert doc["fixes"], method
        assert_no_dangerous_fix(doc, location)
        code, text, _ = run_cli(argv[:-1])
        assert code == 1
        assert_terminal_safe(text)
        fix_part = text.split("\nFix:\n", 1)[1].split("\nNotes:\n", 1)[0]
        for scheme in ("file:", "javascript:", "data:", "vbscript:", "secret"):
            assert scheme not in fix_part.lower(), fix_part


def test_userinfo_location_fix_is_the_url_without_it(server: RawServer) -> None:
    server.answer = lambda head: response(
        "302 Found", ACAO_OK, b"Location: https://user:secret@cdn.example/a b"
    )
    code, out, _ = run_cli(["explain", server.url(), "--origin", ORIGIN, "--json"])
    doc = strict_json(out)
    assert code == 1
    assert doc["fix"]["line"] == "Location: https://cdn.example/a%20b"


@pytest.mark.parametrize(
    ("url", "drop", "expected"),
    [
        ("https://a.test/x?y=1", False, "https://a.test/x?y=1"),
        (" https://a.test/ \t", False, "https://a.test/"),
        ("HTTP://A.test/", False, "http://A.test/"),
        ("http://127.0.0.1:8080/", False, "http://127.0.0.1:8080/"),
        ("http://[::1]/", False, "http://[::1]/"),
        ("http://a.test/\x1b[2J", False, "http://a.test/%1B[2J"),
        ("https://a.test/é \u202e", False, "https://a.test/%C3%A9%20%E2%80%AE"),
        ('https://a.test/"<>`{|}^\\', False, "https://a.test/%22%3C%3E%60%7B%7C%7D%5E%5C"),
        ("https://u:p@a.test/", False, None),
        ("https://u:p@a.test/", True, "https://a.test/"),
        ("javascript:alert(1)", True, None),
        ("file:///etc/passwd", True, None),
        ("data:text/html,x", True, None),
        ("ftp://a.test/", True, None),
        ("/relative", True, None),
        ("//a.test/x", True, None),
        ("https://a\x1b.test/", True, None),
        ("https://a%1b.test/", True, None),
        ("https://a.test:99999/", True, None),
        ("https:///path", True, None),
    ],
)
def test_safe_http_url(url: str, drop: bool, expected: str | None) -> None:
    assert safe_http_url(url, drop_userinfo=drop) == expected


@given(st.text())
def test_dumps_json_round_trips_and_escapes(value: str) -> None:
    """Text without surrogates comes back unchanged; the output holds no raw control."""
    out = dumps_json({"v": value, "k": [value]})
    assert strict_json(out) == {"v": value, "k": [value]}


@pytest.mark.parametrize(
    ("value", "parsed"),
    [("\ud800", "\\ud800"), ("a\udcff", "a\\xff"), ("\U000e0041", "\U000e0041")],
)
def test_dumps_json_surrogates_become_text(value: str, parsed: str) -> None:
    assert strict_json(dumps_json([value])) == [parsed]


# --- HAR: hostile values -------------------------------------------------------------------

PAGE = "https://app.example.com"
API = "https://api.example.net"


def har_entry(
    method: Any, url: Any, req: Any, status: Any, resp: Any, **extra: Any
) -> dict[str, Any]:
    def pairs(items: Any) -> Any:
        if isinstance(items, list) and all(isinstance(i, tuple) for i in items):
            return [{"name": n, "value": v} for n, v in items]
        return items

    return {
        "pageref": "page_1",
        "_resourceType": "fetch",
        "request": {"method": method, "url": url, "cookies": [], "headers": pairs(req)},
        "response": {"status": status, "headers": pairs(resp)},
        **extra,
    }


def good_get(path: str, allowed: bool) -> dict[str, Any]:
    headers = [("Access-Control-Allow-Origin", PAGE)] if allowed else []
    return har_entry("GET", f"{API}/{path}", [("Origin", PAGE)], 200, headers)


def har_doc(entries: list[Any]) -> dict[str, Any]:
    return {"log": {"version": "1.2", "pages": [{"id": "page_1", "title": PAGE + "/"}],
                    "entries": entries}}  # fmt: skip


def write_har(tmp_path: Path, doc: Any, name: str = "x.har") -> str:
    path = tmp_path / name
    # json.dumps writes a lone surrogate as the escape "\ud800", as a hostile file would.
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return str(path)


def test_har_lone_surrogates_and_escapes(tmp_path: Path) -> None:
    evil = "\ud800\x1b]0;t\x07\u202e\x9b"
    entries = [
        har_entry("GET", f"{API}/a{evil}", [("Origin", PAGE), (f"X-{evil}", evil)], 200,
                  [("Access-Control-Allow-Origin", PAGE + evil),
                   ("Access-Control-Expose-Headers", evil)]),
        har_entry("GET", f"{API}/b", [("Origin", PAGE)], 302,
                  [("Access-Control-Allow-Origin", PAGE), ("Location", f"file:///{evil}")]),
        good_get("c", allowed=True),
    ]  # fmt: skip
    path = write_har(tmp_path, har_doc(entries))
    assert "\\ud800" in Path(path).read_text()
    code, out, err = run_cli(["explain", "--har", path, "--json"])
    assert code == 1, err
    doc = strict_json(out)
    by_index = {r["har_index"]: r for r in doc["requests"]}
    assert sorted(by_index) == [0, 1, 2]
    assert by_index[0]["request"]["url"] == f"{API}/a\\ud800\x1b]0;t\x07\u202e\x9b"
    assert by_index[2]["allowed"] is True
    assert_no_dangerous_fix(by_index[1], "file:///")
    code, text, err = run_cli(["explain", "--har", path])
    assert code == 1, err
    assert_terminal_safe(text)
    assert "\\ud800\\x1b]0;t\\x07\\u202e\\x9b" in text


def test_har_origin_with_control_characters_is_not_an_origin(tmp_path: Path) -> None:
    """An Origin header that is no serialized origin is not trusted to name the page."""
    entries = [
        har_entry("GET", f"{API}/a", [("Origin", "https://a\x1b[2J.test")], 200, [],
                  _resourceType="fetch", pageref="none"),
    ]  # fmt: skip
    code, out, _ = run_cli(["explain", "--har", write_har(tmp_path, har_doc(entries)), "--json"])
    doc = strict_json(out)
    assert (code, doc["requests"], doc["errors"]) == (0, [], [])


HOSTILE_ENTRIES: list[tuple[str, Any, str]] = [
    ("number", 7, "log.entries[1] is a number, not an object"),
    ("string", "entry", "log.entries[1] is a string, not an object"),
    ("null", None, "log.entries[1] is null, not an object"),
    ("list", [1, 2], "log.entries[1] is a list, not an object"),
    ("no-request", {"response": {}}, "log.entries[1].request is missing, not an object"),
    ("request-list", {"request": []}, "log.entries[1].request is a list"),
    ("method-number", har_entry(5, f"{API}/x", [], 200, []), "request.method is a number"),
    ("method-empty", har_entry("", f"{API}/x", [], 200, []), "request.method is empty"),
    ("url-list", har_entry("GET", [API], [], 200, []), "request.url is a list"),
    ("url-missing", {"request": {"method": "GET"}}, "request.url is missing"),
    ("headers-string", har_entry("GET", f"{API}/x", "x", 200, []),
     "request.headers is a string, not a list"),
    ("headers-object", har_entry("GET", f"{API}/x", {"name": "a"}, 200, []),
     "request.headers is an object, not a list"),
    ("header-number", har_entry("GET", f"{API}/x", [3], 200, []),
     "request.headers[0] is a number"),
    ("header-no-name", har_entry("GET", f"{API}/x", [{"value": "v"}], 200, []),
     "request.headers[0].name is missing"),
    ("header-name-object", har_entry("GET", f"{API}/x", [{"name": {}, "value": "v"}], 200, []),
     "request.headers[0].name is an object"),
    ("header-value-list", har_entry("GET", f"{API}/x", [], 200, [{"name": "a", "value": []}]),
     "response.headers[0].value is a list"),
    ("deep-value", har_entry("GET", f"{API}/x", [], 200,
                             [{"name": "a", "value": json.loads("[" * 400 + "]" * 400)}]),
     "response.headers[0].value is a list"),
    ("response-string", {"request": {"method": "GET", "url": f"{API}/x"}, "response": "ok"},
     "response is a string"),
    ("status-string", har_entry("GET", f"{API}/x", [], "200", []), "status is not a status code"),
    ("status-bool", har_entry("GET", f"{API}/x", [], True, []), "status is not a status code"),
    ("status-float", har_entry("GET", f"{API}/x", [], 200.5, []), "status is not a status code"),
    # -1 is Playwright's "no response" (read as 0); any other negative number is refused.
    ("status-negative", har_entry("GET", f"{API}/x", [], -2, []), "status is not a status code"),
    ("huge-value", har_entry("GET", f"{API}/x", [("Origin", PAGE)], 200,
                             [("X-Big", "a" * 300_000)]), "response.headers[0].value is longer"),
    ("many-headers", har_entry("GET", f"{API}/x", [("Origin", PAGE)], 200,
                               [("X-Many", "a" * 100)] * 3000), "response.headers hold more"),
    ("huge-url", har_entry("GET", f"{API}/" + "u" * 2_100_000, [], 200, []),
     "request.url is longer"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "bad", "message"), HOSTILE_ENTRIES, ids=lambda v: str(v)[:20])
def test_hostile_har_entry_costs_only_itself(
    tmp_path: Path, label: str, bad: Any, message: str
) -> None:
    entries = [good_get("first", allowed=True), bad, good_get("last", allowed=False)]
    path = write_har(tmp_path, har_doc(entries))
    code, out, err = run_cli(["explain", "--har", path, "--json"])
    assert code == 2
    assert err.count("\n") == 1 and "1 of 3 HAR entries" in err and "Traceback" not in err
    doc = strict_json(out)
    assert [(r["har_index"], r["allowed"]) for r in doc["requests"]] == [(0, True), (2, False)]
    assert len(doc["errors"]) == 1 and doc["errors"][0]["har_index"] == 1
    assert message in doc["errors"][0]["error"]
    assert doc["allowed"] is False
    code, text, err = run_cli(["explain", "--har", path])
    assert code == 2
    assert_terminal_safe(text)
    assert "HAR entry 1: error: log.entries[1]" in text and message in text
    assert "1 allowed, 1 blocked" in text


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ({"pages": 5}, [0]),  # pages is not a list: origins still come from Origin headers
        ({"pages": [None, 3, {"id": [], "title": 1}]}, [0]),
        ({"pages": "page"}, [0]),
    ],
)
def test_hostile_pages_do_not_stop_the_file(
    tmp_path: Path, shape: dict[str, Any], expected: list[int]
) -> None:
    doc = har_doc([good_get("a", allowed=True)])
    doc["log"].update(shape)
    code, out, err = run_cli(["explain", "--har", write_har(tmp_path, doc), "--json"])
    assert (code, err) == (0, "")
    assert [r["har_index"] for r in strict_json(out)["requests"]] == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"log": {"entries": [{"response": {"status": ' + "9" * 5000 + "}}]}}",
         "not a usable JSON document"),
        ('{"log": {"entries": ' + "[" * 200_000 + "]" * 200_000 + "}}", "nested too deeply"),
        ('{"log": {"entries": {"0": {}}}}', "no log.entries list"),
        ('{"log": []}', "no log.entries list"),
        ('"\\ud800"', "no log.entries list"),
    ],
)  # fmt: skip
def test_har_file_level_errors(tmp_path: Path, content: str, message: str) -> None:
    code, out, err = run_cli(["explain", "--har", write_har(tmp_path, content)])
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1
    assert_terminal_safe(err)


def test_har_file_name_is_escaped(tmp_path: Path) -> None:
    path = write_har(tmp_path, har_doc([]), name="a\x1b]0;t\x07.har")
    code, out, _ = run_cli(["explain", "--har", path])
    assert code == 0
    assert_terminal_safe(out)
    assert "a\\x1b]0;t\\x07.har: no cross-origin CORS requests found (0 entries)" in out


def test_failing_report_for_one_entry_is_an_error_for_it_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection into corsguard's own code: the model, then a renderer, fails once."""
    import corsguard.explain
    import corsguard.har

    entries = [good_get(p, allowed=p != "b") for p in ("a", "b", "c")]
    path = write_har(tmp_path, har_doc(entries))
    real_run = corsguard.har.run

    def model_fails_on_b(request: Any, respond: Any) -> Any:
        if request.url.endswith("/b"):
            raise RuntimeError("boom \x1b[2J")
        return real_run(request, respond)

    monkeypatch.setattr(corsguard.har, "run", model_fails_on_b)
    code, out, err = run_cli(["explain", "--har", path, "--json"])
    doc = strict_json(out)
    assert code == 2 and "1 of 3" in err
    assert [r["har_index"] for r in doc["requests"]] == [0, 2]
    assert doc["errors"][0]["har_index"] == 1
    assert "RuntimeError: boom \\x1b[2J" in doc["errors"][0]["error"]
    monkeypatch.setattr(corsguard.har, "run", real_run)

    real_item = corsguard.explain._har_item_text

    def renderer_fails_on_c(result: Any, number: int, color: bool) -> str:
        if result.entry.index == 2:
            raise ValueError("renderer")
        return real_item(result, number, color)

    monkeypatch.setattr(corsguard.explain, "_har_item_text", renderer_fails_on_c)
    code, text, err = run_cli(["explain", "--har", path])
    assert code == 2
    assert "[1] HAR entry 0" in text and "[2] HAR entry 1" in text
    assert "HAR entry 2: error: cannot report this entry: ValueError('renderer')" in text
    assert "1 allowed, 1 blocked" in text


# --- HAR: linear lookups give the same results as before ----------------------------------


def test_har_lookup_picks_nearest_preflight_and_later_hop(tmp_path: Path) -> None:
    """Repeated URLs: each request uses the nearest earlier preflight (else the first later
    one), and a redirect hop uses the first matching entry after the one before it."""
    acao = ("Access-Control-Allow-Origin", PAGE)
    origin = ("Origin", PAGE)

    def preflight(ok: bool) -> dict[str, Any]:
        allow = [acao, ("Access-Control-Allow-Methods", "PUT")] if ok else [acao]
        return har_entry("OPTIONS", f"{API}/p", [origin, ("Access-Control-Request-Method", "PUT")],
                         204, allow, _resourceType="preflight")  # fmt: skip

    put = har_entry("PUT", f"{API}/p", [origin], 200, [acao])
    hop = har_entry("GET", f"{API}/r", [origin], 302, [acao, ("Location", f"{API}/t")])
    target_ok = har_entry("GET", f"{API}/t", [origin], 200, [acao])
    target_bad = har_entry("GET", f"{API}/t", [origin], 200, [])
    entries = [
        put,  # 0: no preflight before it: the first after (2, which fails)
        target_ok,  # 1: explained on its own
        preflight(ok=False),  # 2
        put,  # 3: nearest before is 2: blocked
        preflight(ok=True),  # 4
        put,  # 5: nearest before is 4: allowed
        hop,  # 6: its hop is the first /t after 6, i.e. 7 (blocked)
        target_bad,  # 7: consumed by 6
        hop,  # 8: no /t after 8: the last before, 7 (blocked)
    ]
    code, out, _ = run_cli(["explain", "--har", write_har(tmp_path, har_doc(entries)), "--json"])
    got = {r["har_index"]: (r["allowed"], r["failed"]) for r in strict_json(out)["requests"]}
    assert got == {
        0: (False, "preflight.allow-methods"),
        1: (True, None),
        3: (False, "preflight.allow-methods"),
        5: (True, None),
        6: (False, "response.allow-origin"),
        8: (False, "response.allow-origin"),
    }
    assert code == 1


def test_large_har_is_explained_completely(tmp_path: Path) -> None:
    """A generated 2,000-entry file (the benchmark's shape; 8k/32k run in benchmarks/)."""
    path = write_har(tmp_path, generate_har(2000))
    code, out, err = run_cli(["explain", "--har", path, "--json"])
    doc = strict_json(out)
    # Each group of five: preflight (not a result), PUT allowed, GET blocked, redirect whose
    # hop is consumed: three results, of which one blocked.
    assert (code, err, len(doc["requests"]), doc["errors"]) == (1, "", 1200, [])
    assert sum(not r["allowed"] for r in doc["requests"]) == 400
    assert [r["har_index"] for r in doc["requests"][:3]] == [1, 2, 3]


# --- Fuzz -------------------------------------------------------------------------------

HOSTILE_CHARS = st.sampled_from(
    ["\x1b", "\x07", "\x9b", "\x9d", "\u202e", "\u2066", "\u200b", "\u2028", "\r", "\n",
     "\x00", "\x7f", "\ud800", "\udc80", "\U000e0041", "a", "/", ":", " ", ",", "é"]
)  # fmt: skip
HOSTILE_TEXT = st.text(HOSTILE_CHARS, max_size=12)
URLISH = st.one_of(
    st.builds(lambda s: f"{API}/{s}", HOSTILE_TEXT),
    st.sampled_from(["file:///etc/passwd", "javascript:alert(1)", "/rel", "https://u:p@x.test/"]),
    st.builds(lambda s: f"javascript:{s}", HOSTILE_TEXT),
    HOSTILE_TEXT,
)


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(inner, max_size=3), st.dictionaries(HOSTILE_TEXT, inner, max_size=3))


JSON_JUNK = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-5, 1000), st.floats(allow_nan=False), HOSTILE_TEXT
    ),
    _containers,
    max_leaves=6,
)
HEADER_NAMES = st.sampled_from(
    ["Origin", "Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Location",
     "Access-Control-Expose-Headers", "Access-Control-Allow-Credentials",
     "Access-Control-Request-Method", "X-Any"]
)  # fmt: skip
HEADER_VALUES = st.one_of(URLISH, st.just(PAGE), st.sampled_from(["*", "PUT", "true"]))
HEADERS = st.one_of(
    st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=5),
    JSON_JUNK,
)
HOSTILE_ENTRY = st.one_of(
    st.builds(
        har_entry,
        st.one_of(st.sampled_from(["GET", "PUT", "OPTIONS", "get"]), JSON_JUNK),
        st.one_of(URLISH, JSON_JUNK),
        HEADERS,
        st.one_of(st.sampled_from([200, 204, 302, 307, 0]), JSON_JUNK),
        HEADERS,
    ),
    JSON_JUNK,
)
CONTROL_URL = "https://control.example.org/only-here"
DANGEROUS_URL = re.compile(r"(?i)(?:javascript|file|data|vbscript):[^\s'\"]")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=st.lists(HOSTILE_ENTRY, max_size=6), at=st.integers(0, 6), json_out=st.booleans())
def test_fuzz_har(tmp_path: Path, entries: list[Any], at: int, json_out: bool) -> None:
    control = har_entry("GET", CONTROL_URL, [("Origin", PAGE)], 200,
                        [("Access-Control-Allow-Origin", PAGE)])  # fmt: skip
    at = min(at, len(entries))
    entries.insert(at, control)
    path = write_har(tmp_path, har_doc(entries))
    code, out, err = run_cli(["explain", "--har", path, *(["--json"] if json_out else [])])
    assert code in (0, 1, 2)
    assert "Traceback" not in err and err.count("\n") <= 1
    assert_terminal_safe(err)
    if not json_out:
        assert_terminal_safe(out)
        assert f"] HAR entry {at}, origin from the Origin header\n" in out
        return
    doc = strict_json(out)
    results = {r["har_index"]: r for r in doc["requests"]}
    errors = {e["har_index"] for e in doc["errors"]}
    assert results[at]["allowed"] is True and results[at]["request"]["url"] == CONTROL_URL
    assert not errors & set(results)
    assert set(results) | errors <= set(range(len(entries)))
    assert (code == 2) == bool(errors)
    for r in results.values():
        for fix in r["fixes"]:
            if fix["header"] == "Location":
                value = fix["value"]
                assert value == LOCATION_PLACEHOLDER or value.startswith("http"), fix
            for text in (fix["text"], fix["line"]):
                # A URL with one of these schemes (naming the scheme alone, as in "fetch()
                # supports only http(s) URLs here, not file:", proposes nothing).
                assert not DANGEROUS_URL.search(text), fix


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[RawServer]:
    srv = RawServer()
    try:
        yield srv
    finally:
        srv.close()


# Header bytes: the known attacks mixed with arbitrary bytes (no CR LF, which end the line).
HEADER_BYTES = st.lists(
    st.one_of(st.sampled_from(list(PAYLOADS.values())), st.binary(max_size=6), st.just(b"a")),
    max_size=4,
).map(lambda parts: b"".join(parts).replace(b"\r", b"").replace(b"\n", b""))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    acao=st.one_of(st.just(ORIGIN.encode()), HEADER_BYTES),
    expose=HEADER_BYTES,
    location=HEADER_BYTES,
    status=st.sampled_from([b"200 OK", b"302 Found", b"307 X"]),
    json_out=st.booleans(),
)
def test_fuzz_raw_server(
    fuzz_server: RawServer,
    acao: bytes,
    expose: bytes,
    location: bytes,
    status: bytes,
    json_out: bool,
) -> None:
    def answer(head: bytes) -> bytes:
        if b" /next" in head:  # the relative Location's target
            return response("200 OK", b"Access-Control-Allow-Origin: " + acao)
        return (
            b"HTTP/1.1 " + status + b"\r\nAccess-Control-Allow-Origin: " + acao
            + b"\r\nAccess-Control-Expose-Headers: " + expose
            + b"\r\nLocation: /next" + location + b"\r\nConnection: close\r\n\r\n"
        )  # fmt: skip

    fuzz_server.answer = answer
    argv = ["explain", fuzz_server.url("/x"), "--origin", ORIGIN, "--timeout", "5"]
    code, out, err = run_cli([*argv, *(["--json"] if json_out else [])])
    assert code in (0, 1), err
    if json_out:
        strict_json(out)
    else:
        assert_terminal_safe(out)
