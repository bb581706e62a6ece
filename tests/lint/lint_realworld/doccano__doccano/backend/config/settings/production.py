from .base import *  # noqa: F401,F403

# Too late for CORS: base.py already chose allow-all from its own DEBUG when it was imported.
DEBUG = False
