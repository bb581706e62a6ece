"""flask-cors configurations."""

import re

from flask import Flask
from flask_cors import CORS, cross_origin

app = Flask(__name__)

# Default origins are "*": with supports_credentials flask-cors echoes any origin.
CORS(app, supports_credentials=True)  # expect: wildcard-with-credentials

# Default origins without credentials: public.
CORS(app)  # expect: wildcard-origin

# A glob-looking origin is a regex matched from the start only (re.match): "/*." reads as
# "slashes, then any one character", so it accepts https://xexample.com (and not even the
# intended https://app.example.com).
CORS(app, origins="https://*.example.com")  # expect: regex-origin suffix-match

# Anchored at the start only: the prefix bypass.
CORS(app, origins=[r"https://app\.example\.com"], supports_credentials=True)  # expect: regex-origin prefix-match special-char-bypass

# Per-resource options.
CORS(
    app,
    resources={
        r"/api/*": {"origins": ["https://app.example.com", "null"]},  # expect: null-origin-trusted
        r"/public/*": {"origins": "*"},  # expect: wildcard-origin
    },
)

CORS(app, resources={r"/api/*": {"origins": "*", "supports_credentials": True}})  # expect: wildcard-with-credentials

# A compiled pattern is always a regex (case-insensitive in flask-cors).
CORS(app, origins=[re.compile(r"^https://[a-z]+\.netlify\.app$")])  # expect: regex-origin third-party-origin-trusted


@app.route("/a")
@cross_origin(supports_credentials=True)  # expect: wildcard-with-credentials
def a():
    return "a"


@app.route("/b")
@cross_origin  # expect: wildcard-origin
def b():
    return "b"


@app.route("/c")
@cross_origin(origins=["http://localhost:8080"])  # expect: localhost-trusted
def c():
    return "c"
