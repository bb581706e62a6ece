from flask import Flask
from flask_cors import CORS, cross_origin

app = Flask(__name__)
CORS(app, support_credentials=True)  # expect: wildcard-origin


@app.route("/")
@cross_origin(supports_credentials=True)  # expect: wildcard-with-credentials
def hello_world():
    return "Hello World!"
