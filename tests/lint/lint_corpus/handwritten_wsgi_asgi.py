"""Plain WSGI and ASGI apps that set CORS headers themselves."""

from starlette.datastructures import Headers
from starlette.responses import JSONResponse


def wsgi_app(environ, start_response):
    origin = environ.get("HTTP_ORIGIN", "")
    headers = [("Content-Type", "text/plain")]
    headers.append(("Access-Control-Allow-Origin", origin))  # expect: origin-reflected
    start_response("200 OK", headers)
    return [b"ok"]


def wsgi_checked(environ, start_response):
    origin = environ.get("HTTP_ORIGIN", "")
    if origin.startswith("https://app.example.com"):  # expect: prefix-match special-char-bypass
        start_response("200 OK", [("Access-Control-Allow-Origin", origin)])
    else:
        start_response("200 OK", [])
    return [b"ok"]


async def asgi_app(scope, receive, send):
    headers = dict(scope["headers"])
    origin = headers.get(b"origin", b"")
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/plain"),
                (b"access-control-allow-origin", origin),  # expect: origin-reflected
                (b"access-control-allow-credentials", b"true"),
            ],
        }
    )


async def asgi_checked(scope, receive, send):
    origin = Headers(scope=scope).get("origin", "")
    extra = []
    if origin.endswith(".example.com"):  # expect: any-subdomain-trusted insecure-origin-trusted
        extra.append((b"access-control-allow-origin", origin.encode()))
    await send({"type": "http.response.start", "status": 200, "headers": extra})


async def starlette_endpoint(request):
    origin = request.headers.get("origin")
    return JSONResponse({"ok": True}, headers={"Access-Control-Allow-Origin": origin})  # expect: origin-reflected
