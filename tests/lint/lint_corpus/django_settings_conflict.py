# Django settings halfway through a migration from django-cors-headers to corsguard.

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "corsheaders",  # expect: cors-library-conflict
    "corsguard.django.CORSGuardConfig",
]

# corsheaders' middleware listed first is the outer one: it answers before corsguard.
MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",  # expect: cors-library-conflict
    "corsguard.django.CORSGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
]

CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
