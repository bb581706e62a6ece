import os

from decouple import config

from core.constants.environments import Environments

if os.environ.get("GITHUB_WORKFLOW"):
    ENVIRONMENT = Environments.GITHUB_TEST
else:
    # "dev" unless ENVIRONMENT is set (the production deployment sets "prod").
    ENVIRONMENT = config("ENVIRONMENT", default=Environments.DEV)

IS_PROD = ENVIRONMENT == Environments.PROD
IS_DEV = ENVIRONMENT == Environments.DEV
