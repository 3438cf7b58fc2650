"""One page of a list, read as plain rows, with the length of the whole list."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession


async def read_page(
    session: AsyncSession,
    columns: Sequence[Any],
    *,
    where: sa.ColumnExpressionArgument[bool],
    order_by: Sequence[Any],
    offset: int,
    limit: int,
) -> tuple[Sequence[sa.RowMapping], int]:
    """Return the page's rows and the number of rows matching `where`.

    A read-only page needs no ORM objects: plain rows on the session's connection cost
    less CPU, and every row also carries the count, so one round trip usually does.
    """
    connection = await session.connection()
    page = await connection.execute(
        sa.select(*columns, sa.func.count().over().label("total"))
        .where(where)
        .order_by(*order_by)
        .offset(offset)
        .limit(limit)
    )
    rows = page.mappings().all()
    if rows:
        return rows, int(rows[0]["total"])
    if not offset:
        return rows, 0
    # Past the last page no row carries the count: ask for it (FROM comes from `where`).
    counted = await connection.execute(sa.select(sa.func.count()).where(where))
    return rows, int(counted.scalar_one())
