//! Snapshots of the shell's internals views, on a database built the same
//! way every time, and tests of what the views must do on damage, on bad
//! arguments and with colour.
//!
//! The database lives on the simulated disk (seeded, so the WAL's salts
//! and everything else are the same on every run) with 1024-byte pages
//! and a 16-frame pool, so a few dozen rows already give a table tree of
//! two levels, overflow chains, an index, and (after deletes) a freelist.
//!
//! A snapshot diff means a view now shows something else: read it, and
//! accept it only if the new text is what a student should see.

use std::path::Path;
use std::sync::Arc;
use walnut_btree::inspect::{CellData, Content, Inspected, inspect};
use walnut_pager::{PageType, Pager, SimVfs};
use walnut_repl::ShellError;
use walnut_repl::style::Style;
use walnut_repl::views;
use walnut_sql::{Database, Options, Synchronous, Value};

const PATH: &str = "t.db";

fn options() -> Options {
    Options {
        page_size: 1024,
        pool_frames: 16,
        synchronous: Synchronous::Full,
        autocheckpoint: 0,
    }
}

fn open(vfs: &Arc<SimVfs>) -> Database {
    Database::open_vfs(vfs.clone(), Path::new(PATH), options()).expect("open")
}

/// 60 rows (every 10th with a 3000-byte body, which needs an overflow
/// chain), an index on `name`, all in one transaction, checkpointed; then
/// a third of the rows deleted in a second transaction, which stays in
/// the WAL. The checkpoint reset the WAL, so old-generation frames follow
/// the delete's frames on disk.
fn fixture() -> (Arc<SimVfs>, Database) {
    let vfs = Arc::new(SimVfs::new(7));
    let db = open(&vfs);
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, body TEXT);
         CREATE INDEX t_name ON t(name);",
    )
    .expect("schema");
    db.execute("BEGIN", ()).expect("begin");
    for i in 1..=60i64 {
        let body = if i % 10 == 0 {
            format!("big {i} ").repeat(400)
        } else {
            format!("row {i} {}", "la".repeat((i % 7) as usize * 3))
        };
        db.execute(
            "INSERT INTO t(id, name, body) VALUES (?, ?, ?)",
            &[
                Value::from(i),
                Value::from(format!("name-{i:03}")),
                Value::from(body),
            ],
        )
        .expect("insert");
    }
    db.execute("COMMIT", ()).expect("commit");
    db.pager().checkpoint().expect("checkpoint");
    db.execute("DELETE FROM t WHERE id % 3 = 0 OR id > 45", ())
        .expect("delete");
    (vfs, db)
}

/// The first page (not a free leaf) of type `t` that `pick` likes.
fn find_page(pager: &Pager, t: PageType, pick: impl Fn(&Inspected) -> bool) -> Option<u32> {
    let rx = pager.begin_read().expect("read");
    let free = rx.freelist().expect("freelist").leaves;
    (1..=rx.page_count()).find(|&p| {
        let view = inspect(&rx.page_raw(p).expect("raw").data);
        !free.contains(&p) && view.header.page_type == Some(t) && pick(&view)
    })
}

/// The first page (not a free leaf) of type `t`.
fn first_page_of(pager: &Pager, t: PageType) -> Option<u32> {
    find_page(pager, t, |_| true)
}

/// A leaf of table `t` with a large value (an overflow link).
fn table_leaf_with_overflow(pager: &Pager) -> u32 {
    find_page(pager, PageType::BTreeLeaf, |v| match &v.content {
        Content::Node(n) => n
            .cells
            .iter()
            .any(|c| matches!(c.data, Some(CellData::Leaf { overflow, .. }) if overflow != 0)),
        _ => false,
    })
    .expect("a leaf with an overflow link")
}

/// An overflow page that links to another.
fn linked_overflow_page(pager: &Pager) -> u32 {
    find_page(
        pager,
        PageType::Overflow,
        |v| matches!(v.content, Content::Overflow { next, .. } if next != 0),
    )
    .expect("an overflow page with a next link")
}

#[test]
fn pool_view() {
    let (_vfs, db) = fixture();
    insta::assert_snapshot!(views::pool(&db.pager(), Style::PLAIN).expect("pool"));
}

