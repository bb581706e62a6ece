from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from src.urls import allow_headers, allow_methods, origins

app = FastAPI(title="CleanBuy")

app.add_middleware(
    CORSMiddleware,
    allow_origins=origins,  # expect: insecure-origin-trusted localhost-trusted origin-never-matches
    allow_credentials=True,
    allow_methods=allow_methods,
    allow_headers=allow_headers,
)
