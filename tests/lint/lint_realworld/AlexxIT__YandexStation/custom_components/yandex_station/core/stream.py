from aiohttp import hdrs, web
from homeassistant.components.http import HomeAssistantView

MIME_TYPES = {"m3u8": "application/x-mpegURL", "ts": "video/MP2T"}
REQUEST_HEADERS = (hdrs.RANGE,)
RESPONSE_HEADERS = (hdrs.ACCEPT_RANGES, hdrs.CONTENT_LENGTH, hdrs.CONTENT_RANGE)


def copy_headers(headers, names):
    return {k: v for k in names if (v := headers.get(k))}


class StreamView(HomeAssistantView):
    requires_auth = False
    url = "/api/yandex_station/{token:[\\w-]+.[\\w-]+.[\\w-]+}.{ext}"

    async def get(self, request, token, ext):
        url = self.url_of(token)
        if ext == "m3u8":
            body = await self.playlist(url)
            return web.Response(
                body=body,
                headers={
                    hdrs.ACCESS_CONTROL_ALLOW_HEADERS: "*",
                    hdrs.ACCESS_CONTROL_ALLOW_ORIGIN: "*",  # expect: wildcard-origin
                    hdrs.CONTENT_TYPE: MIME_TYPES[ext],
                },
            )

        async with self.session.get(url, headers=copy_headers(request.headers, REQUEST_HEADERS)) as r:
            headers = copy_headers(r.headers, RESPONSE_HEADERS)
            headers[hdrs.CONTENT_TYPE] = MIME_TYPES[ext]
            if ext == "ts":
                headers[hdrs.ACCESS_CONTROL_ALLOW_HEADERS] = "*"
                headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = "*"  # expect: wildcard-origin
            response = web.StreamResponse(status=r.status, headers=headers)
            await response.prepare(request)
            return response
