//! Damaged files at the SQL level: a flipped bit anywhere in the main file
//! or the WAL, a zeroed page, a truncated main file, a garbage WAL.
//!
//! Each case damages a copy of a known database on a [`SimVfs`], opens it
//! and reads everything (`sqlite_master`, every row of every table through
//! `SELECT`, `PRAGMA integrity_check`). The outcome must be one of:
//!
//! * **a clear error** naming the damaged file and the page or WAL frame
//!   (`power.db: page 7 (main file): checksum mismatch ...`,
//!   `power.db-wal: WAL frame 12 is damaged but was committed ...`), or a
//!   file-level message for damage to what identifies the file (its magic
//!   bytes, format version, page size, length);
//! * **the right answer**, when the damage is somewhere nothing reads (a
//!   page on the freelist, a main-file page that a WAL frame supersedes, a
//!   WAL frame after the last commit);
//! * for damage inside the frames of the **last transaction** in the WAL,
//!   the answer as of the transaction before it: such damage cannot be told
//!   from that commit torn by power loss before its fsync returned (see
//!   `walnut_pager`'s recovery module); a test pins this down.
//!
//! Never a panic, never a mixture, never rows that were not committed.

mod support;

use std::path::Path;
use std::sync::Arc;
use walnut_pager::SimVfs;
use walnut_pager::rng::SplitMix64;
use walnut_sql::{Database, Options};

const DB: &str = "damaged.db";
const WAL: &str = "damaged.db-wal";
const PAGE: usize = 1024;
const FRAME: usize = 24 + PAGE;

fn options() -> Options {
    Options {
        page_size: PAGE as u32,
        pool_frames: 32,
        autocheckpoint: 0,
        ..Options::default()
    }
}

/// A database's files and what it must answer.
#[derive(Clone)]
struct Fixture {
    db: Vec<u8>,
    wal: Vec<u8>,
    /// `states[i]`: the contents after the first `i` transactions in the
    /// WAL (`states[0]`: as checkpointed in the main file).
    states: Vec<Vec<String>>,
    /// The WAL frames of each of those transactions, (first, last), 1-based.
    txn_frames: Vec<(usize, usize)>,
}

fn fixture() -> Fixture {
    fixture_with(true)
}

/// The committed contents, and a query through the index too: a damaged
/// index page must not go unnoticed.
fn snapshot(db: &Database) -> Result<Vec<String>, walnut_sql::Error> {
    let mut out = support::snapshot(db)?;
    for row in db.query("SELECT k, count(*) FROM t WHERE k >= 0 GROUP BY k", ())? {
        out.push(format!("by k: {row:?}"));
    }
    Ok(out)
}

/// A checkpointed base (rows, an index, overflow values, freed pages),
/// then four transactions: left in the WAL by a crash, or (`in_wal`
/// false) checkpointed by a clean close.
fn fixture_with(in_wal: bool) -> Fixture {
    let vfs = Arc::new(SimVfs::new(1));
    let db = Database::open_vfs(vfs.clone(), Path::new(DB), options()).expect("create");
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT);
         CREATE INDEX t_k ON t(k);
         CREATE TABLE notes(body TEXT);",
    )
    .expect("schema");
    for i in 0..120 {
        let v = if i % 10 == 0 {
            "x".repeat(1500)
        } else {
            format!("row {i}")
        };
        db.execute(
            &format!("INSERT INTO t(k, v) VALUES ({}, '{v}')", i % 13),
            (),
        )
        .expect("insert");
    }
    db.execute("DELETE FROM t WHERE id % 4 = 0", ())
        .expect("delete");
    drop(db); // a clean close: checkpointed into the main file
    let db = Database::open_vfs(vfs.clone(), Path::new(DB), options()).expect("reopen");
    let mut states = vec![snapshot(&db).expect("snapshot")];
    let mut txn_frames = Vec::new();
    let txns = [
        "INSERT INTO notes VALUES ('first')",
        "UPDATE t SET v = v || '!' WHERE k = 3",
        "BEGIN; INSERT INTO t(k, v) VALUES (99, 'late'); DELETE FROM t WHERE k = 5; COMMIT",
        "INSERT INTO notes VALUES ('last')",
    ];
    for sql in txns {
        let before = db.pager().wal_status().committed_frames as usize;
        db.execute_batch(sql).expect("transaction");
        let after = db.pager().wal_status().committed_frames as usize;
        txn_frames.push((before + 1, after));
        states.push(snapshot(&db).expect("snapshot"));
    }
    if in_wal {
        db.abandon().expect("abandon");
    } else {
        drop(db);
    }
    Fixture {
        db: vfs.file_bytes(Path::new(DB)).expect("db"),
        // A clean close deletes the WAL.
        wal: vfs.file_bytes(Path::new(WAL)).unwrap_or_default(),
        states,
        txn_frames,
    }
}

