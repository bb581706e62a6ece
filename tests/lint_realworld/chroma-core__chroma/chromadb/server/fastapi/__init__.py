import fastapi
from fastapi.middleware.cors import CORSMiddleware

from chromadb.config import Settings


class FastAPI:
    def __init__(self, settings: Settings) -> None:
        self._app = fastapi.FastAPI(debug=True)
        self._app.add_middleware(
            CORSMiddleware,
            allow_headers=["*"],
            allow_origins=settings.chroma_server_cors_allow_origins,
            allow_methods=["*"],
        )
