"""Differential cases for the browser model: one fetch() per case, answered per hop.

A case is the request a page's script makes (method, headers, credentials, mode) and, for
each hop of a redirect chain, how the server answers the preflight and the actual request.
`respond()` is the one definition of those answers: the differential server
(tests/model/test_browser_chromium.py) calls it for real HTTP, and the model is driven with it
too, so Chromium and the model see byte-identical responses.

Hosts (all served by one server on one port): the page lives on page.example.test; fetch()
targets api.attacker.test (another site, so credentials matter); redirects may go to
other.attacker.test, back to the page's origin, or stay on api.

Templates in header values: ``{origin}`` is the page's origin, ``{port}`` the port,
``{acrm}``/``{acrh}`` echo the preflight's Access-Control-Request-Method/-Headers, and a
Location of ``@alias:hop`` is the URL of that hop of the same case on that host.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from corsguard.browser import Request, Response

HOSTS = {
    "page": "page.example.test",
    "api": "api.attacker.test",
    "other": "other.attacker.test",
}

H = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: H = ()


@dataclass(frozen=True)
class Hop:
    host: str = "api"
    preflight: Answer = Answer(204)
    actual: Answer = Answer(200)


@dataclass(frozen=True)
class Case:
    id: int
    label: str
    method: str = "GET"
    headers: H = ()
    credentials: str = "omit"
    mode: str = "cors"
    hops: tuple[Hop, ...] = (Hop(),)
    check_headers: bool = False  # compare the readable header names too


@dataclass
class World:
    """Where a run's cases live: the port and a per-run path prefix (no preflight cache hits)."""

    port: int
    run: str
    cases: dict[int, Case] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://{HOSTS['page']}:{self.port}"

    def url(self, case: Case, hop: int) -> str:
        host = HOSTS[case.hops[hop].host if hop < len(case.hops) else "api"]
        return f"http://{host}:{self.port}/c/{self.run}/{case.id}/{hop}"

    def request(self, case: Case) -> Request:
        return Request(
            self.origin,
            self.url(case, 0),
            case.method,
            case.headers,
            case.credentials,  # type: ignore[arg-type]
            case.mode,  # type: ignore[arg-type]
        )

    def fill(self, case: Case, value: str, request_headers: Mapping[str, str]) -> str:
        if value.startswith("@"):
            alias, _, hop = value[1:].partition(":")
            host = HOSTS[alias]
            return f"http://{host}:{self.port}/c/{self.run}/{case.id}/{hop}"
        return (
            value.replace("{origin}", self.origin)
            .replace("{port}", str(self.port))
            .replace("{run}", self.run)
            .replace("{id}", str(case.id))
            .replace("{acrm}", request_headers.get("access-control-request-method", ""))
            .replace("{acrh}", request_headers.get("access-control-request-headers", ""))
        )

    def respond(
        self, case: Case, hop: int, method: str, request_headers: Mapping[str, str]
    ) -> tuple[int, list[tuple[str, str]]]:
        """The status and headers the server sends (request_headers: lowercase names)."""
        if hop >= len(case.hops):
            return 404, [("Content-Type", "text/plain")]
        step = case.hops[hop]
        preflight = method == "OPTIONS" and "access-control-request-method" in request_headers
        answer = step.preflight if preflight else step.actual
        headers = [(n, self.fill(case, v, request_headers)) for n, v in answer.headers]
        headers.append(("Content-Type", "text/plain"))
        if answer.status not in (204, 304):
            headers.append(("Content-Length", "0" if method == "HEAD" else "2"))
        return answer.status, [*headers, ("Connection", "close")]

    def responder(self, case: Case):  # type: ignore[no-untyped-def]
        """An answer function for corsguard.browser.run, mirroring the server."""

        def answer(outgoing):  # type: ignore[no-untyped-def]
            hop = int(outgoing.url.rsplit("/", 1)[1])
            headers = {n.lower(): v for n, v in outgoing.headers}
            status, fields = self.respond(case, hop, outgoing.method, headers)
            return Response(status, tuple(fields))

        return answer


