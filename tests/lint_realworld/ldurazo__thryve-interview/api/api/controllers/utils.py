from flask import request


def after_request_func(response):
    response.headers.add("Access-Control-Allow-Origin", "*")  # expect: wildcard-origin
    if request.method == "OPTIONS":
        response.headers.add("Access-Control-Allow-Headers", "Content-Type")
        response.headers.add("Access-Control-Allow-Methods", "POST, OPTIONS")
    return response
