from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

origins = [
    "https://localhost:8000",  # expect: localhost-trusted
    "http://localhost:8000",  # expect: localhost-trusted
]

# A regex for https://*.example.org is left commented out in the repository.

app.add_middleware(
    CORSMiddleware,
    allow_origins=origins,
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
