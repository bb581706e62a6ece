from aiohttp import web
from aiohttp_cors import CorsConfig, ResourceOptions, setup


def create_cors(app: web.Application) -> CorsConfig:
    defaults = {
        "*": ResourceOptions(
            allow_credentials=True,
            allow_headers="*",
            expose_headers="*",
            allow_methods=None,
            max_age=None,
        )
    }
    cors = setup(app, defaults=defaults)  # expect: wildcard-with-credentials
    for route in list(app.router.routes()):
        cors.add(route)
    return cors
