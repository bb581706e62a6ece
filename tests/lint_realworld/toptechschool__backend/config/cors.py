CORS_ALLOWED_ORIGINS = [
    "http://localhost:3000",  # expect: localhost-trusted
    "http://localhost:3001",  # expect: localhost-trusted
    "http://127.0.0.1:9000",  # expect: localhost-trusted
]

CORS_ALLOW_METHODS = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"]
