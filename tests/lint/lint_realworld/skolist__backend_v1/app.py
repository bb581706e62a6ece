from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from config.settings import DEPLOYMENT_ENV


def create_app() -> FastAPI:
    app = FastAPI()

    if DEPLOYMENT_ENV == "PRODUCTION":
        app.add_middleware(
            CORSMiddleware,
            allow_origin_regex=r"https://.*\.skolist\.com",  # expect: any-subdomain-trusted regex-origin
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    elif DEPLOYMENT_ENV == "STAGE":
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[r"https://.*\.vercel\.app"],  # expect: origin-never-matches
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    else:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["*"],  # expect: wildcard-with-credentials
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )

    return app
