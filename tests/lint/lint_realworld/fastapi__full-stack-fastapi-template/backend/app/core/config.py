from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file="../.env",
        env_ignore_empty=True,
        extra="ignore",
    )
    API_V1_STR: str = "/api/v1"
    SECRET_KEY: str
    # The default runs unless FRONTEND_HOST is set in the environment or ../.env.
    FRONTEND_HOST: str = "http://localhost:5173"
    PROJECT_NAME: str


settings = Settings()  # type: ignore
