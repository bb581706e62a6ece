"""Unit tests for corsguard.browser, one table per rule of ../shared/cors-rules.md."""

from __future__ import annotations

import pytest

from corsguard.browser import (
    Request,
    RequestError,
    Response,
    can_read,
    evaluate,
    needs_preflight,
    normalize_method,
    preflight_cache_seconds,
    preflight_request,
    readable_headers,
    serialize_url_origin,
)

PAGE = "https://app.example.com"
API = "https://api.other.test/data"


def R(status: int = 200, *headers: tuple[str, str]) -> Response:
    return Response(status, tuple(headers))


ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://API.Example.com:443/x", "https://api.example.com"),
        ("http://h.test:80/", "http://h.test"),
        ("http://h.test:8080/", "http://h.test:8080"),
        ("https://[::1]:8443/", "https://[::1]:8443"),
        ("https://bücher.example/", "https://xn--bcher-kva.example"),
        ("ftp://h.test/", "null"),
        ("not a url", "null"),
    ],
)
def test_serialize_url_origin(url: str, origin: str) -> None:
    assert serialize_url_origin(url) == origin


@pytest.mark.parametrize(
    ("written", "sent"),
    [("get", "GET"), ("Delete", "DELETE"), ("options", "OPTIONS"), ("put", "PUT"),
     ("patch", "patch"), ("Patch", "Patch"), ("PATCH", "PATCH"), ("foo", "foo")],
)  # fmt: skip
def test_method_normalisation(written: str, sent: str) -> None:
    assert normalize_method(written) == sent


@pytest.mark.parametrize(
    ("method", "headers", "needed", "acrh"),
    [
        ("GET", (), False, ()),
        ("post", (), False, ()),
        ("HEAD", (), False, ()),
        ("put", (), True, ()),
        ("patch", (), True, ()),
        ("GET", (("Accept", "application/json"),), False, ()),
        ("GET", (("Accept", 'a"b'),), True, ("accept",)),
        ("GET", (("Accept", "a" * 128),), False, ()),
        ("GET", (("Accept", "a" * 129),), True, ("accept",)),
        ("GET", (("Accept-Language", "en-US,en;q=0.9"),), False, ()),
        ("GET", (("Accept-Language", "en_US"),), True, ("accept-language",)),
        ("GET", (("Content-Language", "de/DE"),), True, ("content-language",)),
        ("POST", (("Content-Type", "text/plain;charset=UTF-8"),), False, ()),
        ("POST", (("Content-Type", "Multipart/Form-Data; boundary=x"),), False, ()),
        ("POST", (("Content-Type", "application/x-www-form-urlencoded"),), False, ()),
        ("POST", (("Content-Type", "application/json"),), True, ("content-type",)),
        ("POST", (("Content-Type", "text/plain; x=(y)"),), True, ("content-type",)),
        ("GET", (("Range", "bytes=0-"),), False, ()),
        ("GET", (("Range", "bytes=0-10"),), False, ()),
        ("GET", (("Range", "bytes=-10"),), True, ("range",)),
        ("GET", (("Range", "bytes=0-1,3-4"),), True, ("range",)),
        ("GET", (("Range", "bytes=5-1"),), True, ("range",)),
        ("GET", (("X-B", "1"), ("x-a", "1"), ("Authorization", "x")), True,
         ("authorization", "x-a", "x-b")),
        ("GET", (("Cookie", "a=b"), ("Sec-X", "1"), ("Proxy-X", "1"), ("User-Agent", "u")), False,
         ()),
        ("GET", (("X-HTTP-Method-Override", "TRACE"),), False, ()),
        ("GET", (("X-HTTP-Method-Override", "PUT"),), True, ("x-http-method-override",)),
        ("GET", (("Access-Control-Request-Private-Network", "true"),), True,
         ("access-control-request-private-network",)),
        # Chromium's client hints and their value rules.
        ("GET", (("DPR", "2.5"),), False, ()),
        ("GET", (("DPR", "two"),), True, ("dpr",)),
        ("GET", (("Width", "1.5"),), True, ("width",)),
        ("GET", (("Save-Data", "on"),), False, ()),
        ("GET", (("Save-Data", "off"),), True, ("save-data",)),
        ("GET", (("ECT", "4g"),), False, ()),
        ("GET", (("ECT", "5g"),), True, ("ect",)),
        ("GET", (("RTT", "50"),), False, ()),
        ("GET", (("Downlink", "fast"),), True, ("downlink",)),
        ("GET", (("Intervention", "x"),), False, ()),
    ],
)  # fmt: skip
def test_needs_preflight(
    method: str, headers: tuple[tuple[str, str], ...], needed: bool, acrh: tuple[str, ...]
) -> None:
    need = needs_preflight(Request(PAGE, API, method, headers))
    assert need.needed is needed
    assert need.unsafe_headers == acrh
    assert len(need.reasons) == (method.upper() not in ("GET", "HEAD", "POST")) + len(acrh)


