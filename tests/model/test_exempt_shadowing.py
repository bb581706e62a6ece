"""An exempt path that the engine never applies is named, not described as open.

Routes inherit nothing (engine.route_policy): an app-level exempt path under a route's
prefix is decided by the route's policy, and a route's exempt path outside its own prefix
is never reached. `corsguard check` printed such paths as "open to any origin" (issue #10,
"check must describe the rule truthfully"); they now come with a warning that says they
never apply, and each case here is held to what engine.decide does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corsguard import Policy
from corsguard.cli import main
from corsguard.engine import decide

A = "https://a.example.test"
EVIL = "https://evil.attacker.test"

# (name, app-level exempt paths, routes {prefix: its exempt paths}, the one exempt path
#  checked, a path below it the engine decides, whether the exemption applies there)
CASES: list[tuple[str, list[str], dict[str, list[str]], str, str, bool]] = [
    ("app-level, no route", ["/hooks"], {"/api": []}, "/hooks", "/hooks/x", True),
    ("app-level under a route", ["/api/hooks"], {"/api": []}, "/api/hooks", "/api/hooks/x",
     False),
    ("app-level equal to a route", ["/api"], {"/api": []}, "/api", "/api/x", False),
    ("app-level above a route", ["/api"], {"/api/v2": []}, "/api", "/api/x", True),
    ("route's own, under it", [], {"/api": ["/api/hooks"]}, "/api/hooks", "/api/hooks/x",
     True),
    ("route's own, outside it", [], {"/api": ["/hooks"]}, "/hooks", "/hooks/x", False),
    ("route's own, above it", [], {"/api/v2": ["/api"]}, "/api", "/api/v2/x", True),
    ("route's own, under a longer route", [], {"/api": ["/api/v2/hooks"], "/api/v2": []},
     "/api/v2/hooks", "/api/v2/hooks/x", False),
    ("segments, not characters", ["/apiary"], {"/api": []}, "/apiary", "/apiary/x", True),
]  # fmt: skip


def _policy(exempt: list[str], routes: dict[str, list[str]]) -> Policy:
    subs = {key: Policy(allow_origins=[A], write_protection_exempt_paths=paths)
            for key, paths in routes.items()}  # fmt: skip
    return Policy(allow_origins=[A], write_protection_exempt_paths=exempt, routes=subs)


@pytest.mark.parametrize(
    ("exempt", "routes", "named", "probe", "applies"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_warning_follows_the_engine(
    exempt: list[str], routes: dict[str, list[str]], named: str, probe: str, applies: bool
) -> None:
    policy = _policy(exempt, routes)
    decision = decide(policy, "POST", probe, [(b"origin", EVIL.encode())])
    assert (decision.status is None) == applies
    said: list[Any] = [w for w in policy.warnings if "never applies" in w and repr(named) in w]
    assert bool(said) != applies, policy.warnings


def _toml(exempt: list[str], routes: dict[str, list[str]]) -> str:
    lines = [f'allow_origins = ["{A}"]', f"write_protection_exempt_paths = {exempt!r}"]
    for key, paths in routes.items():
        lines += [f'[routes."{key}"]', f'allow_origins = ["{A}"]',
                  f"write_protection_exempt_paths = {paths!r}"]  # fmt: skip
    return "\n".join(lines).replace("'", '"') + "\n"


@pytest.mark.parametrize(
    ("exempt", "routes", "named", "probe", "applies"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_check_lists_as_open_only_what_the_engine_exempts(
    exempt: list[str],
    routes: dict[str, list[str]],
    named: str,
    probe: str,
    applies: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `corsguard check`, text and JSON, names an exempt path as open exactly where the
    # engine lets a cross-site write through it.
    path = tmp_path / "policy.toml"
    path.write_text(_toml(exempt, routes))
    main(["check", str(path)])
    text = capsys.readouterr().out
    opened = [line.split("open to any origin: ")[1] for line in text.splitlines()
              if "open to any origin: " in line]  # fmt: skip
    assert any(named in line.rstrip(")").split(", ") for line in opened) == applies, text
    main(["check", "--json", str(path)])
    described = json.loads(capsys.readouterr().out)["policy"]
    listed = list(described["cross_origin_writes"]["exempt_paths"])
    for sub in described["routes"].values():
        listed += sub["cross_origin_writes"]["exempt_paths"]
    assert (named in listed) == applies
