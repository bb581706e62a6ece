"""Hand-written CORS in Django views and middleware."""

import re

from django.http import HttpResponse, JsonResponse

ALLOWED_ORIGIN_RE = re.compile(r"^https://[a-z0-9-]+\.example\.com$")


def is_allowed(origin):
    return origin in ("https://app.example.com",)


class CorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        origin = request.META.get("HTTP_ORIGIN")
        response["Access-Control-Allow-Origin"] = origin  # expect: origin-reflected
        response["Access-Control-Allow-Credentials"] = "true"
        return response


def api_view(request):
    origin = request.META["HTTP_ORIGIN"]
    response = JsonResponse({"ok": True})
    if ALLOWED_ORIGIN_RE.match(origin):  # expect: regex-origin any-subdomain-trusted
        response["Access-Control-Allow-Origin"] = origin
    return response


def helper_view(request):
    origin = request.headers.get("Origin")
    response = HttpResponse("ok")
    if is_allowed(origin):
        response["Access-Control-Allow-Origin"] = origin
    return response


def null_view(request):
    return HttpResponse("ok", headers={"Access-Control-Allow-Origin": "null"})  # expect: null-origin-trusted


def public_view(request):
    return HttpResponse("ok", headers={"Access-Control-Allow-Origin": "*"})  # expect: wildcard-origin
