"""A private Redis server for the worker check: started on a free port, stopped and
started again on the same port, so a check can take the queue away and bring it back
without touching the machine's own Redis."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from scaffold.smoke.serve import free_port
from scaffold.smoke.tools import find_tool, stop_group

START_TIMEOUT = 10.0


class RedisDown(RuntimeError):
    """The private Redis server did not start."""


class RedisServer:
    def __init__(self, binary: Path, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # Appendonly like the compose service: what was queued survives a restart.
        self._process = subprocess.Popen(
            [
                str(self.binary),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--save",
                "",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.answers():
                return
            if self._process.poll() is not None:
                break
            time.sleep(0.1)
        raise RedisDown(f"redis-server on port {self.port} did not answer PING")

    def stop(self) -> None:
        if self._process is not None:
            stop_group(self._process, grace=10)
            self._process = None

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False


@contextlib.contextmanager
def private_redis(folder: Path) -> Iterator[RedisServer]:
    """A running private server; ToolMissing when redis-server is not installed."""
    binary = find_tool("redis-server")
    server = RedisServer(binary, folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def production_redis(needed: bool, folder: Path) -> Iterator[dict[str, str]]:
    """The environment production settings need for Redis: with the worker (`needed`),
    a private server's `REDIS_URL`; without, nothing. RedisDown or ToolMissing when it
    cannot start."""
    if not needed:
        yield {}
        return
    with private_redis(folder) as server:
        yield {"REDIS_URL": server.url}
