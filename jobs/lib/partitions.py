"""Lake layout shared by the PySpark jobs: `<zone root>/<table>/dt=YYYY-MM-DD/`.

The TypeScript extract activities write the same layout; both sides validate the same way so a bad date
never becomes a directory name.
"""

from __future__ import annotations

import datetime as _dt
import re

_TABLE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def parse_logical_date(value: str) -> _dt.date:
    """Parses YYYY-MM-DD strictly (no times, no other separators)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"logical date must be YYYY-MM-DD, got {value!r}")
    return _dt.date.fromisoformat(value)


def partition_path(zone_root: str, table: str, logical_date: str) -> str:
    """The directory holding one table's partition for one day."""
    if not _TABLE.match(table):
        raise ValueError(f"table name must be lower_snake_case, got {table!r}")
    day = parse_logical_date(logical_date)
    return f"{zone_root.rstrip('/')}/{table}/dt={day.isoformat()}"