# --- Building blocks -------------------------------------------------------------------

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"

OK_ORIGIN: H = ((ACAO, "{origin}"),)
OK_CRED: H = ((ACAO, "{origin}"), (ACAC, "true"))
ECHO: H = ((ACAO, "{origin}"), (ACAC, "true"), (ACAM, "{acrm}"), (ACAH, "{acrh}"))

# Every Access-Control-Allow-Origin shape: (label, header fields).
ORIGIN_SHAPES: list[tuple[str, H]] = [
    ("missing", ()),
    ("exact", ((ACAO, "{origin}"),)),
    ("star", ((ACAO, "*"),)),
    ("upper", ((ACAO, "HTTP://PAGE.EXAMPLE.TEST:{port}"),)),
    ("host-case", ((ACAO, "http://Page.example.test:{port}"),)),
    ("slash", ((ACAO, "{origin}/"),)),
    ("path", ((ACAO, "{origin}/app"),)),
    ("list-comma", ((ACAO, "{origin}, http://x.example.test"),)),
    ("list-space", ((ACAO, "{origin} http://x.example.test"),)),
    ("duplicated", ((ACAO, "{origin}"), (ACAO, "{origin}"))),
    ("dup-star", ((ACAO, "*"), (ACAO, "{origin}"))),
    ("null", ((ACAO, "null"),)),
    ("padded", ((ACAO, "  {origin}  "),)),
    ("no-port", ((ACAO, "http://page.example.test"),)),
    ("https", ((ACAO, "https://page.example.test:{port}"),)),
    ("empty", ((ACAO, ""),)),
    ("other", ((ACAO, "http://other.attacker.test:{port}"),)),
]
CRED_SHAPES: list[tuple[str, str, H]] = [
    ("omit", "omit", ()),
    ("same-origin", "same-origin", ()),
    ("include", "include", ()),
    ("include+true", "include", ((ACAC, "true"),)),
    ("include+True", "include", ((ACAC, "True"),)),
    ("include+dup", "include", ((ACAC, "true"), (ACAC, "true"))),
]

METHODS = [
    "get",
    "post",
    "put",
    "PUT",
    "delete",
    "patch",
    "PATCH",
    "Patch",
    "FOO",
    "foo",
    "options",
]
METHOD_LISTS: list[tuple[str, H]] = [
    ("missing", ()),
    ("upper", ((ACAM, "GET, PUT, PATCH, DELETE, FOO, OPTIONS"),)),
    ("lower", ((ACAM, "get, put, patch, delete, foo, options"),)),
    ("star", ((ACAM, "*"),)),
    ("echo", ((ACAM, "{acrm}"),)),
    ("unparsable", ((ACAM, "PUT PATCH"),)),
    ("dup-fields", ((ACAM, "PUT, patch"), (ACAM, "PATCH, DELETE, foo, FOO"))),
    ("trailing-comma", ((ACAM, "PUT,PATCH,patch,DELETE,FOO,foo,OPTIONS,,"),)),
]

