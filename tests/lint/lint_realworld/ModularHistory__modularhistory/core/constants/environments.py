from aenum import Constant


class Environments(Constant):
    PROD = "prod"
    GITHUB_TEST = "test"
    DEV = "dev"
