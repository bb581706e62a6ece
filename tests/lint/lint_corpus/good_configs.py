"""Correct configurations: nothing here may produce a finding beyond regex-origin."""

import os
import re

from corsguard.asgi import CORSMiddleware as GuardMiddleware
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from flask import Flask, request
from flask_cors import CORS

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com", "https://admin.example.com"],
    allow_credentials=True,
)
app.add_middleware(CORSMiddleware, allow_origins=["*"])  # expect: wildcard-origin
app.add_middleware(CORSMiddleware, allow_origin_regex=r"https://[a-z0-9-]+\.preview\.example\.com")  # expect: regex-origin
app.add_middleware(
    CORSMiddleware,
    allow_origins=os.getenv("CORS_ORIGINS", "https://app.example.com").split(","),
    allow_credentials=True,
)
# corsguard on an app of its own (beside Starlette's CORSMiddleware it would be a
# cors-library-conflict: see library_conflicts.py).
guard_app = FastAPI()
guard_app.add_middleware(GuardMiddleware, allow_origins=["https://app.example.com"])

flask_app = Flask(__name__)
CORS(flask_app, origins=["https://app.example.com"], supports_credentials=True)
CORS(flask_app, origins=[r"^https://app\.example\.com$"])  # expect: regex-origin

ALLOWED = frozenset({"https://app.example.com", "https://admin.example.com"})
PATTERN = re.compile(r"\Ahttps://(app|admin)\.example\.com\Z")


@flask_app.after_request
def add_cors(response):
    origin = request.headers.get("Origin")
    if origin in ALLOWED:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Vary"] = "Origin"
    return response


@flask_app.after_request
def add_cors_regex(response):
    origin = request.headers.get("Origin", "")
    if PATTERN.fullmatch(origin):  # expect: regex-origin
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


@flask_app.after_request
def fixed_origin(response):
    response.headers["Access-Control-Allow-Origin"] = "https://app.example.com"
    return response


def unrelated(request):
    # Mentions origin but sets no CORS header.
    origin = request.headers.get("Origin")
    return {"origin": origin, "origin_list": ["http://localhost"]}
