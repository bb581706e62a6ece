import environ

env = environ.Env()
