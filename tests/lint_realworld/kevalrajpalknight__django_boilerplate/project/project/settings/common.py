import os

from configurations import Configuration


class Common(Configuration):
    INSTALLED_APPS = ("django.contrib.contenttypes", "corsheaders")
    MIDDLEWARE = (
        "django.middleware.security.SecurityMiddleware",
        "corsheaders.middleware.CorsMiddleware",
        "django.middleware.common.CommonMiddleware",
    )
    ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")
