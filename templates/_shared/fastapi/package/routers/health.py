"""Probes for load balancers and container health checks.

- `GET /api/v1/health/live`: the process answers (no database work, so it stays cheap
  under frequent polling);
- `GET /api/v1/health`: 200 when the database answers, 503 when it does not.
"""

import asyncio
import logging
from typing import Literal

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..deps import EngineDep

logger = logging.getLogger(__name__)
router = APIRouter(tags=["health"])

DATABASE_TIMEOUT_SECONDS = 3


class Liveness(BaseModel):
    status: Literal["ok"]


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]


@router.get("/health/live")
async def live() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/health",
    response_model=Health,
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Health}},
)
async def health(engine: EngineDep) -> Health | JSONResponse:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        logger.exception("Health check: the database did not answer")
        failed = Health(status="unavailable", database="unreachable")
        return JSONResponse(failed.model_dump(), status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    return Health(status="ok", database="ok")
