"""Model instances as the parameters of a hand-written PostgreSQL statement.

A few hot writes (placing an order) put several tables' rows in one statement, which the ORM
cannot write. The columns and their values still come from the models, as the ORM's own
``bulk_create`` takes them, so a field added to a model is written here too:

* ``insert_columns(Model)``: the concrete fields an INSERT names (not the auto primary key);
* ``one_row(fields, name)``: ``%(name_i)s::type`` placeholders for one row, and
  ``one_row_params(obj, fields, name)`` its values;
* ``many_rows(fields, name)``: ``unnest(%(name_i)s::type[], …) WITH ORDINALITY``, a row source of
  one array per column (the statement's text does not depend on the number of rows), and
  ``many_rows_params(objects, fields, name)`` the arrays.

``select_list`` and ``from_row`` go the other way: a model's columns in a hand-written read, and
the instance built from them, as the ORM's own query would.

Values are prepared as ``Model.save`` would (``pre_save`` for ``auto_now_add``, the field's
database value). Only for PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


@cache
def insert_columns(model: type[models.Model], skip: tuple[str, ...] = ()) -> tuple[models.Field, ...]:
    return tuple(
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField)) and field.attname not in skip
    )


def select_list(model: type[models.Model], alias: str) -> str:
    """``alias."id", alias."name", …``: every concrete column of ``model``, for ``from_row``."""
    return ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields)


@cache
def _reading(model: type[models.Model]) -> tuple[list[str], int, list[tuple[int, list, Any]]]:
    """(attribute names, primary key's position, the columns' value converters) of ``model``'s
    concrete fields, as the ORM's compiler applies them (JSON text parsed, and so on)."""
    fields = model._meta.concrete_fields
    converters = []
    for i, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((i, found, column))
    return [f.attname for f in fields], list(fields).index(model._meta.pk), converters


def from_row(model: type[models.Model], row: Sequence[Any], start: int = 0) -> models.Model | None:
    """The instance whose ``select_list`` columns begin at ``row[start]`` (None when its primary
    key is NULL: the row of an outer join that found nothing), as the ORM builds it."""
    names, pk_index, converters = _reading(model)
    values = list(row[start : start + len(names)])
    if values[pk_index] is None:
        return None
    db = _db()
    for i, functions, column in converters:
        for function in functions:
            values[i] = function(values[i], column, db)
    return model.from_db(db.alias, names, values)


def width(model: type[models.Model]) -> int:
    return len(model._meta.concrete_fields)


def column_names(fields: Iterable[models.Field]) -> str:
    return ", ".join(connection.ops.quote_name(field.column) for field in fields)


def _db_type(field: models.Field) -> str:
    # No length: a cast to varchar(50) would silently cut a longer value.
    return field.db_type(connection).split("(")[0]


def _value(obj: models.Model, field: models.Field, db: Any) -> Any:
    return field.get_db_prep_save(field.pre_save(obj, add=True), connection=db)


def _db() -> Any:
    # The thread's connection itself: ``django.db.connection`` is a proxy that looks it up again
    # on every attribute, and the values of a row ask for it many times.
    return connections[DEFAULT_DB_ALIAS]


def one_row(fields: Sequence[models.Field], name: str) -> str:
    """``%(name_0)s::bigint, %(name_1)s::varchar, …``: placeholders for one row of ``fields``."""
    return ", ".join(f"%({name}_{i})s::{_db_type(field)}" for i, field in enumerate(fields))


def one_row_params(obj: models.Model, fields: Sequence[models.Field], name: str) -> dict[str, Any]:
    db = _db()
    return {f"{name}_{i}": _value(obj, field, db) for i, field in enumerate(fields)}


def many_rows(fields: Sequence[models.Field], name: str, extra: Sequence[tuple[str, str]] = ()) -> str:
    """``unnest(%(name_0)s::bigint[], …) WITH ORDINALITY AS name(c0, c1, …, n)``: a row source with
    one array per field (columns ``c0…``, ``n`` the row's position from 1); ``extra`` adds columns
    that are no field, as (column, SQL type). The text does not depend on the number of rows."""
    arrays = [f"%({name}_{i})s::{_db_type(field)}[]" for i, field in enumerate(fields)]
    arrays += [f"%({name}_{column})s::{sql_type}[]" for column, sql_type in extra]
    columns = ", ".join([f"c{i}" for i in range(len(fields))] + [column for column, _ in extra])
    return f"unnest({', '.join(arrays)}) WITH ORDINALITY AS {name}({columns}, n)"


def many_rows_params(
    objects: Sequence[models.Model],
    fields: Sequence[models.Field],
    name: str,
    extra: Mapping[str, list[Any]] | None = None,
) -> dict[str, Any]:
    """The arrays of a ``many_rows`` source; ``extra`` {column: one value per object}."""
    db = _db()
    params = {f"{name}_{i}": [_value(obj, field, db) for obj in objects] for i, field in enumerate(fields)}
    params.update({f"{name}_{column}": values for column, values in (extra or {}).items()})
    return params


def unnested(name: str, fields: Sequence[models.Field]) -> str:
    """The select list of a ``many_rows`` source, in the fields' order: ``name.c0, name.c1, …``."""
    return ", ".join(f"{name}.c{i}" for i in range(len(fields)))