SAFE_8x128 = (
    ("Accept", "a" * 128),
    ("Intervention", "a" * 128),
    ("Accept-Language", "a" * 128),
    ("Content-Language", "a" * 128),
    ("Content-Type", "text/plain;a=" + "c" * 115),
    ("DPR", "1" * 128),
    ("Device-Memory", "1" * 128),
    ("Width", "1" * 128),
)


@pytest.mark.parametrize(("extra", "needed"), [((), False), ((("Viewport-Width", "1"),), True)])
def test_1024_byte_limit(extra: tuple[tuple[str, str], ...], needed: bool) -> None:
    need = needs_preflight(Request(PAGE, API, "GET", SAFE_8x128 + extra))
    assert need.needed is needed
    if needed:
        assert len(need.unsafe_headers) == 9
        assert "1024" in need.reasons[0]


def test_preflight_request_is_exact() -> None:
    request = Request(PAGE, API, "patch", (("X-Zeta", "1"), ("Content-Type", "application/json")))
    outgoing = preflight_request(request)
    assert outgoing is not None
    assert outgoing.method == "OPTIONS"
    assert dict(outgoing.headers) == {
        "Accept": "*/*",
        "Origin": PAGE,
        "Access-Control-Request-Method": "patch",
        "Access-Control-Request-Headers": "content-type,x-zeta",
    }
    assert not outgoing.credentials
    assert preflight_request(Request(PAGE, API)) is None


@pytest.mark.parametrize(
    ("method", "headers"),
    [("TRACE", ()), ("connect", ()), ("BAD METHOD", ()), ("GET", (("Bad Name", "1"),)),
     ("GET", (("X", "a\nb"),))],
)  # fmt: skip
def test_fetch_refuses(method: str, headers: tuple[tuple[str, str], ...]) -> None:
    with pytest.raises(RequestError):
        needs_preflight(Request(PAGE, API, method, headers))
    verdict = evaluate(Request(PAGE, API, method, headers))
    assert not verdict.resolves
    assert verdict.failed is not None and verdict.failed.id == "request.valid"
    assert verdict.fix is not None and verdict.fix.kind == "request"
    assert verdict.sent == ()


# The CORS check on the actual response: (ACAO fields, credentials, ACAC fields, allowed).
CORS_CHECK = [
    ((), "omit", (), False),
    (((ACAO, PAGE),), "omit", (), True),
    (((ACAO, "*"),), "omit", (), True),
    (((ACAO, "*"),), "same-origin", (), True),
    (((ACAO, "*"),), "include", ((ACAC, "true"),), False),
    (((ACAO, PAGE),), "include", ((ACAC, "true"),), True),
    (((ACAO, PAGE),), "include", ((ACAC, "True"),), False),
    (((ACAO, PAGE),), "include", (), False),
    (((ACAO, PAGE),), "omit", ((ACAC, "nonsense"),), True),
    (((ACAO, PAGE.upper()),), "omit", (), False),
    (((ACAO, PAGE + "/"),), "omit", (), False),
    (((ACAO, f"{PAGE}, https://b.test"),), "omit", (), False),
    (((ACAO, PAGE), (ACAO, PAGE)), "omit", (), False),
    (((ACAO, "null"),), "omit", (), False),
    (((ACAO, f"  {PAGE} "),), "omit", (), True),
    (((ACAO, "https://app.example.com:443"),), "omit", (), False),
]


