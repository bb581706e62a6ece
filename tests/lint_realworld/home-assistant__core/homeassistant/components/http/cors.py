import aiohttp_cors
from aiohttp.hdrs import ACCEPT, CONTENT_TYPE, ORIGIN

ALLOWED_CORS_HEADERS = [ORIGIN, ACCEPT, "X-Requested-With", CONTENT_TYPE, "X-HA-access"]


def setup_cors(app, origins):
    options = {
        host: aiohttp_cors.ResourceOptions(allow_headers=ALLOWED_CORS_HEADERS, allow_methods="*")
        for host in origins
    }
    cors = aiohttp_cors.setup(app, defaults=options)

    async def cors_startup(app):
        added = set()
        for route in list(app.router.routes()):
            if hasattr(route, "resource"):
                route = route.resource
            if route in added:
                continue
            cors.add(route)
            added.add(route)

    app.on_startup.append(cors_startup)