# (label, script headers) for header kinds; the preflight answers with ACAO but no ACAH,
# so any preflighted header blocks and the server log shows Access-Control-Request-Headers.
L128 = "a" * 128
# Chromium's safelisted names, each at 128 bytes: 8 x 128 = 1024 is still safelisted.
TOTAL_1024: H = (
    ("Accept", L128),
    ("Intervention", L128),
    ("Accept-Language", "a" * 128),
    ("Content-Language", "b" * 128),
    ("Content-Type", "text/plain;a=" + "c" * 115),
    ("DPR", "1" * 128),
    ("Device-Memory", "2" * 128),
    ("Width", "3" * 128),
)
HEADER_KINDS: list[tuple[str, H]] = [
    ("accept-json", (("Accept", "application/json"),)),
    ("accept-quote", (("Accept", 'text/html; q="1"'),)),
    ("accept-paren", (("Accept", "text/(html)"),)),
    ("accept-128", (("Accept", L128),)),
    ("accept-129", (("Accept", L128 + "a"),)),
    ("accept-lang-good", (("Accept-Language", "en-US,en;q=0.9"),)),
    ("accept-lang-underscore", (("Accept-Language", "en_US"),)),
    ("accept-lang-slash", (("Accept-Language", "de/DE"),)),
    ("content-lang-good", (("Content-Language", "de-DE, en"),)),
    ("content-lang-bad", (("Content-Language", "de(DE)"),)),
    ("ct-text", (("Content-Type", "text/plain;charset=utf-8"),)),
    ("ct-text-upper", (("Content-Type", "TEXT/PLAIN"),)),
    ("ct-form", (("Content-Type", "application/x-www-form-urlencoded"),)),
    ("ct-multipart", (("Content-Type", "multipart/form-data; boundary=x"),)),
    ("ct-json", (("Content-Type", "application/json"),)),
    ("ct-text-space", (("Content-Type", "text/plain ; charset=utf-8"),)),
    ("ct-text-unsafe-byte", (("Content-Type", "text/plain; charset=(utf-8)"),)),
    ("ct-text-comma-json", (("Content-Type", "text/plain, application/json"),)),
    ("ct-garbage", (("Content-Type", "garbage"),)),
    ("range-open", (("Range", "bytes=0-"),)),
    ("range-closed", (("Range", "bytes=0-10"),)),
    ("range-suffix", (("Range", "bytes=-5"),)),
    ("range-multi", (("Range", "bytes=0-1,3-4"),)),
    ("range-caps", (("Range", "Bytes=0-5"),)),
    ("range-reversed", (("Range", "bytes=5-1"),)),
    ("range-space", (("Range", "bytes = 0-5"),)),
    ("x-custom", (("X-Custom", "1"),)),
    ("x-requested-with", (("X-Requested-With", "XMLHttpRequest"),)),
    ("authorization", (("Authorization", "Bearer t"),)),
    ("cache-control", (("Cache-Control", "no-cache"),)),
    (
        "two-unsafe-sorted",
        (("X-Zeta", "1"), ("x-alpha", "2"), ("Content-Type", "application/json")),
    ),
    ("dup-accept", (("Accept", "a/b"), ("accept", "c/d"))),
    ("forbidden-cookie", (("Cookie", "a=b"),)),
    ("forbidden-origin", (("Origin", "http://evil.test"),)),
    ("forbidden-referer", (("Referer", "http://evil.test/"),)),
    ("forbidden-host", (("Host", "evil.test"),)),
    ("forbidden-sec", (("Sec-Foo", "1"),)),
    ("forbidden-proxy", (("Proxy-Foo", "1"),)),
    ("forbidden-dnt", (("DNT", "1"),)),
    ("forbidden-content-length", (("Content-Length", "5"),)),
    ("forbidden-set-cookie", (("Set-Cookie", "a=b"),)),
    ("forbidden-keep-alive", (("Keep-Alive", "5"),)),
    ("forbidden-acrm", (("Access-Control-Request-Method", "PUT"),)),
    ("forbidden-acr-pna", (("Access-Control-Request-Private-Network", "true"),)),
    ("user-agent", (("User-Agent", "x"),)),
    ("override-trace", (("X-HTTP-Method-Override", "TRACE"),)),
    ("override-put", (("X-HTTP-Method-Override", "PUT"),)),
    ("override-list", (("X-Method-Override", "GET, track"),)),
    ("forbidden-plus-unsafe", (("Cookie", "a=b"), ("X-Custom", "1"))),
    ("hint-dpr", (("DPR", "2"),)),
    ("hint-dpr-float", (("dpr", "2.5"),)),
    ("hint-dpr-bad", (("dpr", "two"),)),
    ("hint-width", (("Width", "100"),)),
    ("hint-width-float", (("Width", "1.5"),)),
    ("hint-viewport-width", (("Viewport-Width", "800"),)),
    ("hint-device-memory", (("Device-Memory", "8"),)),
    ("hint-save-data-on", (("Save-Data", "on"),)),
    ("hint-save-data-off", (("Save-Data", "off"),)),
    ("hint-rtt", (("RTT", "50"),)),
    ("hint-downlink-text", (("Downlink", "fast"),)),
    ("hint-ect", (("ECT", "4g"),)),
    ("intervention", (("Intervention", "x"),)),
    # Chromium: no more than 1024 bytes of safelisted values (8 x 128 is exactly 1024).
    ("total-1024", TOTAL_1024),
    ("total-1025", (*TOTAL_1024, ("Viewport-Width", "1"))),
    ("total-1025-range", (*TOTAL_1024, ("Range", "bytes=0-"))),
    ("hint-ect-5g", (("ECT", "5g"),)),
    ("hint-ect-word", (("ECT", "fast"),)),
    ("hint-ect-upper", (("ECT", "4G"),)),
    ("hint-rtt-float", (("RTT", "1.5"),)),
    ("hint-downlink-float", (("Downlink", "1.5"),)),
    ("hint-save-data-upper", (("Save-Data", "ON"),)),
    ("hint-dpr-129", (("DPR", "1" * 129),)),
    ("forbidden-accept-charset", (("Accept-Charset", "utf-8"),)),
    ("forbidden-accept-encoding", (("Accept-Encoding", "gzip"),)),
    ("forbidden-date", (("Date", "x"),)),
    ("forbidden-via", (("Via", "x"),)),
    ("forbidden-expect", (("Expect", "x"),)),
    ("forbidden-te", (("TE", "x"),)),
    ("forbidden-upgrade", (("Upgrade", "x"),)),
    ("forbidden-connection", (("Connection", "close"),)),
    ("forbidden-trailer", (("Trailer", "x"),)),
    ("forbidden-cookie2", (("Cookie2", "x"),)),
    ("value-trimmed", (("X-Custom", "  padded  "),)),
]

