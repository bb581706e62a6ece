# A file that does not parse: reported as a note and skipped.
CORS_ALLOW_ALL_ORIGINS = (
