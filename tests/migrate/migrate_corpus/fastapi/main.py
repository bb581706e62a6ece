"""The shop's API."""

import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI(title="shop")

FRONT_ENDS = [
    "https://shop.example.com",
    "https://admin.example.com",
]

app.add_middleware(
    CORSMiddleware,
    allow_origins=FRONT_ENDS,
    # Preview deployments and local development.
    allow_origin_regex=r"https://shop-[a-z0-9-]+\.preview\.example\.com|http://localhost(:\d+)?",
    allow_credentials=True,
    allow_methods=["GET", "POST", "PUT", "DELETE"],
    allow_headers=["*"],
    expose_headers=["X-Request-Id"],
    max_age=3600,
)

partners = FastAPI()
partners.add_middleware(CORSMiddleware, allow_origins=os.environ["PARTNER_ORIGINS"].split(","))


@app.get("/items")
def items() -> list[str]:
    return []
