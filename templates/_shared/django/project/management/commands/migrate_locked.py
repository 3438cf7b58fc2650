"""`manage.py migrate_locked`: `migrate`, one process at a time on PostgreSQL.

Django's `migrate` is not safe to run twice at once on PostgreSQL: both runs read the
same list of applied migrations, both apply the next one, and the second fails half-way
(the table already exists) or records a migration twice. Several can start together in a
cluster: a migration Job and its retry, two deploys at once. This command holds a
PostgreSQL advisory lock for the whole run, so the second waits for the first and then
finds nothing left to do. On other databases (SQLite in development) it is plain
`migrate`: one process owns the file. It takes every option `migrate` takes.
"""

from typing import Any

from django.core.management.commands import migrate
from django.db import connections

# Any number will do, as long as nothing else in the project locks it. Advisory locks
# are per database, so projects sharing a server do not wait for each other.
MIGRATION_LOCK = 7_316_815


class Command(migrate.Command):
    help = "Apply migrations like migrate, one process at a time (a PostgreSQL advisory lock)."

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            super().handle(*args, **options)
            return
        # A session lock: it outlives the transactions migrate commits, and PostgreSQL
        # releases it should this process die half-way.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK])
            row = cursor.fetchone()
            if not (row and row[0]):
                self.stdout.write("Another migrate_locked is running: waiting for it to finish")
                cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
        try:
            super().handle(*args, **options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
