"""Inserting many rows fast: one prepared INSERT run with ``executemany``.

``bulk_create`` prepares every value of every row through the ORM's compiler, which for 50,000
users and 100,000 rights costs several seconds on its own; here the values that are the same for
every row (defaults, timestamps) are prepared once from a template instance, and the caller hands
over only the values that vary, already in database form. On PostgreSQL the rows go in by
``COPY … FROM STDIN`` (psycopg's copy, several times faster than a pipelined ``executemany``);
elsewhere by ``executemany``.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model


class BulkInserter:
    def __init__(self, model: type[Model], *, template: Model, varying: Sequence[str]) -> None:
        self.connection = connections[router.db_for_write(model)]
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        unknown = set(varying) - {f.attname for f in fields}
        if unknown:
            raise ValueError(f"unknown columns: {sorted(unknown)}")
        self.varying = list(varying)
        position = {name: index for index, name in enumerate(self.varying)}
        # For each column: the index of its varying value, or the value itself prepared once.
        self.plan: list[tuple[int | None, Any]] = []
        for f in fields:
            if f.attname in position:
                self.plan.append((position[f.attname], None))
            else:
                value = f.pre_save(template, True)
                self.plan.append((None, f.get_db_prep_save(value, connection=self.connection)))
        quote = self.connection.ops.quote_name
        # Table and column names come from the model and are quoted; the values are parameters.
        table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            table, columns, ", ".join(["%s"] * len(fields))
        )
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"

    def insert(self, rows: Iterable[Sequence[Any]]) -> None:
        """Insert rows given as sequences of the varying values, in the order of ``varying``,
        already in database form."""
        plan = self.plan
        params = [
            tuple(row[index] if index is not None else fixed for index, fixed in plan)
            for row in rows
        ]
        if not params:
            return
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in params:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, params)
