import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

debug = os.environ.get("mode", "prod") == "dev"
app = FastAPI()
origins = ["*"]  # expect: wildcard-origin
cors_regex = (
    r"^(https?\://)?(([\w\-_\.]*\.)?kanaries\.\w*|rath[\w\-_]*\-kanaries\.vercel.app)(\:\d{1,})?$"
    if not debug
    else r"^(https?\://)?(([\w\-_\.]*\.)?kanaries\.\w*|rath[\w\-_]*\-kanaries\.vercel.app|localhost|192\.168\.\d{1,3}\.\d{1,3}|127\.0\.0\.1)(\:\d{1,})?$"
)
app.add_middleware(
    CORSMiddleware,
    allow_origins=origins,
    allow_origin_regex=cors_regex,
    allow_credentials=False,
    allow_methods=["*"],
    allow_headers=["*"],
)