#[test]
fn wal_view() {
    let (_vfs, db) = fixture();
    insta::assert_snapshot!(views::wal(&db.pager(), Style::PLAIN).expect("wal"));
}

/// A WAL after a reset, with a reader holding an old snapshot, an open
/// transaction that spilled uncommitted frames, and old-generation
/// frames left behind on disk.
#[test]
fn wal_view_with_a_reader_spills_and_an_old_generation() {
    let vfs = Arc::new(SimVfs::new(7));
    let db = open(&vfs);
    let pager = db.pager();
    db.execute("CREATE TABLE t(x)", ()).expect("create");
    for i in 0..20i64 {
        db.execute("INSERT INTO t VALUES (?)", &[Value::from(i)])
            .expect("insert");
    }
    pager.checkpoint().expect("checkpoint");
    db.execute("INSERT INTO t VALUES (100)", ())
        .expect("insert");
    let reader = pager.begin_read().expect("reader");
    db.execute("INSERT INTO t VALUES (101)", ())
        .expect("insert");
    db.execute("BEGIN", ()).expect("begin");
    // Enough overflow pages to outgrow the 16-frame pool.
    for _ in 0..6 {
        db.execute(
            "INSERT INTO t VALUES (?)",
            &[Value::from("spill ".repeat(500))],
        )
        .expect("big insert");
    }
    let text = views::wal(&pager, Style::PLAIN).expect("wal");
    drop(reader);
    db.execute("ROLLBACK", ()).expect("rollback");
    for state in [
        "committed",
        "uncommitted",
        "old generation",
        "a reader's snapshot",
    ] {
        assert!(text.contains(state), "{state}: {text}");
    }
    insta::assert_snapshot!(text);
}

/// Under `synchronous = extra` (switched on after the database was
/// created under `full`, which writes no slot): three commits fill the
/// mark slots A, B, A; after a checkpoint's reset both are another
/// generation's, until the next commit writes B under the new salts.
#[test]
fn wal_view_shows_the_mark_slots_under_extra_sync() {
    let vfs = Arc::new(SimVfs::new(7));
    let db = open(&vfs);
    let pager = db.pager();
    pager.set_synchronous(Synchronous::Extra);
    db.execute("CREATE TABLE t(x)", ()).expect("create");
    db.execute("INSERT INTO t VALUES (1)", ()).expect("insert");
    db.execute("INSERT INTO t VALUES (2)", ()).expect("insert");
    let before = views::wal(&pager, Style::PLAIN).expect("wal");
    assert!(
        before.contains("mark slot A: sequence 3, frames 1-")
            && before.contains("mark slot B: sequence 2, frames 1-"),
        "{before}"
    );
    pager.checkpoint().expect("checkpoint");
    let reset = views::wal(&pager, Style::PLAIN).expect("wal");
    assert_eq!(
        reset.matches("another generation's: ignored").count(),
        2,
        "{reset}"
    );
    db.execute("INSERT INTO t VALUES (3)", ()).expect("insert");
    let after = views::wal(&pager, Style::PLAIN).expect("wal");
    assert!(
        after.contains("mark slot B: sequence 4, frames 1-"),
        "{after}"
    );
    insta::assert_snapshot!(format!(
        "after three commits:\n{before}\nafter the checkpoint:\n{reset}\nafter a fourth:\n{after}"
    ));
}

