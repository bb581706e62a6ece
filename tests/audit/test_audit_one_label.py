"""`corsguard audit --origin https://+.example.test` (issue #13): the one-label pattern is
probed one and two labels deep against the real Starlette CORSMiddleware (in process)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from corsguard.audit.model import (
    Exchange,
    ProbeRequest,
    ProbeResponse,
    Target,
    analyse,
    build_trust,
    next_probes,
    parse_trusted,
)

URL = "https://api.example.test/data"


def starlette_server(regex: str) -> Callable[[ProbeRequest], ProbeResponse]:
    async def data(request: object) -> PlainTextResponse:
        return PlainTextResponse("secret")

    app = Starlette(routes=[Route("/data", data, methods=["GET", "OPTIONS"])])
    app.add_middleware(CORSMiddleware, allow_origin_regex=regex, allow_credentials=True)
    client = TestClient(app, base_url="https://api.example.test")

    def server(probe: ProbeRequest) -> ProbeResponse:
        response = client.request(probe.method, "/data", headers=dict(probe.all_headers))
        return ProbeResponse.keep_cors(response.status_code, list(response.headers.items()))

    return server


def audit(regex: str, told: str) -> tuple[dict[str, str], list[str]]:
    """(finding id -> the origin it was seen from, every origin sent)."""
    target = Target(URL, build_trust(URL, parse_trusted([told])))
    server = starlette_server(regex)
    exchanges: list[Exchange] = []
    while wave := next_probes(target, exchanges):
        exchanges += [Exchange(probe, server(probe)) for probe in wave]
    report = analyse(target, exchanges)
    return {f.id: f.origin for f in report.findings}, [e.request.origin for e in exchanges]


@pytest.mark.parametrize(
    ("regex", "told", "beyond_told"),
    [
        # The server trusts one label, as told: only the told pattern's own (a subdomain
        # pattern is any-subdomain-trusted on purpose, issue #11), nothing beyond it.
        (r"https://[a-z0-9-]+\.example\.test", "https://+.example.test", False),
        # The server trusts any depth, told one label: the two-label probe shows it.
        (r"https://([a-z0-9-]+\.)+example\.test", "https://+.example.test", True),
        # Told any depth: the same server is what the user said.
        (r"https://([a-z0-9-]+\.)+example\.test", "https://*.example.test", False),
    ],
)
def test_told_one_label_is_probed_one_and_two_labels_deep(
    regex: str, told: str, beyond_told: bool
) -> None:
    found, sent = audit(regex, told)
    # The told pattern is granted in every case, so any-subdomain-trusted is reported; the
    # origin it is seen from says whether the server trusts more than it was told.
    origin = found["any-subdomain-trusted"]
    assert (not parse_trusted([told])[0].matches(origin)) is beyond_told, origin
    assert "https://corsguard-probe.example.test" in sent  # the told pattern's representative
    if told.startswith("https://+."):
        assert "https://corsguard-probe.corsguardprobe.example.test" in sent, sent
