CORS_ALLOW_CREDENTIALS = True
CORS_ALLOWED_ORIGINS = [
    "http://localhost:3000",  # expect: localhost-trusted
    "http://localhost:3030",  # expect: localhost-trusted
    "http://localhost:5173",  # expect: localhost-trusted
    "http://localhost",  # expect: localhost-trusted
]

CSRF_TRUSTED_ORIGINS = CORS_ALLOWED_ORIGINS
