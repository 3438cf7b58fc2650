"""gunicorn's settings for this project, read from the working directory at start-up.

Change them from the environment, no rebuild needed: WEB_CONCURRENCY (worker processes,
gunicorn's own variable) and GUNICORN_THREADS (threads in each worker).
"""

import os


def _threads() -> int:
    value = os.environ.get("GUNICORN_THREADS", "").strip() or "4"
    if not value.isdecimal() or int(value) < 1:
        raise SystemExit(f"GUNICORN_THREADS must be a whole number of 1 or more, not {value!r}")
    return int(value)


# While one request waits on the database, another thread runs. Each thread keeps its own
# database connection (CONN_MAX_AGE), so a process holds up to this many.
worker_class = "gthread"
threads = _threads()
