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
//! * for damage inside the frames of the **last transaction** in the WAL
//!   written under `synchronous = full`, the answer as of the transaction
//!   before it: such damage cannot be told from that commit torn by power
//!   loss before its fsync returned (see `walnut_pager`'s recovery module),
//!   which is SQLite's limit too; a test pins this down. Under
//!   `synchronous = extra` every commit also records its durable mark in a
//!   mark slot, and the same damage is an error naming the frame; so is a
//!   WAL cut short of that mark.
//!
//! Never a panic, never a mixture, never rows that were not committed.

mod support;

use std::path::Path;
use std::sync::Arc;
use walnut_pager::rng::SplitMix64;
use walnut_pager::{SimVfs, Synchronous};
use walnut_sql::{Database, Options};

const DB: &str = "damaged.db";
const WAL: &str = "damaged.db-wal";
const PAGE: usize = 1024;
const FRAME: usize = 24 + PAGE;
/// Where WAL frame 1 starts: after the 32-byte header and two 24-byte mark
/// slots.
const FRAMES_START: usize = 32 + 2 * 24;

/// Reopening always uses these (`synchronous = full`): the mark slots an
/// `extra` run wrote are read in every mode.
fn options() -> Options {
    options_with(Synchronous::Full)
}

fn options_with(synchronous: Synchronous) -> Options {
    Options {
        page_size: PAGE as u32,
        pool_frames: 32,
        autocheckpoint: 0,
        synchronous,
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
    fixture_with(true, Synchronous::Full)
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
/// false) checkpointed by a clean close; all under `synchronous`.
fn fixture_with(in_wal: bool, synchronous: Synchronous) -> Fixture {
    let vfs = Arc::new(SimVfs::new(1));
    let options = options_with(synchronous);
    let db = Database::open_vfs(vfs.clone(), Path::new(DB), options.clone()).expect("create");
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
    let db = Database::open_vfs(vfs.clone(), Path::new(DB), options).expect("reopen");
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
        flip_main_file_bits(&fixture_with(in_wal, Synchronous::Full));
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
        zero_main_file_pages(&fixture_with(in_wal, Synchronous::Full));
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
    // The pages the WAL's frames supply: a cut that removes only those
    // (and a partial page counts as removed) damages nothing a reader
    // uses, and the answer must be the last state.
    let in_wal: std::collections::HashSet<usize> = fx.wal[FRAMES_START.min(fx.wal.len())..]
        .chunks_exact(FRAME)
        .map(|f| u32::from_be_bytes([f[0], f[1], f[2], f[3]]) as usize)
        .collect();
    let mut errors = 0;
    for cut in cuts {
        let superseded = (cut / PAGE + 1..=len / PAGE).all(|p| in_wal.contains(&p));
        match open_and_read(fx.db[..cut].to_vec(), fx.wal.clone()) {
            Outcome::Answer(got) if superseded => assert_same(
                &got,
                fx.states.last().expect("states"),
                &format!("cut at {cut}, only pages the WAL supplies"),
            ),
            Outcome::Answer(got) => panic!("cut at {cut}: answered {} lines", got.len()),
            Outcome::Integrity(p) => panic!("cut at {cut}: opened, integrity check: {p:?}"),
            Outcome::Error(msg) => {
                assert!(
                    msg.starts_with(&format!("{DB}: "))
                        && (file_level(&msg) || msg.contains("page ")),
                    "cut at {cut}: unclear error: {msg}"
                );
                errors += 1;
            }
        }
    }
    assert!(errors >= 6, "only {errors} cuts were errors");
}

/// Under `synchronous = full` (the default, and SQLite's behaviour): damage
/// in an earlier transaction's frames is an error naming the frame (a
/// later frame's durable mark vouches for it), but damage in the *last*
/// transaction's frames looks exactly like that commit torn by power loss,
/// and the answer is the state before it. That is SQLite's limit, kept
/// here on purpose; `synchronous = extra` closes it (see
/// `under_extra_sync_a_flipped_bit_in_any_committed_wal_frame_is_an_error_naming_it`).
#[test]
fn a_flipped_bit_anywhere_in_the_wal_is_an_error_naming_the_frame_or_a_committed_state() {
    let fx = fixture();
    let mut rng = SplitMix64::new(12);
    let frames = (fx.wal.len() - FRAMES_START) / FRAME;
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
            wal[FRAMES_START + (frame - 1) * FRAME + off] ^= 1 << rng.below(8);
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
    for len in [FRAME + FRAMES_START, fx.wal.len(), 3 * fx.wal.len()] {
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

/// A short description of an outcome, for failure messages.
fn brief(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Answer(rows) => format!("an answer of {} lines", rows.len()),
        Outcome::Error(msg) => format!("error: {msg}"),
        Outcome::Integrity(p) => format!("integrity problems: {p:?}"),
    }
}

/// Under `synchronous = extra`: every frame of every committed transaction,
/// the last one and its commit frame included, at several offsets of its
/// frame header and page image. Each flipped bit is an error naming that
/// frame; in the last transaction it is the mark slot that vouches for it.
#[test]
fn under_extra_sync_a_flipped_bit_in_any_committed_wal_frame_is_an_error_naming_it() {
    let fx = fixture_with(true, Synchronous::Extra);
    let mut rng = SplitMix64::new(15);
    let frames = (fx.wal.len() - FRAMES_START) / FRAME;
    let (last_first, last_last) = *fx.txn_frames.last().expect("txns");
    assert_eq!(last_last, frames, "the WAL ends with the last commit");
    assert!(
        last_last > last_first,
        "the last transaction has several frames"
    );
    for off in 0..32 {
        let mut wal = fx.wal.clone();
        wal[off] ^= 1 << rng.below(8);
        match open_and_read(fx.db.clone(), wal) {
            Outcome::Error(msg) => assert!(
                names(&msg, WAL, "the WAL header is damaged"),
                "header byte {off}: {msg}"
            ),
            other => panic!("header byte {off}: {}", brief(&other)),
        }
    }
    let mut in_last = 0;
    for frame in 1..=frames {
        for off in positions(&mut rng, FRAME, 24) {
            let mut wal = fx.wal.clone();
            wal[FRAMES_START + (frame - 1) * FRAME + off] ^= 1 << rng.below(8);
            let case = format!("frame {frame} byte {off}");
            match open_and_read(fx.db.clone(), wal) {
                Outcome::Error(msg) => {
                    assert!(
                        names(&msg, WAL, &format!("WAL frame {frame} is damaged")),
                        "{case}: unclear error: {msg}"
                    );
                    if frame >= last_first {
                        assert!(msg.contains("mark slot"), "{case}: {msg}");
                        in_last += 1;
                    }
                }
                other => panic!("{case}: committed damage went unnoticed: {}", brief(&other)),
            }
        }
    }
    assert!(
        in_last >= 2 * 14,
        "only {in_last} flips in the last transaction"
    );
}

/// The fixture's WAL with an unfinished transaction after the last commit:
/// frames a big transaction spilled before the crash (never committed).
/// Returns the WAL and the range of those frames.
fn with_unfinished_transaction(fx: &Fixture) -> (Vec<u8>, std::ops::RangeInclusive<usize>) {
    let vfs = Arc::new(SimVfs::new(3));
    vfs.set_file_bytes(Path::new(DB), fx.db.clone());
    vfs.set_file_bytes(Path::new(WAL), fx.wal.clone());
    let db = Database::open_vfs(vfs.clone(), Path::new(DB), options_with(Synchronous::Extra))
        .expect("open");
    db.execute("BEGIN", ()).expect("begin");
    for i in 0..40 {
        db.execute(
            &format!(
                "INSERT INTO notes VALUES ('{}')",
                format!("{i}").repeat(300)
            ),
            (),
        )
        .expect("insert");
    }
    let status = db.pager().wal_status();
    let spilled = (status.committed_frames + 1) as usize..=status.written_frames as usize;
    assert!(!spilled.is_empty(), "the transaction spilled: {status:?}");
    db.abandon().expect("abandon");
    let wal = vfs.file_bytes(Path::new(WAL)).expect("wal");
    (wal, spilled)
}

/// Under `synchronous = extra`: a flipped bit in either mark slot loses
/// nothing (the other slot still holds, and the frames are intact), and
/// neither does one in frames of a transaction that never committed.
#[test]
fn under_extra_sync_a_flipped_bit_in_a_mark_slot_or_an_uncommitted_frame_changes_nothing() {
    let fx = fixture_with(true, Synchronous::Extra);
    let want = fx.states.last().expect("states");
    let mut rng = SplitMix64::new(16);
    for off in 32..FRAMES_START {
        let mut wal = fx.wal.clone();
        wal[off] ^= 1 << rng.below(8);
        match open_and_read(fx.db.clone(), wal) {
            Outcome::Answer(got) => assert_same(&got, want, &format!("mark slot byte {off}")),
            other => panic!("mark slot byte {off}: {}", brief(&other)),
        }
    }
    let (wal, spilled) = with_unfinished_transaction(&fx);
    for frame in spilled {
        for off in positions(&mut rng, FRAME, 24) {
            let mut wal = wal.clone();
            wal[FRAMES_START + (frame - 1) * FRAME + off] ^= 1 << rng.below(8);
            let case = format!("uncommitted frame {frame} byte {off}");
            match open_and_read(fx.db.clone(), wal) {
                Outcome::Answer(got) => assert_same(&got, want, &case),
                other => panic!("{case}: {}", brief(&other)),
            }
        }
    }
}

/// Under `synchronous = extra`: a WAL cut anywhere short of its durable
/// mark (inside a frame, or at a frame boundary, down to the mark slots)
/// is an error naming the first frame it lost. Cut in the uncommitted tail,
/// it loses nothing. Cut through the mark slots, it takes them along and
/// looks like a WAL truncated by a reset: the limit that remains.
#[test]
fn under_extra_sync_a_wal_cut_short_of_its_durable_mark_is_an_error_naming_the_frame() {
    let fx = fixture_with(true, Synchronous::Extra);
    let frames = (fx.wal.len() - FRAMES_START) / FRAME;
    for frame in 1..=frames {
        let start = FRAMES_START + (frame - 1) * FRAME;
        for cut in [start, start + 1, start + FRAME / 2, start + FRAME - 1] {
            match open_and_read(fx.db.clone(), fx.wal[..cut].to_vec()) {
                Outcome::Error(msg) => assert!(
                    names(&msg, WAL, &format!("WAL frame {frame} is damaged"))
                        && msg.contains("the file ends"),
                    "cut at {cut} (frame {frame}): {msg}"
                ),
                other => panic!("cut at {cut} (frame {frame}): {}", brief(&other)),
            }
        }
    }
    // Slot B cut off: slot A (one commit older) still vouches for frame 1.
    match open_and_read(fx.db.clone(), fx.wal[..60].to_vec()) {
        Outcome::Error(msg) => assert!(names(&msg, WAL, "WAL frame 1 is damaged"), "{msg}"),
        other => panic!("cut at 60: {}", brief(&other)),
    }
    // Both slots cut off: nothing vouches for anything.
    match open_and_read(fx.db.clone(), fx.wal[..40].to_vec()) {
        Outcome::Answer(got) => assert_same(&got, &fx.states[0], "cut at 40"),
        other => panic!("cut at 40: {}", brief(&other)),
    }
    let want = fx.states.last().expect("states");
    let (wal, spilled) = with_unfinished_transaction(&fx);
    let first = FRAMES_START + (spilled.start() - 1) * FRAME;
    for cut in [first, first + 7, wal.len() - 1] {
        match open_and_read(fx.db.clone(), wal[..cut].to_vec()) {
            Outcome::Answer(got) => assert_same(&got, want, &format!("cut at {cut}")),
            other => panic!("cut at {cut} in the uncommitted tail: {}", brief(&other)),
        }
    }
}
