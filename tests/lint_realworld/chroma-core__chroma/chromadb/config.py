from typing import List

from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    chroma_server_cors_allow_origins: List[str] = []
