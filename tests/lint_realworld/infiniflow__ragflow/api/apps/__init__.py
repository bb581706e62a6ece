from flask import Flask
from flask_cors import CORS

app = Flask(__name__)

CORS(app, supports_credentials=True, max_age=2592000)  # expect: wildcard-with-credentials
app.url_map.strict_slashes = False
