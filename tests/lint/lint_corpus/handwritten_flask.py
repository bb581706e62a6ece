"""Hand-written CORS in Flask."""

import re

from flask import Flask, request

app = Flask(__name__)

TRUSTED = {"https://app.example.com", "https://admin.example.com"}
TRUSTED_DOMAIN = ".example.com"


@app.after_request
def reflect_everything(response):
    response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin")  # expect: origin-reflected
    response.headers["Access-Control-Allow-Credentials"] = "true"
    return response


@app.after_request
def reflect_via_variable(response):
    origin = request.headers["origin"]
    if origin:  # expect: origin-reflected
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


@app.after_request
def endswith_check(response):
    origin = request.headers.get("Origin", "")
    if origin.endswith("example.com"):  # expect: suffix-match any-subdomain-trusted insecure-origin-trusted
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


@app.after_request
def endswith_dot_check(response):
    origin = request.headers.get("Origin", "")
    if origin.endswith(TRUSTED_DOMAIN):  # expect: any-subdomain-trusted insecure-origin-trusted
        response.headers.add("Access-Control-Allow-Origin", origin)
    return response


@app.after_request
def startswith_check(response):
    origin = request.headers.get("Origin", "")
    if origin.startswith("https://app.example.com"):  # expect: prefix-match special-char-bypass
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


@app.after_request
def in_string_check(response):
    origin = request.headers.get("Origin", "")
    if origin in "https://app.example.com https://admin.example.com":  # expect: substring-match
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


@app.after_request
def contains_check(response):
    origin = request.headers.get("Origin", "")
    if "example.com" in origin:  # expect: prefix-match suffix-match special-char-bypass any-subdomain-trusted insecure-origin-trusted
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


@app.after_request
def regex_check(response):
    origin = request.headers.get("Origin", "")
    if re.match(r"https://.*\.example\.com", origin):  # expect: regex-origin prefix-match special-char-bypass any-subdomain-trusted
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


@app.after_request
def set_check(response):
    origin = request.headers.get("Origin")
    if origin in TRUSTED:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


@app.after_request
def early_return(response):
    origin = request.headers.get("Origin")
    if origin not in TRUSTED:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    return response


@app.after_request
def loop_check(response):
    origin = request.headers.get("Origin", "")
    for domain in ("example.com", "example.org"):
        if origin.endswith(domain):  # expect: suffix-match any-subdomain-trusted insecure-origin-trusted
            response.headers["Access-Control-Allow-Origin"] = origin
    return response


@app.after_request
def any_check(response):
    origin = request.headers.get("Origin", "")
    if any(origin.endswith(d) for d in (".example.com",)):  # expect: any-subdomain-trusted insecure-origin-trusted
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


@app.after_request
def conditional_expression(response):
    origin = request.headers.get("Origin")
    response.headers["Access-Control-Allow-Origin"] = origin if origin in TRUSTED else "https://app.example.com"
    return response


@app.after_request
def silenced(response):
    response.headers["Access-Control-Allow-Origin"] = "*"  # corsguard: ignore[wildcard-origin]
    return response