HEADER_LISTS: list[tuple[str, H]] = [
    ("missing", ()),
    ("star", ((ACAH, "*"),)),
    ("star-auth", ((ACAH, "*, Authorization"),)),
    ("auth", ((ACAH, "authorization"),)),
    ("upper", ((ACAH, "X-CUSTOM, AUTHORIZATION"),)),
    ("exact", ((ACAH, "x-custom,authorization"),)),
    ("other", ((ACAH, "x-other"),)),
    ("unparsable", ((ACAH, "x-custom x-other"),)),
    ("semicolon", ((ACAH, "x-custom;authorization"),)),
    ("dup-fields", ((ACAH, "x-custom"), (ACAH, "authorization"))),
    ("padded", ((ACAH, " x-custom , authorization , "),)),
]


def _with(base: H, *more: H) -> H:
    out = list(base)
    for extra in more:
        out.extend(extra)
    return tuple(out)


def build_cases() -> list[Case]:
    cases: list[Case] = []
    counter = itertools.count(1)

    def add(label: str, **kw: object) -> None:
        cases.append(Case(next(counter), label, **kw))  # type: ignore[arg-type]

    # A. Allow-Origin x credentials on a simple GET (no preflight).
    for (olabel, ofields), (clabel, cred, cfields) in itertools.product(ORIGIN_SHAPES, CRED_SHAPES):
        common = olabel in ("exact", "star", "missing", "null")
        if not common and clabel.startswith("include+") and clabel != "include+true":
            continue
        add(
            f"acao:{olabel}/{clabel}",
            credentials=cred,
            hops=(Hop(actual=Answer(200, _with(ofields, cfields))),),
        )
    # A2. Same shapes on the preflight of a PUT (the actual response always passes).
    for (olabel, ofields), cred in itertools.product(ORIGIN_SHAPES, ["omit", "include"]):
        cfields: H = ((ACAC, "true"),) if cred == "include" else ()
        add(
            f"preflight-acao:{olabel}/{cred}",
            method="PUT",
            credentials=cred,
            hops=(
                Hop(
                    preflight=Answer(204, _with(ofields, cfields, ((ACAM, "PUT"),))),
                    actual=Answer(200, OK_CRED),
                ),
            ),
        )
    # A3. Allow-Credentials shapes on the preflight with credentials.
    for label, value in [("true", "true"), ("True", "True"), ("missing", None), ("false", "false"),
                         ("padded", " true "), ("1", "1")]:  # fmt: skip
        fields: H = ((ACAO, "{origin}"), (ACAM, "PUT"))
        if value is not None:
            fields = (*fields, (ACAC, value))
        add(
            f"preflight-acac:{label}",
            method="PUT",
            credentials="include",
            hops=(Hop(preflight=Answer(204, fields), actual=Answer(200, OK_CRED)),),
        )
    # B. Methods x Allow-Methods shapes (credentials omitted), plus credentials for a few.
    for method, (mlabel, mfields) in itertools.product(METHODS, METHOD_LISTS):
        add(
            f"method:{method}/{mlabel}",
            method=method,
            hops=(
                Hop(
                    preflight=Answer(204, _with(OK_ORIGIN, mfields)), actual=Answer(200, OK_ORIGIN)
                ),
            ),
        )
    for method, (mlabel, mfields) in itertools.product(
        ["PUT", "patch", "DELETE"], [m for m in METHOD_LISTS if m[0] in ("star", "upper", "echo")]
    ):
        add(
            f"method-cred:{method}/{mlabel}",
            method=method,
            credentials="include",
            hops=(
                Hop(preflight=Answer(204, _with(OK_CRED, mfields)), actual=Answer(200, OK_CRED)),
            ),
        )
    # C. Header kinds (preflight without Allow-Headers; the log shows what was sent).
    for hlabel, headers in HEADER_KINDS:
        add(
            f"header:{hlabel}",
            method="GET",
            headers=headers,
            hops=(Hop(preflight=Answer(204, OK_ORIGIN), actual=Answer(200, OK_ORIGIN)),),
        )
    # C2. A few header kinds with a preflight that echoes the request (all allowed).
    for hlabel, headers in HEADER_KINDS[::4]:
        add(
            f"header-echo:{hlabel}",
            method="POST",
            headers=headers,
            credentials="include",
            hops=(Hop(preflight=Answer(204, ECHO), actual=Answer(200, OK_CRED)),),
        )
    # C3. Allow-Headers shapes x {X-Custom, Authorization, both} x credentials.
    requests: list[tuple[str, H]] = [
        ("x-custom", (("X-Custom", "1"),)),
        ("auth", (("Authorization", "Bearer t"),)),
        ("both", (("X-Custom", "1"), ("Authorization", "Bearer t"))),
    ]
    for (rlabel, headers), (hl, hfields), cred in itertools.product(
        requests, HEADER_LISTS, ["omit", "include"]
    ):
        base = OK_CRED if cred == "include" else OK_ORIGIN
        add(
            f"acah:{rlabel}/{hl}/{cred}",
            headers=headers,
            credentials=cred,
            hops=(Hop(preflight=Answer(204, _with(base, hfields)), actual=Answer(200, base)),),
        )
    # D. Preflight statuses (the headers would pass).
    for status in (200, 204, 206, 299, 300, 301, 302, 303, 307, 308, 304, 400, 401, 403, 404, 500):
        fields = _with(OK_ORIGIN, ((ACAM, "PUT"),))
        if 300 <= status < 400 and status != 300 and status != 304:
            fields = _with(fields, (("Location", "@api:1"),))
        add(
            f"preflight-status:{status}",
            method="PUT",
            hops=(
                Hop(preflight=Answer(status, fields), actual=Answer(200, OK_ORIGIN)),
                Hop(
                    preflight=Answer(204, _with(OK_ORIGIN, ((ACAM, "PUT"),))),
                    actual=Answer(200, OK_ORIGIN),
                ),
            ),
        )
    # E. Actual statuses: CORS applies to errors too.
    for status, fields in [(404, OK_ORIGIN), (500, OK_ORIGIN), (500, ()), (201, OK_ORIGIN),
                           (300, _with(OK_ORIGIN, (("Location", "@api:1"),)))]:  # fmt: skip
        add(
            f"actual-status:{status}/{'acao' if fields else 'none'}",
            hops=(Hop(actual=Answer(status, fields)), Hop(actual=Answer(200, OK_ORIGIN))),
        )

    # F. Redirects of the actual request.
    def redirect(status: int, target: str, first: H = OK_ORIGIN) -> Answer:
        return Answer(status, _with(first, (("Location", target),)))

    for status in (301, 302, 303, 307, 308):
        # same-origin hop: origin stays the page's
        add(
            f"redir-same:{status}",
            hops=(Hop(actual=redirect(status, "@api:1")), Hop(actual=Answer(200, OK_ORIGIN))),
        )
    final_shapes: list[tuple[str, H]] = [
        ("origin", OK_ORIGIN),
        ("null", ((ACAO, "null"),)),
        ("star", ((ACAO, "*"),)),
        ("missing", ()),
    ]
    for shape, fields in final_shapes:
        for cred in ("omit", "include"):
            final = _with(fields, ((ACAC, "true"),)) if cred == "include" else fields
            first = OK_CRED if cred == "include" else OK_ORIGIN
            add(
                f"redir-cross:{shape}/{cred}",
                credentials=cred,
                hops=(
                    Hop(actual=redirect(302, "@other:1", first)),
                    Hop(host="other", actual=Answer(200, final)),
                ),
            )
            add(
                f"redir-back-to-page:{shape}/{cred}",
                credentials=cred,
                hops=(
                    Hop(actual=redirect(307, "@page:1", first)),
                    Hop(host="page", actual=Answer(200, final)),
                ),
            )
            add(
                f"redir-api-api-other:{shape}/{cred}",
                credentials=cred,
                hops=(
                    Hop(actual=redirect(302, "@api:1", first)),
                    Hop(actual=redirect(302, "@other:2", first)),
                    Hop(host="other", actual=Answer(200, final)),
                ),
            )
            add(
                f"redir-from-page:{shape}/{cred}",
                credentials=cred,
                hops=(
                    Hop(host="page", actual=Answer(302, (("Location", "@api:1"),))),
                    Hop(actual=Answer(200, final)),
                ),
            )
    for shape, fields in [
        ("missing", ()),
        ("star", ((ACAO, "*"),)),
        ("wrong", ((ACAO, "http://x.test"),)),
    ]:
        add(
            f"redir-response-acao:{shape}",
            hops=(Hop(actual=redirect(302, "@api:1", fields)), Hop(actual=Answer(200, OK_ORIGIN))),
        )
    # Method changes and re-preflight after a redirect.
    json_ct: H = (("Content-Type", "application/json"),)
    allow_post = _with(OK_ORIGIN, ((ACAM, "POST, PUT"), (ACAH, "content-type")))
    for status in (301, 302, 303, 307, 308):
        for method in ("POST", "PUT"):
            for second in ("allows", "refuses"):
                pf = Answer(204, allow_post if second == "allows" else OK_ORIGIN)
                add(
                    f"redir-method:{method}/{status}/{second}",
                    method=method,
                    headers=json_ct,
                    hops=(
                        Hop(preflight=Answer(204, allow_post), actual=redirect(status, "@api:1")),
                        Hop(preflight=pf, actual=Answer(200, OK_ORIGIN)),
                    ),
                )
    auth: H = (("Authorization", "Bearer t"),)
    allow_auth = _with(OK_ORIGIN, ((ACAH, "authorization"),))
    for target, host in (("@other:1", "other"), ("@api:1", "api")):
        for second in ("allows", "refuses"):
            final_pf = Answer(
                204, ((ACAO, "*"), (ACAH, "authorization") if second == "allows" else (ACAM, "GET"))
            )
            add(
                f"redir-auth:{host}/{second}",
                headers=auth,
                hops=(
                    Hop(preflight=Answer(204, allow_auth), actual=redirect(302, target)),
                    Hop(host=host, preflight=final_pf, actual=Answer(200, ((ACAO, "*"),))),
                ),
            )
    for second in ("allows", "refuses", "null-allows"):
        xh: H = (("X-Custom", "1"),)
        allow = _with(OK_ORIGIN, ((ACAH, "x-custom"),))
        pf2 = {
            "allows": Answer(204, _with(((ACAO, "null"),), ((ACAH, "x-custom"),))),
            "refuses": Answer(204, ((ACAO, "null"),)),
            "null-allows": Answer(204, ((ACAO, "null"), (ACAH, "X-Custom"))),
        }[second]
        add(
            f"redir-repreflight-cross:{second}",
            headers=xh,
            hops=(
                Hop(preflight=Answer(204, allow), actual=redirect(307, "@other:1")),
                Hop(host="other", preflight=pf2, actual=Answer(200, ((ACAO, "null"),))),
            ),
        )
        add(
            f"redir-repreflight-same:{second}",
            headers=xh,
            hops=(
                Hop(preflight=Answer(204, allow), actual=redirect(307, "@api:1")),
                Hop(
                    preflight=Answer(204, allow if second != "refuses" else OK_ORIGIN),
                    actual=Answer(200, OK_ORIGIN),
                ),
            ),
        )
    # Bad Locations and redirect limits.
    for label, location in [
        ("relative", "/c/{run}/{id}/1"),
        ("userinfo-cross", "http://u:p@other.attacker.test:{port}/c/{run}/{id}/1"),
        ("userinfo-same", "http://u:p@api.attacker.test:{port}/c/{run}/{id}/1"),
        ("ftp", "ftp://api.attacker.test/x"),
        ("data", "data:text/plain,hi"),
        ("invalid", "http://[::1/x"),
    ]:
        add(
            f"redir-location:{label}",
            hops=(
                Hop(actual=redirect(302, location, ((ACAO, "*"),))),
                Hop(actual=Answer(200, ((ACAO, "*"),))),
                Hop(host="other", actual=Answer(200, ((ACAO, "*"),))),
            ),
        )
    add("redir-no-location", hops=(Hop(actual=Answer(302, OK_ORIGIN)),))
    for count in (20, 21):
        chain = tuple(Hop(actual=redirect(302, f"@api:{i + 1}")) for i in range(count))
        add(f"redir-count:{count}", hops=(*chain, Hop(actual=Answer(200, OK_ORIGIN))))
    # G. no-cors mode.
    add("no-cors:get-no-acao", mode="no-cors", hops=(Hop(actual=Answer(200, ())),))
    add("no-cors:put", mode="no-cors", method="PUT", hops=(Hop(actual=Answer(200, OK_ORIGIN)),))
    add(
        "no-cors:custom-header",
        mode="no-cors",
        headers=(("X-Custom", "1"),),
        hops=(Hop(actual=Answer(200, ())),),
    )
    add(
        "no-cors:json",
        mode="no-cors",
        method="POST",
        headers=json_ct,
        hops=(Hop(actual=Answer(200, ())),),
    )
    # H. Readable headers.
    extra: H = (
        ("X-Secret", "s"),
        ("Set-Cookie", "a=b"),
        ("Cache-Control", "no-store"),
        ("X-Other", "o"),
        ("Last-Modified", "Tue, 01 Jan 2030 00:00:00 GMT"),
    )
    for label, fields in [
        ("none", ()),
        ("one", ((ACEH, "X-Secret"),)),
        ("star", ((ACEH, "*"),)),
        ("set-cookie", ((ACEH, "x-secret, Set-Cookie"),)),
        ("garbage", ((ACEH, "x secret, x-other"),)),
        ("dup", ((ACEH, "x-secret"), (ACEH, "x-other"))),
        ("star-and-name", ((ACEH, "*, x-other"),)),
    ]:
        for cred in ("omit", "include"):
            base = OK_CRED if cred == "include" else OK_ORIGIN
            add(
                f"expose:{label}/{cred}",
                credentials=cred,
                hops=(Hop(actual=Answer(200, _with(base, extra, fields))),),
                check_headers=True,
            )
    # I. Requests fetch() refuses.
    for method in ("TRACE", "connect", "BAD METHOD"):
        add(f"bad-method:{method}", method=method)
    add("bad-header-name", headers=(("Bad Header", "1"),))
    add("bad-header-value", headers=(("X-A", "a\nb"),))
    # J. Max-Age does not change the verdict but is parsed.
    for value in ("600", "-1", "abc", "100000"):
        add(
            f"max-age:{value}",
            method="PUT",
            hops=(
                Hop(
                    preflight=Answer(
                        204, _with(OK_ORIGIN, ((ACAM, "PUT"), ("Access-Control-Max-Age", value)))
                    ),
                    actual=Answer(200, OK_ORIGIN),
                ),
            ),
        )
    return cases


