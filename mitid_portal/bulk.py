"""Inserting many rows fast: one prepared INSERT run with ``executemany``.

``bulk_create`` prepares every value of every row through the ORM's compiler, which for 50,000
users and 100,000 rights costs several seconds on its own; here the values that are the same for
every row (defaults, timestamps) are prepared once from a template instance, and the caller hands
over only the values that vary, already in database form. On PostgreSQL the rows go in by
``COPY … FROM STDIN`` (psycopg's copy, several times faster than a pipelined ``executemany``);
elsewhere by ``executemany``.
"""

import json
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from django.db import connections, router
from django.db.models import Field, Model
from psycopg.types.json import Jsonb


def _column(field: Field[Any, Any]) -> str:
    """A concrete field's column (only fields without one, such as many-to-many ones, have none)."""
    assert field.column is not None
    return field.column


class BulkInserter:
    def __init__(self, model: type[Model], *, template: Model, varying: Sequence[str]) -> None:
        self.connection = connections[router.db_for_write(model)]
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        by_name = {f.attname: f for f in fields}
        unknown = set(varying) - by_name.keys()
        if unknown:
            raise ValueError(f"unknown columns: {sorted(unknown)}")
        self.varying = list(varying)
        position = {name: index for index, name in enumerate(self.varying)}
        postgres = self.connection.vendor == "postgresql"
        # For each column: the index of its varying value, or the value itself prepared once.
        self.plan: list[tuple[int | None, Any]] = []
        fixed_fields: list[Field[Any, Any]] = []
        fixed_values: list[Any] = []
        for f in fields:
            if f.attname in position:
                self.plan.append((position[f.attname], None))
            else:
                value = f.get_db_prep_save(f.pre_save(template, True), connection=self.connection)
                self.plan.append((None, value))
                fixed_fields.append(f)
                # COPY takes every column as text: a JSON value is dumped once, not per row.
                if postgres and isinstance(value, Jsonb):
                    value = (value.dumps or json.dumps)(value.obj)
                fixed_values.append(value)
        # The statements name the varying columns first and the fixed ones after them, so that a
        # row's values are the caller's row and one tuple appended, joined in C (no Python per
        # value, which for 50,000 users and 100,000 rights cost more than a second).
        self.tail = tuple(fixed_values)
        quote = self.connection.ops.quote_name
        # Table and column names come from the model and are quoted; the values are parameters.
        table = quote(model._meta.db_table)
        ordered = [by_name[name] for name in self.varying] + fixed_fields
        columns = ", ".join(quote(_column(f)) for f in ordered)
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            table, columns, ", ".join(["%s"] * len(ordered))
        )
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        self.pk_column = quote(_column(model._meta.pk))
        if postgres:
            # INSERT … SELECT FROM unnest(one array per varying column) WITH ORDINALITY: one
            # parameter per column instead of one per value, in row order.
            arrays = ", ".join(
                # %b: the array travels in binary (psycopg), not quoted into the statement.
                f"%b::{by_name[name].db_type(self.connection)}[]"
                for name in self.varying
            )
            names = ", ".join(f"v{i}" for i in range(len(self.varying)))
            select = ", ".join(
                f"u.v{index}" if index is not None else f"%s::{f.db_type(self.connection)}"
                for f, (index, _fixed) in zip(fields, self.plan, strict=True)
            )
            all_columns = ", ".join(quote(_column(f)) for f in fields)
            self.unnest_sql = (
                f"INSERT INTO {table} ({all_columns}) SELECT {select} "  # noqa: S608
                f"FROM unnest({arrays}) WITH ORDINALITY AS u({names}, n) ORDER BY u.n "
                f"RETURNING {self.pk_column}"
            )

    def _params(self, rows: Iterable[Sequence[Any]]) -> list[tuple]:
        """Each row's values in the statements' column order: the varying ones, then the fixed."""
        tail = self.tail
        return [(*row, *tail) for row in rows]

    def insert_returning(self, rows: Sequence[Sequence[Any]], *, batch_size: int = 500) -> list:
        """Like :meth:`insert`, returning the new primary keys in the order of ``rows``: one
        multi-row ``INSERT … RETURNING`` per batch (PostgreSQL, SQLite 3.35+), as bulk_create
        does, without preparing every value of every row through the ORM's compiler."""
        if not self.connection.features.can_return_rows_from_bulk_insert:
            raise NotImplementedError("the database cannot return ids from a multi-row insert")
        if self.connection.vendor == "postgresql":
            return self._insert_returning_unnest(rows, batch_size=max(batch_size, 10_000))
        params = self._params(rows)
        row_sql = "({})".format(", ".join(["%s"] * len(self.plan)))
        insert_head = self.sql.split(" VALUES ", 1)[0]
        pks: list = []
        with self.connection.cursor() as cursor:
            for start in range(0, len(params), batch_size):
                batch = params[start : start + batch_size]
                cursor.execute(
                    f"{insert_head} VALUES {', '.join([row_sql] * len(batch))} "
                    f"RETURNING {self.pk_column}",
                    [value for row in batch for value in row],
                )
                pks.extend(pk for (pk,) in cursor.fetchall())
        return pks

    def _insert_returning_unnest(self, rows: Sequence[Sequence[Any]], *, batch_size: int) -> list:
        fixed = [value for index, value in self.plan if index is None]
        pks: list = []
        self.connection.ensure_connection()
        # A server-binding cursor with the arrays as binary parameters: they go over the wire as
        # they are, not quoted element by element into the statement's text (Django's
        # client-side binding), which for 50,000 emails cost seconds. Same connection and
        # transaction.
        with psycopg.Cursor(self.connection.connection) as cursor:
            for start in range(0, len(rows), batch_size):
                batch = rows[start : start + batch_size]
                columns = [[row[i] for row in batch] for i in range(len(self.varying))]
                # The fixed values come first in the statement (the SELECT list), then the arrays.
                cursor.execute(self.unnest_sql, [*fixed, *columns])
                pks.extend(pk for (pk,) in cursor.fetchall())
        return pks

    def insert(self, rows: Iterable[Sequence[Any]]) -> None:
        """Insert rows given as sequences of the varying values, in the order of ``varying``,
        already in database form."""
        if self.connection.vendor == "postgresql":
            rows = iter(rows)
            first = next(rows, None)
            if first is None:
                return  # no statement for no rows
            tail = self.tail
            with self.connection.cursor() as cursor, cursor.cursor.copy(self.copy_sql) as copy:
                # Row by row as the rows come: the server takes in each while the next is built.
                copy.write_row((*first, *tail))
                for row in rows:
                    copy.write_row((*row, *tail))
            return
        params = self._params(rows)
        if params:
            with self.connection.cursor() as cursor:
                cursor.executemany(self.sql, params)
