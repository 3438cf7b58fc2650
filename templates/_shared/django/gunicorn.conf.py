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

# On SIGTERM gunicorn stops taking connections and gives the requests in flight this many
# seconds. In Kubernetes (deploy/k8s/) SIGTERM comes after the pod's 10-second preStop
# pause, and the pod is killed 45 seconds after it is told to stop: 10 + 25 fits.
graceful_timeout = 25

# No control socket for gunicornc: its default place is under HOME, which is read-only in
# the container, and nothing in a container talks to it.
control_socket_disable = True
