"""aiohttp-cors configurations."""

import aiohttp_cors
from aiohttp import web

app = web.Application()

cors = aiohttp_cors.setup(
    app,
    defaults={
        "*": aiohttp_cors.ResourceOptions(  # expect: wildcard-with-credentials
            allow_credentials=True,
            expose_headers="*",
            allow_headers="*",
        )
    },
)

public = aiohttp_cors.setup(app, defaults={"*": aiohttp_cors.ResourceOptions(allow_headers="*")})  # expect: wildcard-origin

resource = cors.add(app.router.add_resource("/api"))
cors.add(
    resource.add_route("GET", lambda request: None),
    {
        "https://app.example.com": aiohttp_cors.ResourceOptions(allow_credentials=True),
        "http://app.example.com": aiohttp_cors.ResourceOptions(allow_credentials=True),  # expect: insecure-origin-trusted
    },
)
