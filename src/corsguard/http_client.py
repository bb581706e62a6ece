"""A small, defensive HTTP/1.1 client for `corsguard explain` (standard library only).

It sends one request with exactly the given header lines, reads only the status line and
header block (the body is never needed), and closes the connection. It is built for
hostile servers: one overall deadline covers connecting, TLS and reading (so a server that
drips one byte a second cannot hold it), the header block is capped, and anything that is
not HTTP becomes a :class:`NetworkError` with a one-line message. ``resolve`` maps
(host, port) to an address, like curl's --resolve: the connection goes to the address while
the Host header and TLS SNI keep the URL's host.
"""

from __future__ import annotations

import re
import socket
import ssl
import time
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from corsguard.browser import Response
from corsguard.spec import is_token
from corsguard.untrusted import for_terminal, text_from_bytes

MAX_HEADER_BYTES = 64 * 1024
_STATUS_LINE = re.compile(rb"HTTP/(\d)(?:\.(\d))? (\d{3})(?: [^\r\n]*)?\Z")


_NOT_IN_TARGET = re.compile(r"[^\x21-\x7e]")


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in match.group().encode("utf-8", "surrogatepass"))


class NetworkError(Exception):
    """The request could not be completed; the message is one actionable line."""


def _target(url: str) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, Host header value, request target) of an http(s) URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise NetworkError(f"{url!r} is not an http(s) URL")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise NetworkError(f"{url!r} has an invalid port") from None
    host = parts.hostname
    try:
        ascii_host = host if ":" in host else host.encode("idna").decode("ascii")
    except UnicodeError:
        raise NetworkError(f"{url!r} has an invalid host name") from None
    if _NOT_IN_TARGET.search(ascii_host):  # the Host line must not carry controls or spaces
        raise NetworkError(f"{url!r} has an invalid host name")
    shown = f"[{ascii_host}]" if ":" in ascii_host else ascii_host
    default = port == (443 if scheme == "https" else 80)
    host_header = shown if default else f"{shown}:{port}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # A redirect's Location is server-written: percent-encode what may not appear in a
    # request-target (RFC 9112 section 3.2; controls, spaces and non-ASCII), as a browser
    # does for a URL's path and query (URL standard, percent-encode sets), so that no
    # value can split the request line.
    target = _NOT_IN_TARGET.sub(_percent, target)
    return scheme, ascii_host, port, host_header, target


