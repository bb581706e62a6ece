SESSION_COOKIE_SAMESITE = None
ENABLE_PROXY_FIX = True
FEATURE_FLAGS = {"EMBEDDED_SUPERSET": True}

# Superset passes these to flask-cors only when ENABLE_CORS is True (default False), and
# this file never sets it: the options are not used.
CORS_OPTIONS = {
    "supports_credentials": True,
    "allow_headers": ["*"],
    "resources": ["*"],
    "origins": ['*'],
}
