from configurations import Configuration


class Common(Configuration):
    INSTALLED_APPS = (
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "rest_framework",
        "corsheaders",
    )

    MIDDLEWARE = (
        "corsheaders.middleware.CorsMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
    )

    ALLOWED_HOSTS = ["*"]
