"""Report-only mode in Django (issue #14): settings.CORSGUARD_REPORT_ONLY in front of
django-cors-headers, under WSGI (Client) and ASGI (AsyncClient), and its system check."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from django.conf import settings

from tests.helpers.django_settings import configure as configure_django

if not settings.configured:  # process-wide: the first Django test module configures it
    configure_django(__name__)

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import AsyncClient, Client, override_settings
from django.urls import path

from corsguard import refusal_log
from corsguard.django import CORSGuardMiddleware, ReportOnlyMiddleware, check_settings

APP = "https://app.example.com"
EVIL = "https://evil.attacker.test"
VIEWS: list[str] = []


def data(request: HttpRequest) -> HttpResponse:
    VIEWS.append(f"{request.method} {request.path}")
    return JsonResponse({"ok": True})


urlpatterns = [path("api/data", data)]

CORSHEADERS = "corsheaders.middleware.CorsMiddleware"
# django-cors-headers as teams run it before an allowlist: every origin, with credentials.
APP_CORS: dict[str, Any] = {
    "ROOT_URLCONF": __name__,
    "CORS_ALLOW_ALL_ORIGINS": True,
    "CORS_ALLOW_CREDENTIALS": True,
    "CORSGUARD": {"allow_origins": [APP], "allow_credentials": True},
}
REQUESTS: list[tuple[str, dict[str, str]]] = [
    ("get", {"Origin": APP}),
    ("get", {"Origin": EVIL, "Cookie": "s=1"}),
    ("post", {"Origin": EVIL}),
    ("options", {"Origin": EVIL, "Access-Control-Request-Method": "PUT"}),
    ("get", {}),
]
EXPECTED = {
    ('"GET"', "would-refuse"),
    ('"POST"', "would-refuse"),
    ('"OPTIONS"', "would-refuse"),
}


def _answers(client: Any, asynchronous: bool) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    answers = []
    for method, extra in REQUESTS:
        # headers=: AsyncClient would put other keywords in the ASGI scope, not the headers.
        call = getattr(client, method)("/api/data", headers=extra)
        response = asyncio.run(call) if asynchronous else call
        answers.append((response.status_code, sorted(response.items()), response.content))
    return answers


def _divergences(caplog: pytest.LogCaptureFixture) -> set[tuple[str, str]]:
    return {
        (m.split(" method=")[1].split(" ")[0], m.split("divergence=")[1].split(" ")[0])
        for m in (r.getMessage() for r in caplog.records)
        if m.startswith("corsguard report-only kind=")
    }


@pytest.mark.parametrize("asynchronous", [False, True], ids=["wsgi", "asgi"])
def test_responses_unchanged_and_divergences_logged(
    asynchronous: bool, caplog: pytest.LogCaptureFixture
) -> None:
    client_class = AsyncClient if asynchronous else Client
    with override_settings(**APP_CORS, MIDDLEWARE=[CORSHEADERS]):
        VIEWS.clear()
        without = _answers(client_class(), asynchronous)
        views_without = list(VIEWS)
    refusal_log.limiter.reset()
    with (
        override_settings(
            **APP_CORS,
            MIDDLEWARE=["corsguard.django.CORSGuardMiddleware", CORSHEADERS],
            CORSGUARD_REPORT_ONLY=True,
        ),
        caplog.at_level(logging.WARNING, logger="corsguard"),
    ):
        VIEWS.clear()
        observed = _answers(client_class(), asynchronous)
        views_observed = list(VIEWS)
        messages = [r.getMessage() for r in caplog.records]
        assert not [m for m in check_settings() if m.id == "corsguard.W004"]
    assert observed == without
    assert views_observed == views_without  # the write reached the view, as without corsguard
    assert "POST /api/data" in views_observed
    assert any("NOT ENFORCED" in m for m in messages)
    assert _divergences(caplog) == EXPECTED


@pytest.mark.parametrize("value", ["True", 1])
def test_report_only_setting_must_be_a_bool(value: object) -> None:
    with override_settings(CORSGUARD_REPORT_ONLY=value):
        errors = [m for m in check_settings() if m.id == "corsguard.E007"]
        assert len(errors) == 1 and "must be True or False" in errors[0].msg
        with pytest.raises(ImproperlyConfigured, match="CORSGUARD_REPORT_ONLY must be True"):
            CORSGuardMiddleware(lambda request: HttpResponse())


def test_enforcing_builds_the_plain_middleware() -> None:
    with override_settings(CORSGUARD_REPORT_ONLY=False):
        assert type(CORSGuardMiddleware(lambda request: HttpResponse())) is CORSGuardMiddleware
    with override_settings(CORSGUARD_REPORT_ONLY=True):
        middleware = CORSGuardMiddleware(lambda request: HttpResponse())
        assert type(middleware) is ReportOnlyMiddleware
