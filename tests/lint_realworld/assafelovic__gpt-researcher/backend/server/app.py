from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],  # expect: wildcard-with-credentials
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
