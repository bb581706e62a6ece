"""What the engine answers for one request: a `Decision` and its `RequestKind`.

Its own module so that the policy (whose ``on_reject`` takes a Decision), the engine and
the adapters' response helpers all read it without importing one another.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class RequestKind(str, enum.Enum):
    """What a request is, as far as CORS goes.

    SAME_ORIGIN is reported where it changes the outcome (writes and WebSocket handshakes
    from an origin the policy does not list); a safe request from such an origin is
    CROSS_ORIGIN and passes without CORS headers either way.
    """

    NO_ORIGIN = "no-origin"
    SAME_ORIGIN = "same-origin"
    PREFLIGHT = "preflight"
    CROSS_ORIGIN = "cross-origin"
    WEBSOCKET = "websocket"


class Decision(NamedTuple):
    """What to do with one request.

    ``status`` None means: call the app, and add ``headers`` and ``vary`` to its response.
    Otherwise answer at once with ``status``, ``headers``, ``vary`` and ``body``
    (an allowed preflight, or a refusal). A refused WebSocket handshake is closed.
    """

    kind: RequestKind
    allowed: bool
    status: int | None
    headers: tuple[tuple[bytes, bytes], ...]
    vary: bytes
    reason: str
    origin: str | None
    method: str
    path: str
    body: bytes = b""

    @property
    def respond_now(self) -> bool:
        return self.status is not None
