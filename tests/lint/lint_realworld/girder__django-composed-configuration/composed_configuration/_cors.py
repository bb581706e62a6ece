from configurations import values

from ._base import ConfigMixin


class CorsMixin(ConfigMixin):
    @staticmethod
    def mutate_configuration(configuration):
        configuration.INSTALLED_APPS += ["corsheaders"]
        whitenoise_index = configuration.MIDDLEWARE.index(
            "whitenoise.middleware.WhiteNoiseMiddleware"
        )
        configuration.MIDDLEWARE.insert(whitenoise_index, "corsheaders.middleware.CorsMiddleware")

    # Empty unless DJANGO_CORS_ORIGIN_WHITELIST / DJANGO_CORS_ORIGIN_REGEX_WHITELIST are set.
    CORS_ORIGIN_WHITELIST = values.ListValue()
    CORS_ORIGIN_REGEX_WHITELIST = values.ListValue()
