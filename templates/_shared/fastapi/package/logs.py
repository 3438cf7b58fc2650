"""The service's own log records, on standard error at LOG_LEVEL.

uvicorn sets up its own loggers only: without this, the application's records below
WARNING went nowhere. The format is the Django side's.
"""

import logging

FORMAT = "%(levelname)s %(asctime)s %(name)s %(message)s"


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if not root.handlers:  # a server or a test runner may have set one up already
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