def _remaining(deadline: float, what: str, timeout: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise NetworkError(f"timed out after {timeout:g} s {what}")
    return left


def _connect(
    scheme: str,
    host: str,
    port: int,
    address: str,
    insecure: bool,
    deadline: float,
    timeout: float,
) -> socket.socket:
    where = f"{host}:{port}" + (f" (at {address})" if address != host else "")
    try:
        sock = socket.create_connection(
            (address, port), timeout=_remaining(deadline, f"connecting to {where}", timeout)
        )
    except socket.gaierror:
        raise NetworkError(
            f"cannot resolve host {host!r}; to test a host without DNS use "
            f"--resolve {host}:{port}:ADDRESS"
        ) from None
    except ConnectionRefusedError:
        raise NetworkError(f"connection refused by {where}: nothing is listening there") from None
    except TimeoutError:
        raise NetworkError(f"timed out after {timeout:g} s connecting to {where}") from None
    except OSError as exc:
        raise NetworkError(f"cannot connect to {where}: {exc.strerror or exc}") from None
    if scheme == "http":
        return sock
    context = ssl.create_default_context()
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        sock.settimeout(_remaining(deadline, f"in the TLS handshake with {where}", timeout))
        return context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        sock.close()
        raise NetworkError(
            f"TLS certificate of {host} could not be verified ({exc.verify_message}); "
            "use -k/--insecure to skip verification"
        ) from None
    except ssl.SSLError as exc:
        sock.close()
        raise NetworkError(f"TLS handshake with {where} failed: {exc.reason or exc}") from None
    except TimeoutError:
        sock.close()
        raise NetworkError(
            f"timed out after {timeout:g} s in the TLS handshake with {where}"
        ) from None
    except OSError as exc:
        sock.close()
        raise NetworkError(f"TLS connection to {where} failed: {exc.strerror or exc}") from None


def _read_head(sock: socket.socket, deadline: float, timeout: float, where: str) -> bytes:
    data = b""
    while True:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            end = data.find(b"\n\n")
        if end >= 0:
            head, rest = data[:end], data[end:].lstrip(b"\r\n")
            # Skip interim 1xx responses (100 Continue, 103 Early Hints).
            if re.match(rb"HTTP/\d(?:\.\d)? 1\d\d", head) and not head.startswith(b"HTTP/1.1 101"):
                data = rest
                continue
            return head
        if len(data) > MAX_HEADER_BYTES:
            raise NetworkError(
                f"the response headers from {where} exceed {MAX_HEADER_BYTES // 1024} KiB"
            )
        if data and not b"HTTP/".startswith(data[:5]) and not data.startswith(b"HTTP/"):
            raise NetworkError(
                f"{where} did not answer with HTTP/1.x (it sent {data[:40]!r}); "
                "is it the right port and scheme?"
            )
        try:
            sock.settimeout(_remaining(deadline, f"waiting for {where} to answer", timeout))
            chunk = sock.recv(16384)
        except TimeoutError:
            raise NetworkError(
                f"timed out after {timeout:g} s waiting for {where} to answer"
            ) from None
        except ssl.SSLError as exc:
            raise NetworkError(
                f"TLS error while reading from {where}: {exc.reason or exc}"
            ) from None
        except OSError as exc:
            raise NetworkError(f"connection to {where} failed: {exc.strerror or exc}") from None
        if not chunk:
            if not data:
                raise NetworkError(f"{where} closed the connection without answering")
            raise NetworkError(f"{where} closed the connection in the middle of the headers")
        data += chunk


def _parse_head(head: bytes, where: str) -> Response:
    lines = re.split(rb"\r?\n", head)
    match = _STATUS_LINE.match(lines[0])
    if not lines[0].startswith(b"HTTP/"):
        raise NetworkError(
            f"{where} did not answer with HTTP/1.x (it sent {lines[0][:40]!r}); "
            "is it the right port and scheme?"
        )
    if match is None:
        raise NetworkError(f"{where} sent an invalid status line {lines[0][:60]!r}")
    status = int(match.group(3))
    headers: list[tuple[str, str]] = []
    for raw in lines[1:]:
        # Decoded where read: valid UTF-8 kept, any other byte as the text \xNN, so no C1
        # control (0x9b is CSI) arrives as a character and nothing downstream holds bytes.
        line = text_from_bytes(raw)
        if line[:1] in (" ", "\t") and headers:  # obsolete line folding
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        name, sep, value = line.partition(":")
        if not sep or not is_token(name):
            continue  # browsers ignore a malformed header line; so do we
        headers.append((name, value.strip(" \t")))
    return Response(status, tuple(headers))


def send(
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]],
    *,
    resolve: Mapping[tuple[str, int], str] | None = None,
    insecure: bool = False,
    timeout: float = 10.0,
) -> Response:
    """Send one request and return its status and headers (the body is not read)."""
    scheme, host, port, host_header, target = _target(url)
    address = (resolve or {}).get((host.lower(), port), host)
    where = f"{host}:{port}"
    deadline = time.monotonic() + timeout
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host_header}"]
    for name, value in headers:
        if any(c in name + value for c in "\r\n\x00"):
            raise NetworkError(f"header {for_terminal(name)} contains a line break")
        lines.append(f"{name}: {value}")
    if method not in ("GET", "HEAD", "OPTIONS"):
        lines.append("Content-Length: 0")
    lines.append("Connection: close")
    payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    sock = _connect(scheme, host, port, address, insecure, deadline, timeout)
    try:
        try:
            sock.settimeout(_remaining(deadline, f"sending to {where}", timeout))
            sock.sendall(payload)
        except TimeoutError:
            raise NetworkError(f"timed out after {timeout:g} s sending to {where}") from None
        except OSError as exc:
            raise NetworkError(f"connection to {where} failed: {exc.strerror or exc}") from None
        head = _read_head(sock, deadline, timeout, where)
        return _parse_head(head, where)
    finally:
        sock.close()