/// What opening and reading damaged files gave.
#[derive(Debug)]
enum Outcome {
    /// Everything read, and the integrity check passed.
    Answer(Vec<String>),
    /// Opening or a query failed.
    Error(String),
    /// Everything read, but `PRAGMA integrity_check` found problems (damage
    /// in pages that no query reads, such as the freelist).
    Integrity(Vec<String>),
}

/// Checks an answer without printing thousands of lines when it is wrong.
fn assert_same(got: &[String], want: &[String], case: &str) {
    if got == want {
        return;
    }
    let first = got.iter().zip(want).position(|(a, b)| a != b);
    let cut = |s: Option<&String>| s.map(|s| s.chars().take(120).collect::<String>());
    panic!(
        "{case}: a wrong answer: {} lines, expected {}; first difference at line {first:?}: \
         got {:?}, expected {:?}",
        got.len(),
        want.len(),
        first.and_then(|i| cut(got.get(i))),
        first.and_then(|i| cut(want.get(i))),
    );
}

fn open_and_read(db: Vec<u8>, wal: Vec<u8>) -> Outcome {
    let vfs = Arc::new(SimVfs::new(2));
    vfs.set_file_bytes(Path::new(DB), db);
    vfs.set_file_bytes(Path::new(WAL), wal);
    let read = || -> Result<Outcome, walnut_sql::Error> {
        let db = Database::open_vfs(vfs.clone(), Path::new(DB), options())?;
        let got = snapshot(&db)?;
        let check: Vec<String> = db
            .query("PRAGMA integrity_check", ())?
            .map(|row| format!("{:?}", row[0]))
            .collect();
        if check != ["Text(\"ok\")"] {
            return Ok(Outcome::Integrity(check));
        }
        Ok(Outcome::Answer(got))
    };
    read().unwrap_or_else(|e| Outcome::Error(e.to_string()))
}

/// An error is clear if it names the file and, for page damage, the page.
fn names(msg: &str, file: &str, what: &str) -> bool {
    msg.starts_with(&format!("{file}: ")) && msg.contains(what)
}

/// Whole-file messages: what identifies a file as a walnut database.
fn file_level(msg: &str) -> bool {
    [
        "not a walnut database",
        "format version",
        "page size",
        "truncated",
    ]
    .iter()
    .any(|m| msg.contains(m))
}

/// Positions worth flipping in a page or frame: its header fields, then a
/// few random bytes of the body.
fn positions(rng: &mut SplitMix64, len: usize, header: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..header).step_by(3).collect();
    v.extend((0..6).map(|_| header + rng.index(len - header)));
    v
}

#[test]
fn a_flipped_bit_in_any_main_file_page_is_an_error_naming_it_or_changes_nothing() {
    for in_wal in [false, true] {
        flip_main_file_bits(&fixture_with(in_wal));
    }
}

fn flip_main_file_bits(fx: &Fixture) {
    let mut rng = SplitMix64::new(11);
    let pages = fx.db.len() / PAGE;
    let (mut errors, mut unchanged) = (0, 0);
    for page in 1..=pages {
        for off in positions(&mut rng, PAGE, 24) {
            let mut db = fx.db.clone();
            let at = (page - 1) * PAGE + off;
            db[at] ^= 1 << rng.below(8);
            match open_and_read(db, fx.wal.clone()) {
                Outcome::Answer(got) => {
                    let case = format!("page {page} byte {off}");
                    assert_same(&got, fx.states.last().expect("states"), &case);
                    unchanged += 1;
                }
                Outcome::Integrity(problems) => assert!(
                    problems.iter().any(|p| p.contains(&format!("page {page}"))),
                    "page {page} byte {off}: the integrity check missed it: {problems:?}"
                ),
                Outcome::Error(msg) => {
                    assert!(
                        names(&msg, DB, &format!("page {page} (main file)"))
                            || (page == 1 && names(&msg, DB, "") && file_level(&msg)),
                        "page {page} byte {off}: unclear error: {msg}"
                    );
                    errors += 1;
                }
            }
        }
    }
    eprintln!("{pages} pages: {errors} errors, {unchanged} unread (freelist or superseded)");
    assert!(errors > 0 && unchanged > 0, "both outcomes occur");
}

#[test]
fn a_zeroed_main_file_page_is_an_error_naming_it_or_changes_nothing() {
    for in_wal in [false, true] {
        zero_main_file_pages(&fixture_with(in_wal));
    }
}

fn zero_main_file_pages(fx: &Fixture) {
    for page in 1..=fx.db.len() / PAGE {
        let mut db = fx.db.clone();
        db[(page - 1) * PAGE..page * PAGE].fill(0);
        match open_and_read(db, fx.wal.clone()) {
            Outcome::Answer(got) => assert_same(
                &got,
                fx.states.last().expect("states"),
                &format!("zeroed page {page}"),
            ),
            Outcome::Integrity(problems) => assert!(
                problems.iter().any(|p| p.contains(&format!("page {page}"))),
                "zeroed page {page}: the integrity check missed it: {problems:?}"
            ),
            Outcome::Error(msg) => assert!(
                names(&msg, DB, &format!("page {page} (main file)"))
                    || (page == 1 && file_level(&msg)),
                "zeroed page {page}: unclear error: {msg}"
            ),
        }
    }
}

