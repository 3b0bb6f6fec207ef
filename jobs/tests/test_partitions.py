import pytest

from jobs.lib.partitions import parse_logical_date, partition_path


def test_partition_path_layout():
    assert partition_path("/lake/raw/", "auth_events", "2026-11-27") == "/lake/raw/auth_events/dt=2026-11-27"


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-11-27T00:00", "27/11/2026", "", "2026-02-30"])
def test_bad_dates_are_refused(bad):
    with pytest.raises(ValueError):
        parse_logical_date(bad)


@pytest.mark.parametrize("bad", ["Users", "users;drop", "../etc", ""])
def test_bad_table_names_are_refused(bad):
    with pytest.raises(ValueError, match="table name"):
        partition_path("/lake", bad, "2026-11-27")
