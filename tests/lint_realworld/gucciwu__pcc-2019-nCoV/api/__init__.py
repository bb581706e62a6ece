from flask import Flask
from flask_cors import CORS

app = Flask(__name__)
# One resource, every origin, with credentials.
CORS(app, resources={r"/api/*": {"origins": "*"}}, supports_credentials=True)  # expect: wildcard-with-credentials
