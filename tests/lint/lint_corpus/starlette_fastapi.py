"""Starlette / FastAPI CORSMiddleware configurations."""

import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORS

app = FastAPI()

# "*" with credentials: Starlette echoes every origin with credentials.
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],  # expect: wildcard-with-credentials
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)

# Public, read-only: "*" without credentials is low.
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])  # expect: wildcard-origin

# A Vercel preview regex: anyone can deploy to vercel.app.
app.add_middleware(
    CORSMiddleware,
    allow_origin_regex=r"https://.*\.vercel\.app",  # expect: regex-origin third-party-origin-trusted
    allow_credentials=True,
)

# Unescaped dots (fullmatch, so no prefix bypass).
app.add_middleware(CORSMiddleware, allow_origin_regex="https://app.example.com")  # expect: regex-origin unescaped-dot

# A regex that matches everything.
app.add_middleware(CORSMiddleware, allow_origin_regex=".*", allow_credentials=True)  # expect: regex-origin origin-reflected

# https? and an unescaped dot inside the registrable domain.
app.add_middleware(
    CORSMiddleware,
    allow_origin_regex=r"https?://(www\.)?example\.com",  # expect: regex-origin insecure-origin-trusted
)

ORIGINS = [
    "https://app.example.com",
    "null",  # expect: null-origin-trusted
    "http://localhost:3000",  # expect: localhost-trusted
    "http://staging.example.com",  # expect: insecure-origin-trusted
    "https://example.github.io",  # expect: third-party-origin-trusted
]
app.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True)

# Values from the environment: the default runs when the variable is missing.
ENV_ORIGINS = os.getenv("CORS_ORIGINS", "https://app.example.com,null").split(",")
app.add_middleware(CORSMiddleware, allow_origins=ENV_ORIGINS)  # expect: null-origin-trusted

CREDS = os.environ.get("CORS_CREDENTIALS", "true").lower() == "true"
WILDCARD = ["*"]  # expect: wildcard-with-credentials
app.add_middleware(CORSMiddleware, allow_origins=WILDCARD, allow_credentials=CREDS)

# The Middleware(...) form, with private network access for everyone.
starlette_app = Starlette(
    middleware=[
        Middleware(
            StarletteCORS,
            allow_origins=["*"],  # expect: wildcard-origin private-network-allowed
            allow_private_network=True,
        )
    ]
)

# Wrapping an ASGI app directly.
asgi_app = StarletteCORS(starlette_app, allow_origins=["https://app.example.com"], allow_origin_regex=r"https://.*\.example\.com")  # expect: regex-origin any-subdomain-trusted

# A string where a list is expected: Starlette tests `origin in "https://app.example.com"`.
app.add_middleware(CORSMiddleware, allow_origins="https://app.example.com", allow_credentials=True)  # expect: substring-match
