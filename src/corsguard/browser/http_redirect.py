"""Redirect rules: when a response redirects, where to, and what the next hop sends.

Fetch standard §4.5 "HTTP-redirect fetch" (https://fetch.spec.whatwg.org/#http-redirect-fetch)
as pure functions; :mod:`corsguard.browser.walk` applies them in its ``redirect`` step:

- :func:`is_redirect`: a "redirect status" with a Location (without one the response is
  final, as in the standard's "location URL" being null);
- :func:`resolve_location`: the location URL, and the network errors (step 5: it does not
  parse; step 6: not http(s); step 7: 20 redirects already; step 10: userinfo while the
  response tainting is "cors");
- :func:`redirected_method` and :func:`redirected_headers`: POST (or any non-GET/HEAD on 303)
  becomes GET without its request-body headers (step 12); Authorization is removed across
  origins (step 13);
- :func:`taints_origin`: whether the hop makes the request's "redirect-taint"
  (#concept-request-tainted-origin) other than "same-origin",
  after which the serialized origin, and so the Origin header, is ``null``.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from corsguard.browser.data import HTTP_WS, Headers, Response
from corsguard.browser.urls import split_url

# Fetch, "redirect status".
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 20  # Fetch, "HTTP-redirect fetch" step 7.
# Fetch, "request-body-header name": removed when a redirect turns the method into GET.
REQUEST_BODY_HEADERS = frozenset(
    {"content-encoding", "content-language", "content-location", "content-type"}
)


def is_redirect(response: Response) -> bool:
    """Whether the browser follows ``response`` (a redirect status with a Location)."""
    return response.status in REDIRECT_STATUSES and response.redirect_location is not None


def resolve_location(url: str, location: str, cors: bool, followed: int) -> tuple[str, str | None]:
    """(the URL a redirect from ``url`` leads to, why following it is a network error or None).

    ``cors``: the request's response tainting is "cors"; ``followed``: redirects so far.
    The URL is "" when ``location`` does not parse.
    """
    problem: str | None = None
    new_url = ""
    try:
        new_url = urljoin(url, location.strip(HTTP_WS))
        new_scheme = urlsplit(new_url).scheme.lower()
        if new_scheme not in ("http", "https"):
            problem = f"Location {location!r} is not an http(s) URL: a network error"
        else:
            _, _, _, userinfo = split_url(new_url)
            if userinfo and cors:
                problem = (
                    "Location carries a username or password, which a CORS request may not "
                    "follow: a network error"
                )
    except ValueError:
        problem = f"Location {location!r} is not a valid URL: a network error"
    if problem is None and followed + 1 > MAX_REDIRECTS:
        problem = f"more than {MAX_REDIRECTS} redirects: a network error"
    return new_url, problem


def redirected_method(status: int, method: str) -> str:
    """The next hop's method: 301/302 turn POST into GET, 303 anything but GET/HEAD."""
    if (status in (301, 302) and method == "POST") or (
        status == 303 and method not in ("GET", "HEAD")
    ):
        return "GET"
    return method


def redirected_headers(headers: Headers, method_changed: bool, crosses_origin: bool) -> Headers:
    """The script's headers on the next hop."""
    if method_changed:
        headers = tuple((n, v) for n, v in headers if n.lower() not in REQUEST_BODY_HEADERS)
    if crosses_origin:
        # Fetch, "HTTP-redirect fetch" step 13: Authorization is removed cross-origin.
        headers = tuple((n, v) for n, v in headers if n.lower() != "authorization")
    return headers


def taints_origin(page_origin: str, url_origin: str, new_origin: str) -> bool:
    """Fetch's "tainted origin" flag: the hop crosses origins from a URL not of the page."""
    return new_origin != url_origin and page_origin != url_origin
