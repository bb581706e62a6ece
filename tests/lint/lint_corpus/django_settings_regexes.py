"""Django settings with regexes and credentials."""

CORS_ALLOW_CREDENTIALS = True
CORS_ALLOWED_ORIGINS = ["https://app.example.com", "https://admin.example.com"]
CORS_ALLOWED_ORIGIN_REGEXES = [
    r"https://.*\.example\.com",  # expect: regex-origin any-subdomain-trusted prefix-match special-char-bypass
    r"^https://example\.com",  # expect: regex-origin prefix-match special-char-bypass
    r"^https://myapp-[a-z0-9]+\.herokuapp\.com$",  # expect: regex-origin third-party-origin-trusted
]
