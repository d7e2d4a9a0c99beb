# Read by every `gunicorn` started from the repository root (gunicorn's default config file).
# Its logger masks resume tokens and client addresses in the access and error logs
# (ops/access_log.py).
logger_class = "ops.access_log.GunicornLogger"