def request_log_key(method: str, hop: int, headers: Mapping[str, str]) -> tuple[str, ...]:
    """What the differential test compares for each request the server saw."""
    return (
        "preflight"
        if method == "OPTIONS" and "access-control-request-method" in headers
        else "actual",
        method,
        str(hop),
        headers.get("origin", "-"),
        headers.get("access-control-request-method", "-"),
        headers.get("access-control-request-headers", "-"),
    )


def js_case(world: World, case: Case) -> dict[str, object]:
    return {
        "id": case.id,
        "url": world.url(case, 0),
        "method": case.method,
        "headers": [list(h) for h in case.headers],
        "credentials": case.credentials,
        "mode": case.mode,
    }


def cases_by_label(cases: Sequence[Case]) -> dict[str, Case]:
    return {c.label: c for c in cases}


# --- A raw HTTP/1.1 server: byte-exact responses (h11 would refuse padded values) --------

PAGE = b"<!doctype html><meta charset=utf-8><title>corsguard differential page</title>"


def _handle(world: World, log: dict[int, list[tuple[str, ...]]], raw: bytes) -> bytes:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    path = target.split("?", 1)[0]
    parts = path.split("/")
    if path == "/page":
        status, fields, body = 200, [("Content-Type", "text/html")], PAGE
    elif len(parts) == 5 and parts[1] == "c" and parts[2] == world.run:
        case = world.cases[int(parts[3])]
        hop = int(parts[4])
        log.setdefault(case.id, []).append(request_log_key(method, hop, headers))
        status, fields = world.respond(case, hop, method, headers)
        body = b"ok"
    else:
        status, fields, body = 404, [("Content-Length", "0"), ("Connection", "close")], b""
    if status in (204, 304) or method == "HEAD":
        body = b""
    if body is PAGE:
        fields = [*fields, ("Content-Length", str(len(PAGE))), ("Connection", "close")]
    out = f"HTTP/1.1 {status} X\r\n" + "".join(f"{n}: {v}\r\n" for n, v in fields)
    out += "\r\n"
    return out.encode("latin-1") + body


def serve_world(world: World, log: dict[int, list[tuple[str, ...]]]):  # type: ignore[no-untyped-def]
    """Context manager: serve ``world`` on 127.0.0.1 (threaded, one request a connection)."""
    import contextlib
    import socketserver
    import threading

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock = self.request
            sock.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                data += chunk
            sock.sendall(_handle(world, log, data))

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    @contextlib.contextmanager
    def running():  # type: ignore[no-untyped-def]
        server = Server(("127.0.0.1", world.port), Handler)
        world.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield world.port
        finally:
            server.shutdown()
            server.server_close()

    return running()
