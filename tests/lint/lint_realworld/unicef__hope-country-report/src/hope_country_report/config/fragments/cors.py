from ..settings import env

CORS_ORIGIN_ALLOW_ALL = env("CORS_ORIGIN_ALLOW_ALL", default=False)
CORS_ALLOWED_ORIGIN_REGEXES = [
    r"https://\w+\.blob.core.windows.net$",  # expect: regex-origin third-party-origin-trusted unescaped-dot
]
