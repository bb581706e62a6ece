"""Tests of enforcement: ASGI/WSGI middleware, Django and Flask adapters, real servers."""
