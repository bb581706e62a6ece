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
import threading

from corsguard.policy import Policy
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