#[test]
fn wal_view_of_a_long_wal_is_cut_in_the_middle() {
    let vfs = Arc::new(SimVfs::new(7));
    let db = open(&vfs);
    db.execute("CREATE TABLE t(x)", ()).expect("create");
    for i in 0..130i64 {
        db.execute("INSERT INTO t VALUES (?)", &[Value::from(i)])
            .expect("insert");
    }
    let text = views::wal(&db.pager(), Style::PLAIN).expect("wal");
    assert!(text.contains("more frames …"), "{text}");
    let rows = text
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .count();
    assert_eq!(rows, 100, "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
}

#[test]
fn page_views() {
    let (_vfs, db) = fixture();
    let pager = db.pager();
    insta::assert_snapshot!(
        "page_header",
        views::page(&pager, 1, false, Style::PLAIN).expect("page 1")
    );
    let catalog_leaf = first_page_of(&pager, PageType::BTreeLeaf).expect("a leaf");
    let interior = first_page_of(&pager, PageType::BTreeInterior).expect("an interior page");
    let trunk = first_page_of(&pager, PageType::FreelistTrunk).expect("a trunk");
    let free = pager
        .begin_read()
        .expect("read")
        .freelist()
        .expect("freelist")
        .leaves[0];
    for (name, id) in [
        ("page_catalog_leaf", catalog_leaf),
        ("page_table_leaf", table_leaf_with_overflow(&pager)),
        ("page_interior", interior),
        ("page_overflow", linked_overflow_page(&pager)),
        ("page_freelist_trunk", trunk),
        ("page_free_leaf", free),
    ] {
        insta::assert_snapshot!(
            name,
            views::page(&pager, id, false, Style::PLAIN).expect("page")
        );
    }
}

#[test]
fn page_view_with_hex() {
    let (_vfs, db) = fixture();
    let pager = db.pager();
    let id = linked_overflow_page(&pager);
    insta::assert_snapshot!(views::page(&pager, id, true, Style::PLAIN).expect("page"));
}

#[test]
fn pages_view() {
    let (_vfs, db) = fixture();
    insta::assert_snapshot!(views::pages(&db.pager(), Style::PLAIN).expect("pages"));
}

#[test]
fn btree_views() {
    let (_vfs, db) = fixture();
    let pager = db.pager();
    insta::assert_snapshot!("btree_table", views::btree(&pager, "T", false).expect("t"));
    insta::assert_snapshot!(
        "btree_index",
        views::btree(&pager, "t_name", false).expect("t_name")
    );
    insta::assert_snapshot!(
        "btree_catalog",
        views::btree(&pager, "sqlite_master", false).expect("catalog")
    );
    insta::assert_snapshot!(
        "btree_index_dot",
        views::btree(&pager, "t_name", true).expect("dot")
    );
    assert_eq!(
        views::btree(&pager, "sqlite_schema", false).expect("schema"),
        views::btree(&pager, "catalog", false).expect("catalog")
    );
}

#[test]
fn freelist_view() {
    let (_vfs, db) = fixture();
    insta::assert_snapshot!(views::freelist(&db.pager()).expect("freelist"));
}

#[test]
fn dbinfo_view() {
    let (_vfs, db) = fixture();
    insta::assert_snapshot!(views::dbinfo(&db.pager()).expect("dbinfo"));
}

#[test]
fn stats_view() {
    let (_vfs, db) = fixture();
    insta::assert_snapshot!(views::stats(&db.pager()).expect("stats"));
}

#[test]
fn views_of_a_new_empty_database() {
    let vfs = Arc::new(SimVfs::new(1));
    let db = open(&vfs);
    let pager = db.pager();
    let all = [
        views::pool(&pager, Style::PLAIN).expect("pool"),
        views::wal(&pager, Style::PLAIN).expect("wal"),
        views::page(&pager, 1, false, Style::PLAIN).expect("page"),
        views::pages(&pager, Style::PLAIN).expect("pages"),
        views::freelist(&pager).expect("freelist"),
        views::dbinfo(&pager).expect("dbinfo"),
        views::stats(&pager).expect("stats"),
    ];
    for text in &all {
        assert!(text.ends_with('\n'), "{text}");
    }
    insta::assert_snapshot!(all.join("\n========\n"));
    assert!(matches!(
        views::btree(&pager, "sqlite_master", false),
        Err(ShellError::NotFound(m)) if m.contains("catalog is empty")
    ));
}

#[test]
fn a_damaged_page_is_shown_not_refused() {
    let (vfs, db) = fixture();
    let leaf = first_page_of(&db.pager(), PageType::BTreeLeaf).expect("a leaf");
    db.pager().checkpoint().expect("checkpoint");
    drop(db);
    let path = Path::new(PATH);
    let mut bytes = vfs.file_bytes(path).expect("main file");
    bytes[(leaf as usize - 1) * 1024 + 700] ^= 0x08;
    vfs.set_file_bytes(path, bytes);

    let db = open(&vfs);
    let pager = db.pager();
    assert!(pager.begin_read().expect("read").page(leaf).is_err());
    let text = views::page(&pager, leaf, true, Style::PLAIN).expect("the view shows it");
    assert!(text.contains("checksum MISMATCH (stored 0x"), "{text}");
    assert!(text.contains("read from the main file"), "{text}");
    assert!(text.contains("\nbytes\n"), "{text}");
    insta::assert_snapshot!(
        "page_damaged",
        views::page(&pager, leaf, false, Style::PLAIN).expect("page")
    );

    let map = views::pages(&pager, Style::PLAIN).expect("pages");
    assert!(map.contains('!'), "{map}");
    assert_eq!(count_of(&map, "unreadable"), 1, "{map}");
}

#[test]
fn a_page_past_the_end_is_not_found() {
    let (_vfs, db) = fixture();
    let pager = db.pager();
    let count = pager.begin_read().expect("read").page_count();
    match views::page(&pager, count + 1, false, Style::PLAIN) {
        Err(ShellError::NotFound(m)) => assert_eq!(
            m,
            format!(
                "page {} is past the end of the file ({count} pages)",
                count + 1
            )
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        views::page(&pager, 0, false, Style::PLAIN),
        Err(ShellError::NotFound(_))
    ));
}

#[test]
fn an_unknown_tree_is_not_found() {
    let (_vfs, db) = fixture();
    match views::btree(&db.pager(), "nosuch", false) {
        Err(ShellError::NotFound(m)) => assert_eq!(m, "no such table or index: nosuch"),
        other => panic!("{other:?}"),
    }
}

/// The count in the `.pages` legend row for `kind`.
fn count_of(map: &str, kind: &str) -> usize {
    map.lines()
        .find_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let at = words.len().checked_sub(2)?;
            (words[..=at].join(" ").ends_with(kind)).then(|| words[at + 1].parse().ok())?
        })
        .unwrap_or_else(|| panic!("no {kind} row in {map}"))
}

