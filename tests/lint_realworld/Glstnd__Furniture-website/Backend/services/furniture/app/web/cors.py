import aiohttp_cors
from aiohttp import web


def setup_cors(app: web.Application) -> None:
    options = aiohttp_cors.ResourceOptions(
        allow_headers="*",
        expose_headers="*",
        allow_credentials=True,
    )
    cors = aiohttp_cors.setup(app, defaults={"*": options})  # expect: wildcard-with-credentials
    for route in list(app.router.routes()):
        cors.add(route)
