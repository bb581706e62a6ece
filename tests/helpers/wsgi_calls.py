"""Calling a WSGI app in-process: a request environ and a recording start_response."""

from __future__ import annotations

from typing import Any


def environ(method: str, path: str, **headers: str) -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "api.example.test",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "api.example.test",
        "wsgi.url_scheme": "https",
    }
    env.update({"HTTP_" + name.upper(): value for name, value in headers.items()})
    return env


class Recorder:
    """A start_response that records what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]]]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.calls.append((status, headers))
        return lambda data: None

    @property
    def status(self) -> int:
        return int(self.calls[-1][0].split()[0])

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [(n.lower(), v) for n, v in self.calls[-1][1]]

    @property
    def cors(self) -> dict[str, str]:
        return {n: v for n, v in self.headers if n.startswith("access-control-")}

    @property
    def vary(self) -> list[str]:
        return [t.strip().lower() for n, v in self.headers if n == "vary" for t in v.split(",")]
