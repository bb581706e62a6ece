def afterRequest(response):
    response.headers["Access-Control-Allow-Origin"] = "*"  # expect: wildcard-with-credentials
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
    response.headers["Access-Control-Allow-Credentials"] = True
    response.headers["Access-Control-Expose-Headers"] = "Content-Length"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, PATCH, PUT"
    return response