@pytest.mark.parametrize(("acao", "credentials", "acac", "allowed"), CORS_CHECK)
def test_cors_check(
    acao: tuple[tuple[str, str], ...],
    credentials: str,
    acac: tuple[tuple[str, str], ...],
    allowed: bool,
) -> None:
    verdict = evaluate(
        Request(PAGE, API, credentials=credentials),  # type: ignore[arg-type]
        None,
        Response(200, acao + acac),
    )
    assert verdict.allowed is allowed
    assert not verdict.preflight.needed
    if not allowed:
        failed = verdict.failed
        assert failed is not None and failed.step == "response"
        fix = verdict.fix
        assert fix is not None and fix.kind == "header"
        # Applying the fix makes it pass.
        fixed = [(n, v) for n, v in acao + acac if n.lower() != fix.header.lower()]  # type: ignore[union-attr]
        fixed.append((fix.header, fix.value))  # type: ignore[arg-type]
        again = evaluate(
            Request(PAGE, API, credentials=credentials), None, Response(200, tuple(fixed))
        )  # type: ignore[arg-type]
        assert again.allowed or again.fix != fix


# The preflight: (method, headers, credentials, preflight response, failing check or None).
OK = ((ACAO, PAGE),)
OKC = ((ACAO, PAGE), (ACAC, "true"))
PREFLIGHT = [
    ("PUT", (), "omit", R(204, *OK, (ACAM, "PUT")), None),
    ("PUT", (), "omit", R(204, *OK), "allow-methods"),
    ("PUT", (), "omit", R(204, *OK, (ACAM, "put")), "allow-methods"),
    ("patch", (), "omit", R(204, *OK, (ACAM, "PATCH")), "allow-methods"),
    ("patch", (), "omit", R(204, *OK, (ACAM, "patch")), None),
    ("delete", (), "omit", R(204, *OK, (ACAM, "DELETE")), None),
    ("PUT", (), "omit", R(204, *OK, (ACAM, "*")), None),
    ("PUT", (), "include", R(204, *OKC, (ACAM, "*")), "allow-methods"),
    ("PUT", (), "include", R(204, *OKC, (ACAM, "PUT")), None),
    ("PUT", (), "omit", R(204, *OK, (ACAM, "PUT PATCH")), "allow-methods"),
    ("PUT", (), "omit", R(204, *OK, (ACAM, "GET"), (ACAM, "PUT")), None),
    ("PUT", (), "omit", R(204, *OK, (ACAM, "PUT,,")), None),
    ("PUT", (), "omit", R(299, *OK, (ACAM, "PUT")), None),
    ("PUT", (), "omit", R(300, *OK, (ACAM, "PUT")), "status"),
    ("PUT", (), "omit", R(302, *OK, (ACAM, "PUT"), ("Location", "/x")), "status"),
    ("PUT", (), "omit", R(403, *OK, (ACAM, "PUT")), "status"),
    ("PUT", (), "omit", R(500, *OK, (ACAM, "PUT")), "status"),
    ("PUT", (), "omit", R(204, (ACAM, "PUT")), "allow-origin"),
    ("PUT", (), "include", R(204, *OK, (ACAM, "PUT")), "allow-credentials"),
    ("PUT", (), "include", R(204, (ACAO, "*"), (ACAC, "true"), (ACAM, "PUT")), "allow-origin"),
    ("GET", (("X-A", "1"),), "omit", R(204, *OK), "allow-headers"),
    ("GET", (("X-A", "1"),), "omit", R(204, *OK, (ACAH, "X-A")), None),
    ("GET", (("X-A", "1"),), "omit", R(204, *OK, (ACAH, "*")), None),
    ("GET", (("X-A", "1"),), "include", R(204, *OKC, (ACAH, "*")), "allow-headers"),
    ("GET", (("X-A", "1"),), "include", R(204, *OKC, (ACAH, "*, x-a")), None),
    ("GET", (("X-A", "1"),), "omit", R(204, *OK, (ACAH, "x-a;x-b")), "allow-headers"),
    ("GET", (("Authorization", "t"),), "omit", R(204, *OK, (ACAH, "authorization")), None),
    # Chromium 156 lets `*` cover Authorization without credentials (the standard does not).
    ("GET", (("Authorization", "t"),), "omit", R(204, *OK, (ACAH, "*")), None),
    ("GET", (("Authorization", "t"),), "include", R(204, *OKC, (ACAH, "*")), "allow-headers"),
    ("GET", (("Cookie", "t"),), "omit", R(204), None),  # dropped: no preflight at all
]


