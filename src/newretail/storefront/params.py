"""Reading the mall's query strings and form fields: a bad value is "not given", never an error
(a letter in a page number, an id past the database's range)."""

from __future__ import annotations

from collections.abc import Iterable

MAX_ID = 2**63 - 1


def whole_number(value: str | None, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """``value`` as an int in [low, high], or None."""
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if low <= number <= high else None


def id_list(values: Iterable[str], *, limit: int) -> list[int]:
    """The valid ids among ``values``, first ones kept, duplicates dropped, at most ``limit``."""
    ids = (whole_number(value) for value in values)
    return list(dict.fromkeys(i for i in ids if i is not None))[:limit]
