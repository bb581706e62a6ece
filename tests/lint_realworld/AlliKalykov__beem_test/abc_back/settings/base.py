import environ
from configurations import Configuration

env = environ.Env()


class Base(Configuration):
    # The configuration class that runs unless DJANGO_CONFIGURATION says otherwise.
    DJANGO_CONFIGURATION = env("DJANGO_CONFIGURATION", default="Dev")
    INSTALLED_APPS = ["django.contrib.contenttypes", "corsheaders"]
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "corsheaders.middleware.CorsMiddleware",
        "django.middleware.common.CommonMiddleware",
    ]