#[test]
fn a_truncated_main_file_is_an_error_naming_it() {
    let fx = fixture();
    let len = fx.db.len();
    let mut cuts = vec![
        0,
        1,
        50,
        PAGE - 1,
        PAGE,
        PAGE + 1,
        len / 2,
        len - PAGE,
        len - 1,
    ];
    cuts.retain(|&c| c < len);
    for cut in cuts {
        match open_and_read(fx.db[..cut].to_vec(), fx.wal.clone()) {
            Outcome::Answer(got) => panic!("cut at {cut}: answered {} lines", got.len()),
            Outcome::Integrity(p) => panic!("cut at {cut}: opened, integrity check: {p:?}"),
            Outcome::Error(msg) => assert!(
                msg.starts_with(&format!("{DB}: ")) && (file_level(&msg) || msg.contains("page ")),
                "cut at {cut}: unclear error: {msg}"
            ),
        }
    }
}

#[test]
fn a_flipped_bit_anywhere_in_the_wal_is_an_error_naming_the_frame_or_a_committed_state() {
    let fx = fixture();
    let mut rng = SplitMix64::new(12);
    let frames = (fx.wal.len() - 32) / FRAME;
    let (last_first, last_last) = *fx.txn_frames.last().expect("txns");
    assert_eq!(last_last, frames, "the WAL ends with the last commit");
    let mut seen_errors = 0;
    // The WAL header: the commits in the WAL are newer than the main file.
    for off in 0..32 {
        let mut wal = fx.wal.clone();
        wal[off] ^= 1 << rng.below(8);
        match open_and_read(fx.db.clone(), wal) {
            Outcome::Error(msg) => assert!(
                names(&msg, WAL, "the WAL header is damaged"),
                "header byte {off}: {msg}"
            ),
            Outcome::Answer(_) | Outcome::Integrity(_) => {
                panic!("header byte {off}: the WAL's commits were ignored")
            }
        }
    }
    for frame in 1..=frames {
        for off in positions(&mut rng, FRAME, 24) {
            let mut wal = fx.wal.clone();
            wal[32 + (frame - 1) * FRAME + off] ^= 1 << rng.below(8);
            let outcome = open_and_read(fx.db.clone(), wal);
            let in_last = frame >= last_first;
            match outcome {
                Outcome::Error(msg) => {
                    assert!(
                        names(&msg, WAL, &format!("WAL frame {frame} is damaged")),
                        "frame {frame} byte {off}: unclear error: {msg}"
                    );
                    assert!(!in_last, "nothing vouches for the last transaction");
                    seen_errors += 1;
                }
                Outcome::Answer(got) => {
                    assert!(
                        in_last,
                        "frame {frame} byte {off}: committed transactions lost"
                    );
                    let before_last = &fx.states[fx.states.len() - 2];
                    assert_same(&got, before_last, &format!("frame {frame} byte {off}"));
                }
                Outcome::Integrity(p) => panic!("frame {frame} byte {off}: {p:?}"),
            }
        }
    }
    assert!(seen_errors > 0);
}

#[test]
fn damage_in_an_unfinished_transaction_after_the_last_commit_loses_nothing() {
    let fx = fixture();
    // Frames of a transaction that never committed (a crash mid-spill),
    // each with a flipped bit somewhere: copies of the last frame without
    // its commit marker would do, but any bytes do.
    let mut rng = SplitMix64::new(13);
    for _ in 0..20 {
        let mut wal = fx.wal.clone();
        let mut tail = rng.bytes(FRAME * 2);
        let at = rng.index(tail.len());
        tail[at] ^= 1;
        wal.extend_from_slice(&tail);
        match open_and_read(fx.db.clone(), wal) {
            Outcome::Answer(got) => assert_same(
                &got,
                fx.states.last().expect("states"),
                "damage past the last commit",
            ),
            other => panic!("damage past the last commit: {other:?}"),
        }
    }
}

#[test]
fn a_garbage_wal_is_an_error_naming_it() {
    let fx = fixture();
    let mut rng = SplitMix64::new(14);
    for len in [FRAME + 32, fx.wal.len(), 3 * fx.wal.len()] {
        match open_and_read(fx.db.clone(), rng.bytes(len)) {
            Outcome::Error(msg) => assert!(
                names(&msg, WAL, "none of its"),
                "garbage WAL of {len} bytes: {msg}"
            ),
            other => panic!("a garbage WAL of {len} bytes: {other:?}"),
        }
    }
    // Garbage shorter than a frame is what a torn header write leaves when
    // the WAL was reset: all of the database is in the main file then. Here
    // it was not, and the answer is the checkpointed state: the WAL's four
    // transactions are gone with its bytes, which no file format can tell.
    match open_and_read(fx.db.clone(), rng.bytes(40)) {
        Outcome::Answer(got) => assert_same(&got, &fx.states[0], "a torn WAL header"),
        other => panic!("a torn WAL header: {other:?}"),
    }
}
