"""Forwarded headers, believed only from the proxies in FORWARDED_ALLOW_IPS.

A proxy in front of Django (Caddy, an ingress) says who the client is (X-Forwarded-For)
and whether it used HTTPS (X-Forwarded-Proto). Anyone else could say the same to pick
the address their sign-in attempts are counted under, or to pass for HTTPS; so those
headers are dropped from every request that does not come from a listed proxy, before
any other code reads them. gunicorn reads the same variable for the same purpose.
"""

import ipaddress
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)


@cache
def _trusted_networks(
    entries: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None:
    """The listed proxies as networks; None when `*` trusts every address."""
    if "*" in entries:
        return None
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def is_trusted_proxy(address: str) -> bool:
    networks = _trusted_networks(tuple(settings.FORWARDED_ALLOW_IPS))
    if networks is None:
        return True
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The client's address: the last one a trusted proxy added, else the peer's own."""
    peer = str(request.META.get("REMOTE_ADDR", ""))
    forwarded = [
        hop.strip()
        for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if hop.strip()
    ]
    for hop in reversed(forwarded):
        if not is_trusted_proxy(hop):
            return hop
    return forwarded[0] if forwarded else peer


class TrustedProxyMiddleware:
    """Drop forwarded headers that did not come from a trusted proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_trusted_proxy(str(request.META.get("REMOTE_ADDR", ""))):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
