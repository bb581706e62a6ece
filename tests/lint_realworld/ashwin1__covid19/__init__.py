from flask import Flask
from flask_cors import CORS

app = Flask(__name__)
# "support_credentials" (sic) is not a flask-cors option: it is ignored, so credentials stay
# off and the default origins "*" apply.
CORS(app, support_credentials=True)  # expect: wildcard-origin
app.config["CORS_HEADERS"] = "application/json"
