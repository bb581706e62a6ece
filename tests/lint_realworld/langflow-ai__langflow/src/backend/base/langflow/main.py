from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware


def create_app() -> FastAPI:
    app = FastAPI(title="Langflow")
    origins = ["*"]

    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,  # expect: wildcard-with-credentials
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    return app
