from typing import Any, Dict

# Read by Superset's initialisation: CORS(app, **CORS_OPTIONS) runs only if ENABLE_CORS.
ENABLE_CORS = False
CORS_OPTIONS: Dict[Any, Any] = {}
