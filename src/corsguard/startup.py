"""The start-up log line: the policy in force and its findings, once per policy per process.

Each adapter (ASGI, WSGI, Django, Flask) calls :func:`log_policy` when it is built, which is
at start-up under uvicorn, gunicorn, ``flask run`` and Django's runserver, never per request.

Levels (issues #11 and #14): a finding is a WARNING, and so is the summary line of a policy
that has findings, because with no logging configured Python's last-resort handler prints
WARNING and above to stderr, and uvicorn, gunicorn, Flask and Django configure only their own
loggers, so that is what a user sees by default. A policy with no finding needs no attention:
its summary is INFO, shown once an app turns the "corsguard" logger up. The logger is
"corsguard.startup", under "corsguard".
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping

from corsguard.policy import Policy, PolicyError
from corsguard.sources import DEVELOPMENT_SWITCH as DEVELOPMENT_SWITCH
from corsguard.sources import did_you_mean
from corsguard.untrusted import for_terminal

# A child of "corsguard" (the refusals' logger): configuring "corsguard" covers both, and a
# handler can still tell the start-up line from the per-request ones.
logger = logging.getLogger("corsguard.startup")

_lock = threading.Lock()
# Strong references keep ids from being reused by a later policy; policies are few.
_logged: dict[int, Policy] = {}


def summary(policy: Policy, where: str = "") -> str:
    """One line: what the policy allows and the ids and severities of its findings."""
    origins = "*" if policy.any_origin else ", ".join(policy.allow_origins)
    parts = [
        f"corsguard{' ' + where if where else ''}: CORS policy origins=[{origins}]",
        f"credentials={'yes' if policy.allow_credentials else 'no'}",
        f"methods=[{', '.join(policy.allow_methods)}]",
        f"headers=[{', '.join(policy.allow_headers)}]",
    ]
    if policy.allow_private_network:
        parts.append("private-network=yes")
    if policy.routes:
        parts.append(f"routes=[{', '.join(policy.routes)}]")
    found = policy.findings
    if found:
        parts.append(f"{len(found)} finding(s): " + ", ".join(f.label for f in found))
    else:
        parts.append("no findings")
    # Origins come from configuration (environment, files): shown, never interpreted.
    return for_terminal("; ".join(parts))


def log_policy(policy: Policy, where: str = "") -> bool:
    """Log ``policy`` unless this process already did; True when it logged now."""
    with _lock:
        if id(policy) in _logged:
            return False
        _logged[id(policy)] = policy
    found = policy.findings
    logger.log(logging.WARNING if found else logging.INFO, "%s", summary(policy, where))
    for finding in found:
        logger.warning("corsguard: %s %s", finding.label, for_terminal(finding.message))
    return True


# ---------------------------------------------------------------- development origins

# The one development switch (issue #14). An environment variable, not a framework's debug
# flag: DEBUG=True reaches production by accident often enough (a copied settings file), and
# one switch means the same rule under uvicorn, gunicorn, Flask and Django. It is read once,
# when an adapter is built.
_MODES = ("development", "production")


def development_mode(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``CORSGUARD_ENV=development`` (any case). Unset, empty or ``production``: False.

    Any other value raises `corsguard.PolicyError`: a typo (``dev``) must not leave anyone
    guessing which mode is in force.
    """
    env = os.environ if environ is None else environ
    raw = env.get(DEVELOPMENT_SWITCH)
    value = (raw or "").strip().lower()
    if not value:
        return False
    if value in _MODES:
        return value == "development"
    hint = did_you_mean(value, _MODES) or " write development or production"
    raise PolicyError(
        [f"{DEVELOPMENT_SWITCH}={for_terminal(str(raw))!r} is not a corsguard mode:{hint}"]
    )


def _development_origins(policy: Policy) -> list[str]:
    found = list(policy.development_origins)
    for prefix, sub in policy.routes.items():
        found.extend(f"{origin} (routes {prefix})" for origin in sub.development_origins)
    return found


def policy_in_force(
    policy: Policy,
    where: str = "",
    *,
    environ: Mapping[str, str] | None = None,
    production: str | None = None,
) -> Policy:
    """The policy an adapter enforces: ``policy``, or with ``CORSGUARD_ENV=development``
    its development origins granted too (`Policy.in_development`), said in a WARNING line.

    ``production`` is the adapter's reason to believe the process is a production one
    (Django's ``DEBUG = False``): development origins are then refused at start-up with a
    `PolicyError`, rather than granted.
    """
    if not policy.has_development_origins():
        return policy
    origins = ", ".join(_development_origins(policy))
    label = f"corsguard{' ' + where if where else ''}"
    if not development_mode(environ):
        logger.info(
            "%s: development_origins (%s) not granted: %s is not 'development'",
            label,
            for_terminal(origins),
            DEVELOPMENT_SWITCH,
        )
        return policy
    if production is not None:
        raise PolicyError(
            [f"{DEVELOPMENT_SWITCH}=development, but {production}: development_origins "
             f"({origins}) are refused in a production process; unset {DEVELOPMENT_SWITCH} "
             "there"]
        )  # fmt: skip
    logger.warning(
        "%s: DEVELOPMENT MODE (%s=development): also trusting %s; never set %s=development "
        "in production",
        label,
        DEVELOPMENT_SWITCH,
        for_terminal(origins),
        DEVELOPMENT_SWITCH,
    )
    return policy.in_development()
