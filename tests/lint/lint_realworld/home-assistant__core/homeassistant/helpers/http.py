from collections.abc import Callable

from aiohttp.web import AppKey
from aiohttp.web_urldispatcher import AbstractResource, AbstractRoute

type AllowCorsType = Callable[[AbstractRoute | AbstractResource], None]
KEY_ALLOW_ALL_CORS = AppKey[AllowCorsType]("allow_all_cors")
KEY_ALLOW_CONFIGURED_CORS = AppKey[AllowCorsType]("allow_configured_cors")


class HomeAssistantView:
    url = None
    extra_urls = []
    requires_auth = True
    cors_allowed = False

    def register(self, hass, app, router):
        urls = [self.url, *self.extra_urls]
        routes = []
        for method in ("get", "post", "delete", "put", "patch", "head", "options"):
            if not (handler := getattr(self, method, None)):
                continue
            routes.extend(router.add_route(method, url, handler) for url in urls)

        if self.cors_allowed:
            allow_cors = app.get(KEY_ALLOW_ALL_CORS)
        else:
            allow_cors = app.get(KEY_ALLOW_CONFIGURED_CORS)

        if allow_cors:
            for route in routes:
                allow_cors(route)