@pytest.mark.parametrize(("method", "headers", "credentials", "preflight", "failing"), PREFLIGHT)
def test_preflight_check(
    method: str,
    headers: tuple[tuple[str, str], ...],
    credentials: str,
    preflight: Response,
    failing: str | None,
) -> None:
    request = Request(PAGE, API, method, headers, credentials)  # type: ignore[arg-type]
    actual = R(200, *OKC)
    verdict = evaluate(request, preflight, actual)
    if failing is None:
        assert verdict.allowed, verdict.failed
    else:
        assert not verdict.allowed
        assert verdict.failed is not None
        assert verdict.failed.id == f"preflight.{failing}"
        assert verdict.preflight.outcome == "failed"
        assert verdict.fix is not None
        assert [o.kind for o in verdict.sent] == ["preflight"]


def test_method_fix_keeps_exact_case() -> None:
    verdict = evaluate(Request(PAGE, API, "patch"), R(204, *OK, (ACAM, "GET, PATCH")), R(200, *OK))
    assert verdict.fix is not None
    assert verdict.fix.line == "Access-Control-Allow-Methods: GET, PATCH, patch"
    assert "'PATCH'" in verdict.fix.text


def test_authorization_wildcard_is_noted() -> None:
    verdict = evaluate(
        Request(PAGE, API, "GET", (("Authorization", "t"),)), R(204, *OK, (ACAH, "*")), R(200, *OK)
    )
    assert verdict.allowed
    assert any("Firefox" in n and "Authorization" in n for n in verdict.notes)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(None, 5), ("600", 600), ("7200", 7200), ("86400", 7200), ("-1", 0), ("abc", 5), ("1.5", 5)],
)
def test_preflight_cache_seconds(value: str | None, seconds: int) -> None:
    headers = () if value is None else (("Access-Control-Max-Age", value),)
    assert preflight_cache_seconds(Response(204, headers)) == seconds


@pytest.mark.parametrize(
    ("expose", "credentials", "readable"),
    [
        (None, "omit", {"cache-control", "content-type"}),
        ("X-Secret", "omit", {"cache-control", "content-type", "x-secret"}),
        ("x-secret, set-cookie", "include", {"cache-control", "content-type", "x-secret"}),
        ("*", "omit", {"cache-control", "content-type", "x-secret", "x-other",
                       "access-control-allow-origin", "access-control-expose-headers"}),
        ("*", "include", {"cache-control", "content-type"}),
        ("x secret, x-other", "omit", {"cache-control", "content-type"}),
    ],
)  # fmt: skip
def test_readable_headers(expose: str | None, credentials: str, readable: set[str]) -> None:
    headers = [(ACAO, PAGE), ("Content-Type", "text/plain"), ("Cache-Control", "no-store"),
               ("X-Secret", "s"), ("X-Other", "o"), ("Set-Cookie", "a=b")]  # fmt: skip
    if expose is not None:
        headers.append(("Access-Control-Expose-Headers", expose))
    assert set(readable_headers(Response(200, tuple(headers)), credentials)) == readable  # type: ignore[arg-type]


# Redirects of the actual request: hops as (url, response) and the expected outcome.
B = "https://b.test/1"
C = "https://c.test/2"


@pytest.mark.parametrize(
    ("url", "responses", "allowed", "origin_at_end"),
    [
        # A -> B -> C: origin becomes null; C must answer null or *.
        (B, [R(302, *OK, ("Location", C)), R(200, *OK)], False, "null"),
        (B, [R(302, *OK, ("Location", C)), R(200, (ACAO, "null"))], True, "null"),
        (B, [R(302, *OK, ("Location", C)), R(200, (ACAO, "*"))], True, "null"),
        # A -> B -> B keeps the page's origin.
        (B, [R(307, *OK, ("Location", "/other")), R(200, *OK)], True, PAGE),
        # A -> B -> A becomes null too.
        (B, [R(302, *OK, ("Location", PAGE + "/x")), R(200, *OK)], False, "null"),
        # A -> A -> B keeps A.
        (PAGE + "/start", [R(302, ("Location", B)), R(200, *OK)], True, PAGE),
        # The redirect response itself needs Access-Control-Allow-Origin.
        (B, [R(302, ("Location", "/x")), R(200, *OK)], False, PAGE),
        # Bad locations.
        (B, [R(302, *OK, ("Location", "ftp://c.test/")), R(200, *OK)], False, PAGE),
        (B, [R(302, *OK, ("Location", "https://u:p@c.test/")), R(200, *OK)], False, PAGE),
        # 300 is not a redirect status, nor is a 302 without Location.
        (B, [R(300, *OK, ("Location", C))], True, PAGE),
        (B, [R(302, *OK)], True, PAGE),
    ],
)
def test_redirects(url: str, responses: list[Response], allowed: bool, origin_at_end: str) -> None:
    verdict = evaluate(Request(PAGE, url), None, responses)
    assert verdict.allowed is allowed, verdict.failed
    assert verdict.effective_origin == origin_at_end


