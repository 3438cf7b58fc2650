"""Django's Redis cache, answering as an empty cache while Redis is away.

The cache only saves work (and holds allauth's sign-up and mail limits, which then let
requests through): pages must keep answering when Redis is down. The sign-in limits that
protect accounts live in the database (accounts/sign_in_limits.py) and hold regardless.
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _unavailable(operation: str, exc: RedisError) -> None:
    logger.warning("Cache %s skipped, Redis is unreachable: %s", operation, exc)


class TolerantRedisCacheClient(RedisCacheClient):
    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        try:
            return bool(super().add(key, value, timeout))
        except RedisError as exc:
            _unavailable("add", exc)
            # An empty cache takes the key. Saying no would make allauth's rate limits,
            # which lock with add(), refuse every request while Redis is away.
            return True

    def get(self, key: Any, default: Any) -> Any:
        try:
            return super().get(key, default)
        except RedisError as exc:
            _unavailable("get", exc)
            return default

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        try:
            super().set(key, value, timeout)
        except RedisError as exc:
            _unavailable("set", exc)

    def touch(self, key: Any, timeout: Any) -> bool:
        try:
            return bool(super().touch(key, timeout))
        except RedisError as exc:
            _unavailable("touch", exc)
            return False

    def delete(self, key: Any) -> bool:
        try:
            return bool(super().delete(key))
        except RedisError as exc:
            _unavailable("delete", exc)
            return False

    def get_many(self, keys: Any) -> dict[Any, Any]:
        try:
            return dict(super().get_many(keys))
        except RedisError as exc:
            _unavailable("get_many", exc)
            return {}

    def has_key(self, key: Any) -> bool:
        try:
            return bool(super().has_key(key))
        except RedisError as exc:
            _unavailable("has_key", exc)
            return False

    def incr(self, key: Any, delta: int) -> Any:
        try:
            return super().incr(key, delta)
        except RedisError as exc:
            _unavailable("incr", exc)
            return delta

    def set_many(self, data: Mapping[Any, Any], timeout: Any) -> None:
        try:
            super().set_many(data, timeout)
        except RedisError as exc:
            _unavailable("set_many", exc)

    def delete_many(self, keys: Any) -> None:
        try:
            super().delete_many(keys)
        except RedisError as exc:
            _unavailable("delete_many", exc)

    def clear(self) -> bool:
        try:
            return bool(super().clear())
        except RedisError as exc:
            _unavailable("clear", exc)
            return False


class TolerantRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient
