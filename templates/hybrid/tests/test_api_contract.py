"""The schema contract between the two services.

Django owns the tables and their migrations; the API maps some of them by hand
(api/api/models.py). This applies Django's migrations to a fresh test database (SQLite,
or PostgreSQL when DATABASE_URL names one) and compares the API's SQLModel classes with
the real schema: Alembic's `compare_metadata`, plus a column by column check of types,
nullability, database-side defaults, and missing or extra columns. Change a column on
one side only and this fails, listing the differences.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from django.db import connection
from pytest_django import DjangoDbBlocker
from sqlalchemy import (
    URL,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
)
from sqlmodel import SQLModel

import api.models  # noqa: F401  (registers the API's tables in SQLModel.metadata)

# Django creates the test database for tests that ask for one.
pytestmark = pytest.mark.django_db

# Django names indexes and unique constraints its own way, and SQLite does not report
# whether a foreign key is deferrable: foreign keys are compared below, by their columns.
IGNORED_KINDS = {"index", "unique_constraint", "foreign_key_constraint"}


def sqlalchemy_url(settings: dict[str, Any]) -> URL:
    """A SQLAlchemy URL for the database Django is connected to (its test database)."""
    if connection.vendor == "sqlite":
        return URL.create("sqlite", database=str(settings["NAME"]))
    return URL.create(
        "postgresql+psycopg",
        username=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=int(settings["PORT"]) if settings["PORT"] else None,
        database=settings["NAME"],
    )


@pytest.fixture
def migrated(db: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Engine]:
    """An engine on the test database, to which Django has applied every migration."""
    with django_db_blocker.unblock():
        url = sqlalchemy_url(connection.settings_dict)
    engine = create_engine(url)
    yield engine
    engine.dispose()


def describe(difference: Any) -> str:
    kind, *details = difference
    return f"{kind}: " + ", ".join(str(detail) for detail in details)


def foreign_key_differences(table: Table, reflected: list[Any]) -> list[str]:
    def signature(columns: Any, referred_table: str, referred_columns: Any) -> str:
        return f"({', '.join(columns)}) -> {referred_table}({', '.join(referred_columns)})"

    model = {
        signature(
            [column.name for column in key.columns],
            key.referred_table.name,
            [element.column.name for element in key.elements],
        )
        for key in table.foreign_key_constraints
    }
    database = {
        signature(key["constrained_columns"], key["referred_table"], key["referred_columns"])
        for key in reflected
    }
    return [
        *(f"{table.name}: foreign key {key} in the model only" for key in sorted(model - database)),
        *(
            f"{table.name}: foreign key {key} in the database only"
            for key in sorted(database - model)
        ),
    ]


def schema_differences(engine: Engine, metadata: MetaData) -> list[str]:
    """Every way in which the tables of `metadata` differ from the database's."""
    mapped = set(metadata.tables)

    def include(_object: Any, name: str | None, kind: str, _reflected: bool, _other: Any) -> bool:
        if kind == "table":
            return name in mapped
        return kind not in IGNORED_KINDS

    found: list[str] = []
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include}
        )
        for difference in compare_metadata(context, metadata):
            group = difference if isinstance(difference, list) else [difference]
            found.extend(f"alembic {describe(item)}" for item in group)
        inspector = inspect(connection)
        dialect = connection.dialect
        for table in metadata.sorted_tables:
            if not inspector.has_table(table.name):
                found.append(f"{table.name}: mapped, but Django's migrations create no such table")
                continue
            columns = {column["name"]: column for column in inspector.get_columns(table.name)}
            for column in table.columns:
                where = f"{table.name}.{column.name}"
                actual = columns.pop(column.name, None)
                if actual is None:
                    found.append(f"{where}: mapped, but the table has no such column")
                    continue
                model_type = column.type.compile(dialect=dialect)
                database_type = actual["type"].compile(dialect=dialect)
                if model_type != database_type:
                    found.append(
                        f"{where}: type {model_type} in the model, {database_type} in the database"
                    )
                if bool(column.nullable) != bool(actual["nullable"]):
                    found.append(
                        f"{where}: nullable={column.nullable} in the model, "
                        f"{actual['nullable']} in the database"
                    )
                model_default = column.server_default is not None
                database_default = actual.get("default") is not None
                if model_default != database_default:
                    found.append(
                        f"{where}: the database {'has' if database_default else 'has no'} "
                        f"default, the model {'has' if model_default else 'has no'} server_default"
                    )
            found.extend(
                f"{table.name}.{name}: in the database, but not mapped" for name in sorted(columns)
            )
            found.extend(foreign_key_differences(table, inspector.get_foreign_keys(table.name)))
    return found


def test_api_models_match_djangos_schema(migrated: Engine) -> None:
    differences = schema_differences(migrated, SQLModel.metadata)

    assert not differences, "The API's models differ from Django's schema:\n" + "\n".join(
        differences
    )


def test_the_contract_reports_changes_on_one_side(migrated: Engine) -> None:
    changed = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(changed)
    notes = changed.tables["notes_note"]
    notes.c.title.type = String(100)
    notes.c.body.nullable = True
    notes.c.created_at.server_default = None
    notes.append_column(Column("color", Integer, nullable=False))

    differences = "\n".join(schema_differences(migrated, changed))

    assert "notes_note.title: type VARCHAR(100) in the model" in differences
    assert "notes_note.body: nullable=True in the model, False in the database" in differences
    assert "notes_note.created_at: the database has default" in differences
    assert "notes_note.color: mapped, but the table has no such column" in differences