def test_redirect_limit() -> None:
    chain = [R(302, *OK, ("Location", f"/{i}")) for i in range(21)]
    assert evaluate(Request(PAGE, B), None, [*chain[:20], R(200, *OK)]).allowed
    verdict = evaluate(Request(PAGE, B), None, [*chain, R(200, *OK)])
    assert not verdict.allowed and verdict.failed is not None
    assert "20" in verdict.failed.reason


@pytest.mark.parametrize(
    ("method", "status", "next_method", "preflights"),
    [
        ("POST", 301, "GET", 1),
        ("POST", 302, "GET", 1),
        ("POST", 303, "GET", 1),
        ("POST", 307, "POST", 2),
        ("PUT", 301, "PUT", 2),
        ("PUT", 303, "GET", 1),
        ("PUT", 308, "PUT", 2),
    ],
)
def test_redirect_method_change(
    method: str, status: int, next_method: str, preflights: int
) -> None:
    request = Request(PAGE, B, method, (("Content-Type", "application/json"),))
    allow = R(204, *OK, (ACAM, "PUT, POST"), (ACAH, "content-type"))
    verdict = evaluate(request, [allow, allow], [R(status, *OK, ("Location", "/2")), R(200, *OK)])
    assert verdict.allowed
    assert verdict.final_method == next_method
    assert [o.kind for o in verdict.sent].count("preflight") == preflights


def test_authorization_dropped_on_cross_origin_redirect() -> None:
    request = Request(PAGE, B, "GET", (("Authorization", "t"),))
    verdict = evaluate(
        request,
        R(204, *OK, (ACAH, "authorization")),
        [R(302, *OK, ("Location", C)), R(200, (ACAO, "*"))],
    )
    assert verdict.allowed
    last = verdict.sent[-1]
    assert last.url == C and last.header("authorization") is None
    assert last.header("origin") == "null"


def test_same_origin_and_no_cors() -> None:
    same = evaluate(Request(PAGE, PAGE + "/x", "PUT", (("X-A", "1"),)), None, R(200, ("X-A", "1")))
    assert same.allowed and not same.preflight.needed and not same.cross_origin
    assert "x-a" in same.readable_headers
    opaque = evaluate(Request(PAGE, API, "POST", (("X-A", "1"),), mode="no-cors"), None, R(200))
    assert opaque.resolves and not opaque.allowed and opaque.outcome == "opaque"
    assert opaque.dropped_headers == ("X-A",)


def test_incomplete_without_responses() -> None:
    verdict = evaluate(Request(PAGE, API, "PUT"), R(204, *OK, (ACAM, "PUT")), None)
    assert not verdict.allowed and not verdict.complete
    assert verdict.outcome == "incomplete"
    assert verdict.preflight.outcome == "passed"
    assert verdict.preflight.cache_seconds == 5


@pytest.mark.parametrize("credentials", [True, False])
def test_can_read_entry_point(credentials: bool) -> None:
    reflect = R(200, (ACAO, "https://evil.test"), (ACAC, "true"), ("X-Token", "t"),
                ("Access-Control-Expose-Headers", "X-Token"))  # fmt: skip
    verdict = can_read("https://evil.test", API, credentials=credentials, response=reflect)
    assert verdict.allowed
    assert "x-token" in verdict.readable_headers
    star = R(200, (ACAO, "*"))
    assert can_read("https://evil.test", API, credentials=credentials, response=star).allowed is (
        not credentials
    )
    needs = can_read("https://evil.test", API, "PUT", credentials=credentials, response=reflect)
    assert not needs.allowed and needs.preflight.needed and not needs.complete
