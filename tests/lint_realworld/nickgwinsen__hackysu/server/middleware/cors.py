from fastapi.middleware.cors import CORSMiddleware
from main import app

origins = [
    "http://localhost",  # expect: localhost-trusted
    "http://localhost:8000",  # expect: localhost-trusted
    "http://localhost:3000",  # expect: localhost-trusted
]

app.add_middleware(
    CORSMiddleware,
    allow_origins=origins,
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
