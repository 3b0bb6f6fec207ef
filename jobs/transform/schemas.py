"""Loads the generated warehouse Spark schemas (jobs/schemas/<table>.json, generated from schema/warehouse).

They are package data of `jobs`, read through the package loader so the same code works from the source tree, from
the zip built by jobs/build_pyfiles.py (which includes them) and, as a fallback, from any directory on
`jobs.__path__` (a runner whose zip only carries jobs/lib, with the entrypoint pointing `jobs` at the source tree).
"""

from __future__ import annotations

import json
import os
import pkgutil
import re
from functools import cache

from pyspark.sql import types as T

_TABLE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@cache
def load_schema(table: str) -> T.StructType:
    """The StructType of warehouse table `table`; FileNotFoundError if no generated schema exists."""
    if not _TABLE.match(table):
        raise ValueError(f"table name must be lower_snake_case, got {table!r}")
    resource = f"schemas/{table}.json"
    data: bytes | None = None
    try:
        data = pkgutil.get_data("jobs", resource)
    except OSError:
        data = None
    if data is None:
        import jobs

        for root in getattr(jobs, "__path__", []):
            candidate = os.path.join(root, resource)
            if os.path.isfile(candidate):
                with open(candidate, "rb") as f:
                    data = f.read()
                break
    if data is None:
        raise FileNotFoundError(f"no generated Spark schema for {table!r} (expected jobs/{resource})")
    return T.StructType.fromJson(json.loads(data))
