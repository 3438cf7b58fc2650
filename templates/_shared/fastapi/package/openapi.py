"""The answers the OpenAPI schema lists for whole kinds of operations, beside those each
route declares: a shared dependency or the framework gives them, not the route itself.

- An operation that needs an access token (it has `security`) answers 401 without a valid
  one, and 403 when the account is inactive (see `deps.get_current_user`).
- An operation that takes a body answers 400 when the body cannot be parsed (bytes that
  are not UTF-8, a broken form), and 413 when it is larger than MAX_REQUEST_BYTES: in
  JSON, or in plain text when the request announced its length.

An operation that declares one of these codes itself keeps its own description. The
codes are listed in order, as in the documentation pages.
"""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from .schemas.common import Detail

OPERATIONS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
DETAIL = {"application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}}
NEEDS_A_TOKEN = {
    "401": {"description": "No access token, or not a valid one", "content": DETAIL},
    "403": {"description": "The account is inactive", "content": DETAIL},
}
TAKES_A_BODY = {
    "400": {"description": "The body cannot be parsed", "content": DETAIL},
    "413": {
        "description": "The body is larger than the API accepts",
        "content": {**DETAIL, "text/plain": {"schema": {"type": "string"}}},
    },
}


def add_shared_answers(schema: dict[str, Any]) -> None:
    """Add the answers above to the operations of `schema`, an OpenAPI document."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Detail", Detail.model_json_schema())
    for path in schema.get("paths", {}).values():
        for method, operation in path.items():
            if method not in OPERATIONS:
                continue
            shared: dict[str, Any] = {}
            if "security" in operation:
                shared |= NEEDS_A_TOKEN
            if "requestBody" in operation:
                shared |= TAKES_A_BODY
            answers = {**shared, **operation.get("responses", {})}
            operation["responses"] = dict(sorted(answers.items()))


def document_shared_answers(app: FastAPI) -> None:
    """Have `app` publish its schema with the answers above."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        schema = generate()  # made once: FastAPI keeps it and hands it back afterwards
        if first:
            add_shared_answers(schema)
        return schema

    # FastAPI's documented way to extend the schema it generates.
    app.openapi = openapi  # type: ignore[method-assign]
