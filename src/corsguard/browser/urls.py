"""URLs and origins as the browser model needs them.

Sources: WHATWG URL ("origin", "serialization of an origin"); Fetch uses the serialized
origin for the Origin header and for the CORS check's byte-for-byte comparison.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def split_url(url: str) -> tuple[str, str, int | None, str]:
    """(scheme, host, port, userinfo) of an absolute URL; raises ValueError if it doesn't parse."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname
    if not scheme or not parts.netloc or host is None:
        raise ValueError(f"{url!r} is not an absolute URL")
    if any(c in url for c in "\x00\t\r\n"):
        raise ValueError(f"{url!r} contains a control character")
    port = parts.port  # raises ValueError for a bad port
    if ":" in host:
        host = "[" + host + "]"
    elif host:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise ValueError(f"{url!r} has an invalid host") from None
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    return scheme, host, port, userinfo


def origin_of(scheme: str, host: str, port: int | None) -> str:
    """The serialized origin of split_url's parts: http(s) with the default port omitted."""
    if scheme not in ("http", "https"):
        return "null"
    default = 80 if scheme == "http" else 443
    return f"{scheme}://{host}" + ("" if port in (None, default) else f":{port}")


def serialize_url_origin(url: str) -> str:
    """The serialized origin of an http(s) URL (default port omitted), else "null"."""
    try:
        scheme, host, port, _ = split_url(url)
    except ValueError:
        return "null"
    return origin_of(scheme, host, port)
