from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI(debug=True)

app.add_middleware(
    CORSMiddleware,
    allow_origins=[
        "http://localhost:8000",  # expect: localhost-trusted
        "http://127.0.0.1:8000",  # expect: localhost-trusted
        "http://localhost:8001",  # expect: localhost-trusted
        "http://localhost:8081",  # expect: localhost-trusted
    ],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
