from flask import Flask
from flask_cors import CORS

app = Flask(__name__)

CORS(
    app,
    methods=["GET", "POST", "OPTIONS"],
    allow_headers=["Content-Type"],
    supports_credentials=True,
    resources={r"/*": {"origins": "*"}},  # expect: wildcard-with-credentials
)
