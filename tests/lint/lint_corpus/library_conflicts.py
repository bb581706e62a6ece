"""Half-finished migrations to corsguard: another CORS library left on the same app (issue #10)."""

from corsguard.asgi import CORSMiddleware as GuardMiddleware
from corsguard.flask import CORSGuard
from corsguard.wsgi import CORSMiddleware as GuardWSGI
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from flask import Flask
from flask_cors import CORS, cross_origin
from starlette.applications import Starlette
from starlette.middleware import Middleware

# Starlette's CORSMiddleware added after corsguard's: the last added is outermost, so it
# answers preflights and requests before corsguard sees them.
api = FastAPI()
api.add_middleware(GuardMiddleware, allow_origins=["https://app.example.com"])
api.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])  # expect: cors-library-conflict

# Added before corsguard's: corsguard is outside and strips its headers (medium: a leftover).
api2 = FastAPI()
api2.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])  # expect: cors-library-conflict
api2.add_middleware(GuardMiddleware, allow_origins=["https://app.example.com"])

# Inside, but with "*" and credentials: wherever it answers, it answers everyone (high).
api3 = FastAPI()
api3.add_middleware(  # expect: cors-library-conflict
    CORSMiddleware,
    allow_origins=["*"],  # expect: wildcard-with-credentials
    allow_credentials=True,
)
api3.add_middleware(GuardMiddleware, allow_origins=["https://app.example.com"])

# middleware=[...]: the first listed is outermost.
star = Starlette(
    middleware=[
        Middleware(CORSMiddleware, allow_origins=["https://app.example.com"]),  # expect: cors-library-conflict
        Middleware(GuardMiddleware, allow_origins=["https://app.example.com"]),
    ]
)

# flask-cors installed first: its after_request hook runs last, but CORSGuard applies its
# decision in a WSGI layer after every hook; a leftover to remove (high: every origin).
web = Flask(__name__)
CORS(web)  # expect: wildcard-origin cors-library-conflict
CORSGuard(web)

# corsguard's WSGI middleware around the Flask app: corsguard is outside, but flask-cors
# with credentials is still a leftover to remove.
web2 = Flask(__name__)
CORS(web2, origins=["https://app.example.com"], supports_credentials=True)  # expect: cors-library-conflict
web2.wsgi_app = GuardWSGI(web2.wsgi_app, allow_origins=["https://app.example.com"])

# Per-view decorator under corsguard's hooks: innermost, stripped (medium).
web3 = Flask(__name__)
CORSGuard(web3)


@web3.route("/data")
@cross_origin(origins=["https://app.example.com"])  # expect: cors-library-conflict
def data():
    return "ok"


# Different apps in one module: no conflict.
public = FastAPI()
public.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])
guarded = FastAPI()
guarded.add_middleware(GuardMiddleware, allow_origins=["https://app.example.com"])
