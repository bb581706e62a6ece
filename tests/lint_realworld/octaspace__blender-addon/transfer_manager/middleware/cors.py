from sanic.response import empty


async def cors(request, response):
    # A hand-built header map, applied to every response and to preflights.
    headers = {
        "Access-Control-Allow-Origin": "*",  # expect: wildcard-origin
        "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE",
        "Access-Control-Allow-Headers": "*",
        "Access-Control-Max-Age": "300",
    }
    response.headers.update(headers)
    if request.method == "OPTIONS":
        return empty(headers=headers)
