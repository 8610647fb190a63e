//! The planner's choices, as EXPLAIN QUERY PLAN prints them.
//!
//! Each snapshot is one query's plan over the same small schema:
//!
//! ```sql
//! CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c REAL, d);
//! CREATE INDEX t_a ON t(a);
//! CREATE UNIQUE INDEX t_bc ON t(b, c DESC);
//! ```
//!
//! The plans read as SQLite's do: SCAN (every row), SEARCH (a narrowed
//! walk) USING INTEGER PRIMARY KEY or an INDEX with the constrained
//! columns, and a TEMP B-TREE wherever rows must be sorted or grouped.

use walnut_sql::{Database, Value};

fn db() -> Database {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT, c REAL, d);
         CREATE INDEX t_a ON t(a);
         CREATE UNIQUE INDEX t_bc ON t(b, c DESC);",
    )
    .expect("schema");
    db
}

fn plan(sql: &str) -> String {
    let rows = db()
        .query(&format!("EXPLAIN QUERY PLAN {sql}"), ())
        .expect(sql);
    let lines: Vec<String> = rows
        .map(|r| match r.as_slice() {
            [Value::Text(t)] => t.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    format!("{sql}\n{}", lines.join("\n"))
}

#[test]
fn full_scan_when_nothing_narrows_the_search() {
    insta::assert_snapshot!(plan("SELECT * FROM t WHERE d = 1"), @r"
    SELECT * FROM t WHERE d = 1
    QUERY PLAN
    `--SCAN t
    ");
}

#[test]
fn rowid_equality_and_in_are_point_lookups() {
    insta::assert_snapshot!(plan("SELECT * FROM t WHERE id = 5"), @r"
    SELECT * FROM t WHERE id = 5
    QUERY PLAN
    `--SEARCH t USING INTEGER PRIMARY KEY (rowid=?)
    ");
    insta::assert_snapshot!(plan("SELECT * FROM t WHERE rowid IN (1, 2, 3)"), @r"
    SELECT * FROM t WHERE rowid IN (1, 2, 3)
    QUERY PLAN
    `--SEARCH t USING INTEGER PRIMARY KEY (rowid=?)
    ");
}

#[test]
fn rowid_ranges_walk_part_of_the_table() {
    insta::assert_snapshot!(plan("SELECT * FROM t WHERE id > 10 AND id <= 20"), @r"
    SELECT * FROM t WHERE id > 10 AND id <= 20
    QUERY PLAN
    `--SEARCH t USING INTEGER PRIMARY KEY (rowid>? AND rowid<=?)
    ");
}

#[test]
fn index_equality_range_and_in() {
    insta::assert_snapshot!(plan("SELECT * FROM t WHERE a = 3"), @r"
    SELECT * FROM t WHERE a = 3
    QUERY PLAN
    `--SEARCH t USING INDEX t_a (a=?)
    ");
    insta::assert_snapshot!(plan("SELECT * FROM t WHERE a BETWEEN 3 AND 9"), @r"
    SELECT * FROM t WHERE a BETWEEN 3 AND 9
    QUERY PLAN
    `--SEARCH t USING INDEX t_a (a>=? AND a<=?)
    ");
    insta::assert_snapshot!(plan("SELECT * FROM t WHERE a IN (1, 2) AND d > 0"), @r"
    SELECT * FROM t WHERE a IN (1, 2) AND d > 0
    QUERY PLAN
    `--SEARCH t USING INDEX t_a (a=?)
    ");
}

#[test]
fn a_unique_index_with_every_column_fixed_wins() {
    insta::assert_snapshot!(plan("SELECT * FROM t WHERE a = 1 AND b = 'x' AND c = 2.5"), @r"
    SELECT * FROM t WHERE a = 1 AND b = 'x' AND c = 2.5
    QUERY PLAN
    `--SEARCH t USING INDEX t_bc (b=? AND c=?)
    ");
    insta::assert_snapshot!(plan("SELECT * FROM t WHERE b = 'x' AND c > 1"), @r"
    SELECT * FROM t WHERE b = 'x' AND c > 1
    QUERY PLAN
    `--SEARCH t USING INDEX t_bc (b=? AND c>?)
    ");
}

#[test]
fn order_by_uses_the_scan_order_when_it_can() {
    insta::assert_snapshot!(plan("SELECT * FROM t ORDER BY id DESC LIMIT 3"), @r"
    SELECT * FROM t ORDER BY id DESC LIMIT 3
    QUERY PLAN
    `--SCAN t
    ");
    insta::assert_snapshot!(plan("SELECT * FROM t ORDER BY a"), @r"
    SELECT * FROM t ORDER BY a
    QUERY PLAN
    `--SCAN t USING INDEX t_a
    ");
    insta::assert_snapshot!(plan("SELECT * FROM t WHERE b = 'x' ORDER BY c DESC"), @r"
    SELECT * FROM t WHERE b = 'x' ORDER BY c DESC
    QUERY PLAN
    `--SEARCH t USING INDEX t_bc (b=?)
    ");
    insta::assert_snapshot!(plan("SELECT * FROM t WHERE a > 1 ORDER BY d"), @r"
    SELECT * FROM t WHERE a > 1 ORDER BY d
    QUERY PLAN
    |--SEARCH t USING INDEX t_a (a>?)
    `--USE TEMP B-TREE FOR ORDER BY
    ");
}

#[test]
fn grouping_and_distinct_use_temporary_trees() {
    insta::assert_snapshot!(plan("SELECT a, count(*) FROM t GROUP BY a ORDER BY 2"), @r"
    SELECT a, count(*) FROM t GROUP BY a ORDER BY 2
    QUERY PLAN
    |--SCAN t
    |--USE TEMP B-TREE FOR GROUP BY
    `--USE TEMP B-TREE FOR ORDER BY
    ");
    insta::assert_snapshot!(plan("SELECT DISTINCT d FROM t"), @r"
    SELECT DISTINCT d FROM t
    QUERY PLAN
    |--SCAN t
    `--USE TEMP B-TREE FOR DISTINCT
    ");
}

#[test]
fn updates_and_deletes_search_like_queries() {
    insta::assert_snapshot!(plan("UPDATE t SET d = 1 WHERE a = 2"), @r"
    UPDATE t SET d = 1 WHERE a = 2
    QUERY PLAN
    `--SEARCH t USING INDEX t_a (a=?)
    ");
    insta::assert_snapshot!(plan("DELETE FROM t WHERE id < 100"), @r"
    DELETE FROM t WHERE id < 100
    QUERY PLAN
    `--SEARCH t USING INTEGER PRIMARY KEY (rowid<?)
    ");
}

#[test]
fn plain_explain_prints_the_same_tree() {
    let rows: Vec<Vec<Value>> = db()
        .query("EXPLAIN SELECT * FROM t WHERE a = 1", ())
        .expect("explain")
        .collect();
    let lines: Vec<String> = rows
        .into_iter()
        .map(|r| match r.as_slice() {
            [Value::Text(t)] => t.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"), @r"
    QUERY PLAN
    `--SEARCH t USING INDEX t_a (a=?)
    ");
}

#[test]
fn a_compound_plans_each_select_and_sorts_the_whole() {
    insta::assert_snapshot!(plan(
        "SELECT a FROM t WHERE a = 1 UNION ALL SELECT id FROM t EXCEPT SELECT c FROM t ORDER BY 1"
    ), @r"
    SELECT a FROM t WHERE a = 1 UNION ALL SELECT id FROM t EXCEPT SELECT c FROM t ORDER BY 1
    QUERY PLAN
    |--COMPOUND QUERY
    |  |--LEFT-MOST SUBQUERY
    |  |  `--SEARCH t USING COVERING INDEX t_a (a=?)
    |  |--UNION ALL
    |  |  `--SCAN t
    |  `--EXCEPT USING TEMP B-TREE
    |     `--SCAN t
    `--USE TEMP B-TREE FOR ORDER BY
    ");
    insta::assert_snapshot!(plan("SELECT a FROM t UNION SELECT b FROM t"), @r"
    SELECT a FROM t UNION SELECT b FROM t
    QUERY PLAN
    `--COMPOUND QUERY
       |--LEFT-MOST SUBQUERY
       |  `--SCAN t
       `--UNION USING TEMP B-TREE
          `--SCAN t
    ");
}

#[test]
fn a_compound_is_named_by_its_left_most_select() {
    let rows = db()
        .query("SELECT 1 AS first UNION SELECT 2 AS second", ())
        .expect("query");
    assert_eq!(rows.columns(), ["first"]);
}

#[test]
fn a_join_scans_the_outer_table_and_searches_the_inner_by_index() {
    insta::assert_snapshot!(plan("SELECT * FROM t AS x JOIN t AS y ON y.a = x.id WHERE x.d > 0"), @r"
    SELECT * FROM t AS x JOIN t AS y ON y.a = x.id WHERE x.d > 0
    QUERY PLAN
    |--SCAN x
    `--SEARCH y USING INDEX t_a (a=?)
    ");
    insta::assert_snapshot!(plan("SELECT * FROM t AS x LEFT JOIN t AS y ON y.id = x.a"), @r"
    SELECT * FROM t AS x LEFT JOIN t AS y ON y.id = x.a
    QUERY PLAN
    |--SCAN x
    `--SEARCH y USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN
    ");
}

#[test]
fn the_join_order_puts_the_narrowest_table_first() {
    // Written x, y; y is one row by its rowid, and then x is an index
    // search per row of y.
    insta::assert_snapshot!(plan("SELECT * FROM t AS x, t AS y WHERE x.a = y.d AND y.id = 5"), @r"
    SELECT * FROM t AS x, t AS y WHERE x.a = y.d AND y.id = 5
    QUERY PLAN
    |--SEARCH y USING INTEGER PRIMARY KEY (rowid=?)
    `--SEARCH x USING INDEX t_a (a=?)
    ");
    // CROSS JOIN keeps the tables before it outside, as in SQLite.
    insta::assert_snapshot!(plan("SELECT * FROM t AS y CROSS JOIN t AS x WHERE x.id = 5 AND y.a = x.a"), @r"
    SELECT * FROM t AS y CROSS JOIN t AS x WHERE x.id = 5 AND y.a = x.a
    QUERY PLAN
    |--SCAN y
    `--SEARCH x USING INTEGER PRIMARY KEY (rowid=?)
    ");
    insta::assert_snapshot!(plan("SELECT * FROM t AS y JOIN t AS x WHERE x.id = 5 AND y.a = x.a"), @r"
    SELECT * FROM t AS y JOIN t AS x WHERE x.id = 5 AND y.a = x.a
    QUERY PLAN
    |--SEARCH x USING INTEGER PRIMARY KEY (rowid=?)
    `--SEARCH y USING INDEX t_a (a=?)
    ");
}

#[test]
fn an_equi_join_without_an_index_is_a_hash_join() {
    insta::assert_snapshot!(plan("SELECT * FROM t AS x JOIN t AS y ON y.d = x.d"), @r"
    SELECT * FROM t AS x JOIN t AS y ON y.d = x.d
    QUERY PLAN
    |--SCAN x
    `--SEARCH y USING AUTOMATIC HASH INDEX (d=?)
    ");
    insta::assert_snapshot!(plan("SELECT * FROM t AS x JOIN t AS y ON y.d = x.d AND y.c > 1.5 JOIN t AS z ON z.id = y.a"), @r"
    SELECT * FROM t AS x JOIN t AS y ON y.d = x.d AND y.c > 1.5 JOIN t AS z ON z.id = y.a
    QUERY PLAN
    |--SCAN x
    |--SEARCH y USING AUTOMATIC HASH INDEX (d=?)
    `--SEARCH z USING INTEGER PRIMARY KEY (rowid=?)
    ");
}

#[test]
fn right_and_full_joins_add_a_pass_over_the_unmatched_rows() {
    insta::assert_snapshot!(plan("SELECT * FROM t AS x RIGHT JOIN t AS y ON y.d = x.d"), @r"
    SELECT * FROM t AS x RIGHT JOIN t AS y ON y.d = x.d
    QUERY PLAN
    |--SCAN x
    |--SEARCH y USING AUTOMATIC HASH INDEX (d=?)
    `--RIGHT-JOIN y
       `--SCAN y
    ");
    insta::assert_snapshot!(plan("SELECT * FROM t AS x FULL JOIN t AS y ON y.a = x.a"), @r"
    SELECT * FROM t AS x FULL JOIN t AS y ON y.a = x.a
    QUERY PLAN
    |--SCAN x
    |--SEARCH y USING INDEX t_a (a=?) LEFT-JOIN
    `--RIGHT-JOIN y
       `--SCAN y
    ");
}
