"""The confidence order exists once for Python and once for SQL, and the two agree."""

from __future__ import annotations

import duckdb

from evdash import confidence


def test_sql_and_python_confidence_order_agree(fixture_con: duckdb.DuckDBPyConnection) -> None:
    for name in (*confidence.ORDER, "something else"):
        sql_rank = fixture_con.execute("select confidence_rank($c)", {"c": name}).fetchone()
        assert sql_rank is not None
        assert sql_rank[0] == min(confidence.rank(name), len(confidence.ORDER)), name
    for rank in range(1, len(confidence.ORDER) + 1):
        back = fixture_con.execute("select confidence_of_rank($r)", {"r": rank}).fetchone()
        assert back is not None and back[0] == confidence.ORDER[rank - 1]


def test_schema_enum_is_the_same_order(fixture_con: duckdb.DuckDBPyConnection) -> None:
    values = fixture_con.execute("select enum_range(null::confidence_t)").fetchone()
    assert values is not None and tuple(values[0]) == confidence.ORDER


def test_worst_is_the_least_certain() -> None:
    assert confidence.worst(["reported", "estimate", "lower_bound"]) == "estimate"
    assert confidence.worst(["reported", "lower_bound"]) == "lower_bound"
    assert confidence.worst([]) == "reported"
    assert confidence.rank("nonsense") > confidence.rank("estimate")
