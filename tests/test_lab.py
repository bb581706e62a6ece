"""The lab itself: it serves, lists its endpoints, and its private data needs the cookie."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from corsguard.findings import KINDS
from corsguard.lab import ENDPOINTS, SECRET, SESSION_COOKIE, SESSION_VALUE, RunningLab, start_lab


@pytest.fixture(scope="module")
def lab() -> Iterator[RunningLab]:
    with start_lab() as running:
        yield running


def fetch(url: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_catalogue_uses_known_finding_ids() -> None:
    paths = [endpoint.path for endpoint in ENDPOINTS]
    assert len(paths) == len(set(paths))
    for endpoint in ENDPOINTS:
        assert endpoint.findings <= set(KINDS), endpoint.path
        assert (endpoint.severity is None) == (not endpoint.findings)


def test_index_lists_every_endpoint(lab: RunningLab) -> None:
    status, _headers, body = fetch(lab.base_url + "/")
    assert status == 200
    listed = json.loads(body)
    assert listed["trusted_origin"] == lab.trusted_origin
    assert [e["path"] for e in listed["endpoints"]] == [e.path for e in lab.endpoints]


def test_every_endpoint_answers(lab: RunningLab) -> None:
    for url in lab.urls:
        status, headers, _body = fetch(url, Origin=lab.trusted_origin)
        assert status in (200, 401), url
        assert headers["content-type"] == "application/json"


def test_account_needs_the_session_cookie(lab: RunningLab) -> None:
    status, _headers, body = fetch(lab.url("/account"))
    assert status == 401 and SECRET.encode() not in body
    status, headers, body = fetch(
        lab.url("/account"),
        Origin="https://evil.attacker.test",
        Cookie=f"{SESSION_COOKIE}={SESSION_VALUE}",
    )
    assert status == 200 and json.loads(body)["secret"] == SECRET
    assert headers["access-control-allow-origin"] == "https://evil.attacker.test"


def test_login_sets_a_cross_site_cookie(lab: RunningLab) -> None:
    _status, headers, _body = fetch(lab.url("/login"))
    cookie = headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}={SESSION_VALUE}")
    assert "SameSite=None" in cookie and "Secure" in cookie


def test_unknown_path_is_404(lab: RunningLab) -> None:
    assert fetch(lab.url("/nope"))[0] == 404


def test_keep_alive_serves_several_requests_on_one_connection(lab: RunningLab) -> None:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", lab.port, timeout=5)
    try:
        for path in ("/plain", "/wildcard", "/reflect"):
            connection.request("GET", path, headers={"Origin": lab.trusted_origin})
            response = connection.getresponse()
            assert json.loads(response.read())["endpoint"] == path
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("{base}/plain", 200),  # the lab's own URL, answered from its own handler
        ("http://127.0.0.1:9/plain", 403),  # another host: refused, never fetched
        ("http://evil.attacker.test/", 403),
        ("not-a-url", 400),
    ],
)
def test_the_lab_proxy_answers_only_its_own_urls(lab: RunningLab, target: str, status: int) -> None:
    url = lab.url("/proxy/" + target.format(base=lab.base_url))
    got, headers, _body = fetch(url, Origin="https://evil.attacker.test")
    assert got == status
    assert (headers.get("access-control-allow-origin") == "*") == (status == 200)
