"""Driving the audit's planner against fake server functions, as the prober does over HTTP."""

from __future__ import annotations

from collections.abc import Callable

from corsguard.audit.model import (
    Exchange,
    ProbeRequest,
    ProbeResponse,
    Target,
    TargetReport,
    analyse,
    build_trust,
    next_probes,
    parse_trusted,
)

URL = "https://api.example.test/v1/me"
TRUSTED = "https://app.example.test"

Server = Callable[[ProbeRequest], ProbeResponse | None]


def target(url: str = URL, origins: tuple[str, ...] = (TRUSTED,)) -> Target:
    return Target(url, build_trust(url, parse_trusted(origins)))


def drive(server: Server, t: Target | None = None) -> tuple[TargetReport, list[Exchange]]:
    """Run the planner against a fake server function, as the prober does over HTTP."""
    t = t or target()
    exchanges: list[Exchange] = []
    while wave := next_probes(t, exchanges):
        for probe in wave:
            response = server(probe)
            if response is None:
                exchanges.append(Exchange(probe, None, "connection refused"))
            else:
                exchanges.append(Exchange(probe, response))
    return analyse(t, exchanges), exchanges


def allowlist(
    allowed: Callable[[str], bool],
    credentials: str | None = "true",
    vary: bool = True,
    echo_preflight: bool = False,
    private_network: bool = False,
    status: int = 200,
) -> Server:
    def server(probe: ProbeRequest) -> ProbeResponse:
        headers: list[tuple[str, str]] = []
        if allowed(probe.origin):
            headers.append(("Access-Control-Allow-Origin", probe.origin))
            if credentials is not None:
                headers.append(("Access-Control-Allow-Credentials", credentials))
        if vary:
            headers.append(("Vary", "Origin"))
        if probe.method == "OPTIONS":
            asked = dict(probe.headers)
            if echo_preflight:
                headers.append(
                    ("Access-Control-Allow-Methods", asked["Access-Control-Request-Method"])
                )
                if "Access-Control-Request-Headers" in asked:
                    headers.append(
                        ("Access-Control-Allow-Headers", asked["Access-Control-Request-Headers"])
                    )
            else:
                headers.append(("Access-Control-Allow-Methods", "GET, POST"))
            if private_network and "Access-Control-Request-Private-Network" in asked:
                headers.append(("Access-Control-Allow-Private-Network", "true"))
            return ProbeResponse.keep_cors(204, headers)
        return ProbeResponse.keep_cors(status, [("Content-Type", "application/json"), *headers])

    return server
