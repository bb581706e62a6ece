from datetime import timedelta

from flask import Flask, jsonify
from flask_cors import CORS, cross_origin

app = Flask(__name__)
app.config["CORS_SUPPORTS_CREDENTIALS"] = True
app.config["CORS_EXPOSE_HEADERS"] = ["X-Total-Count"]

cors = CORS(
    app,
    resources={
        r"/api/*": {"origins": ["https://app.example.com", r"^https://.*\.example\.com$"]},
        r"/public/*": {"origins": "*", "supports_credentials": False},
    },
    methods=["GET", "POST", "PATCH"],
    allow_headers=["Authorization", "Content-Type"],
    max_age=timedelta(hours=1),
)


@app.route("/api/orders")
def orders():
    return jsonify([])


@app.route("/widget")
@cross_origin(origins="https://partner.example.org")
def widget():
    return jsonify({})
