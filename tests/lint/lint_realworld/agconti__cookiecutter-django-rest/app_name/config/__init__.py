from .local import Local  # noqa
