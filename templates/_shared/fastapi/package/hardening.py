"""What every response of the API gets: security headers, validation errors that do not
repeat what the client sent (it may be a password), and an `Allow` header that names
every method of the path on a 405."""

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = [
    # Browsers must not guess another content type than the one declared.
    (b"x-content-type-options", b"nosniff"),
    # No page may frame the API (the docs included): no clickjacking.
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    # Links out of the docs do not tell other sites the URL they came from.
    (b"referrer-policy", b"no-referrer"),
]
# What is kept of each validation error: where and what, never the input itself.
VALIDATION_ERROR_FIELDS = ("type", "loc", "msg")
# The methods a route may serve, in the order `Allow` lists them.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every HTTP response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def validation_error_handler(
    _request: Request, error: RequestValidationError
) -> JSONResponse:
    """422 with each error's location, type and message, but not the value it was about."""
    errors = [
        {field: detail[field] for field in VALIDATION_ERROR_FIELDS if field in detail}
        for detail in error.errors()
    ]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


def allowed_methods(request: Request) -> list[str]:
    """The methods some route of the app serves at the path of `request`."""
    routes = request.app.router.routes
    allowed = []
    for method in METHODS:
        probe: Scope = {
            "type": "http",
            "method": method,
            "path": request.scope["path"],
            "root_path": request.scope.get("root_path", ""),
        }
        if any(route.matches(probe)[0] is Match.FULL for route in routes):
            allowed.append(method)
    return allowed


async def method_not_allowed_handler(request: Request, error: HTTPException) -> JSONResponse:
    """405 with every method of the path in `Allow`.

    Starlette's names only those of the first route that matched the path, while a path
    often has a route per method (`GET` and `POST /items`): an `OPTIONS` request, or a
    client reading `Allow`, would be told of `GET` alone.
    """
    allow = ", ".join(allowed_methods(request))
    return JSONResponse({"detail": error.detail}, status_code=405, headers={"Allow": allow})


class HardenedAPI(FastAPI):
    """FastAPI with `SecurityHeaders` outside all of its middleware.

    Added with `add_middleware`, they would sit inside FastAPI's own outer layers, and the
    answers those send themselves (413 for a body over the limit, 500 for a crash) would
    go out without them.
    """

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def harden(app: FastAPI) -> None:
    app.exception_handler(RequestValidationError)(validation_error_handler)
    app.exception_handler(405)(method_not_allowed_handler)


async def no_store(response: Response) -> None:
    """A route dependency for answers that hold tokens: no cache may keep them."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
