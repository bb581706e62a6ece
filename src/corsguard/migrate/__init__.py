"""`corsguard migrate`: move flask-cors, Starlette/FastAPI and django-cors-headers
configurations to corsguard.

- `corsguard.migrate.translate`: library options to Policy keyword arguments and notes (pure);
- `corsguard.migrate.regex`: origin regexes to corsguard patterns, exactly or not at all (pure);
- `corsguard.migrate.rewrite`: the libcst rewriting of a module (needs ``corsguard[migrate]``);
- `corsguard.migrate.cli`: the command (walking, diffing, writing).
"""