#[test]
fn page_counts_add_up() {
    let (_vfs, db) = fixture();
    let pager = db.pager();
    let count = pager.begin_read().expect("read").page_count() as usize;
    let map = views::pages(&pager, Style::PLAIN).expect("pages");
    let kinds = [
        "header",
        "interior",
        "leaf",
        "overflow",
        "freelist trunk",
        "free",
        "unused",
        "unreadable",
    ];
    let sum: usize = kinds.iter().map(|k| count_of(&map, k)).sum();
    assert_eq!(sum, count, "{map}");
    assert_eq!(count_of(&map, "total"), count, "{map}");
    // The map is the block between the first two blank lines.
    let cells: usize = map
        .split("\n\n")
        .nth(1)
        .expect("a map")
        .lines()
        .filter_map(|l| l.trim_start().split_once("  "))
        .map(|(_, m)| m.chars().filter(|c| *c != ' ').count())
        .sum();
    assert_eq!(cells, count, "one character per page: {map}");
    let rx = pager.begin_read().expect("read");
    let free = rx.freelist().expect("freelist");
    assert_eq!(count_of(&map, "freelist trunk"), free.trunks.len());
    assert_eq!(count_of(&map, "free"), free.leaves.len());
}

#[test]
fn colour_only_when_asked() {
    let (_vfs, db) = fixture();
    let pager = db.pager();
    let leaf = first_page_of(&pager, PageType::BTreeLeaf).expect("a leaf");
    let color = Style { color: true };
    let views_in = |style: Style| {
        vec![
            views::pool(&pager, style).expect("pool"),
            views::wal(&pager, style).expect("wal"),
            views::pages(&pager, style).expect("pages"),
            views::page(&pager, leaf, false, style).expect("page"),
        ]
    };
    for text in views_in(Style::PLAIN) {
        assert!(!text.contains('\x1b'), "{text}");
    }
    for text in views_in(color) {
        assert!(text.contains("\x1b["), "{text}");
    }
    for text in [
        views::btree(&pager, "t", false).expect("btree"),
        views::freelist(&pager).expect("freelist"),
        views::dbinfo(&pager).expect("dbinfo"),
        views::stats(&pager).expect("stats"),
    ] {
        assert!(!text.contains('\x1b'), "{text}");
    }
}
