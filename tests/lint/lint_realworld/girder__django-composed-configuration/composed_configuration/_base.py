from configurations import Configuration


class ComposedConfiguration(Configuration):
    @classmethod
    def pre_setup(cls):
        super().pre_setup()
        # Each mixin in the MRO edits the configuration class before its values are bound.
        for base_cls in reversed(cls.__mro__):
            if "mutate_configuration" in base_cls.__dict__:
                base_cls.mutate_configuration(cls)


class ConfigMixin:
    @staticmethod
    def mutate_configuration(configuration):
        pass
