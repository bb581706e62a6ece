origins = [
    "http://localhost.tiangolo.com",
    "https://localhost.tiangolo.com",
    "https://localhost",
    "https://localhost:443",
]
allow_methods = ["GET", "POST", "OPTIONS", "DELETE", "PATCH", "PUT"]
allow_headers = [
    "Content-Type",
    "Set-Cookie",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Origin",
    "Authorization",
]
