CORS_ORIGIN_ALLOW_ALL = True  # expect: wildcard-origin
# Not a django-cors-headers setting (a misspelling): ignored.
CORS_ORIGIN_ALLOW_HEADER = ["username", "group", "accept", "authorization", "content-type"]
# A string is a sequence of strings: the preflight answers "Access-Control-Allow-Headers: *".
CORS_ALLOW_HEADERS = "*"
CORS_ALLOW_METHODS = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"]
