//! Fuzzing harnesses: SQL text, a database file and a WAL file, each with an
//! oracle.
//!
//! The same functions run under cargo-fuzz (`fuzz/fuzz_targets/*.rs`, with
//! libFuzzer choosing the bytes) and under proptest (`tests/fuzz_props.rs`,
//! a short bounded run that `cargo test` does on every CI build). Each takes
//! the fuzz input as bytes, does its work on an in-memory [`SimVfs`] disk,
//! and either returns normally or **panics with a message starting with
//! `fuzzing oracle violated:`**. Errors that walnut *returns* are expected
//! (damaged files, bad SQL): only a panic inside walnut, a hang, or a
//! violated oracle is a finding. libFuzzer reports a panic as a crash and
//! saves the input; proptest shrinks it.
//!
//! # The harnesses
//!
//! | function | input | oracle |
//! |---|---|---|
//! | [`sql_text`] | SQL statements, as (lossy UTF-8) bytes | after running them on a small database: `PRAGMA integrity_check` says `ok`; the contents survive a `kill -9` (recovery from the WAL) and a clean close unchanged |
//! | [`database_file`] | the bytes of a main database file | opening, reading every table and index, a small write, a commit and a reopen return errors or succeed, never panic |
//! | [`database_file_mutated`] | a list of [`Mutation`]s of a valid database file | as [`database_file`]; optionally the pages' checksums are recomputed afterwards, so that damage gets past the checksums into the B+Tree layer |
//! | [`wal_file`] | the bytes of a WAL beside a valid database | the database either fails to open or to read with an error naming its file, or reads exactly as it was after one of its commits (a prefix of the committed history: never a mixture, never rows that were never committed); from that state a write, a `kill -9` and a clean close keep working |
//! | [`wal_file_mutated`] | a list of [`Mutation`]s of a valid WAL holding recent commits | as [`wal_file`] |
//!
//! Raw bytes almost never get past the magic bytes and checksums of a
//! walnut file; the `_mutated` variants start from a valid file built
//! deterministically (once per process) and damage it, which reaches much
//! further. The fuzz targets pick the variant from the input's first byte.
//! [`mutated_database_file`] and [`mutated_wal_files`] return the damaged
//! files themselves, to look at a finding in the shell.
//!
//! # Bounded work
//!
//! A fuzz input must not make one execution run for minutes or allocate
//! gigabytes, or libFuzzer reports a timeout or out-of-memory instead of
//! exploring. [`sql_text`] therefore takes at most [`MAX_SQL_INPUT`] bytes
//! and [`MAX_STATEMENTS`] statements, stops once the database outgrows
//! [`MAX_DATABASE_BYTES`], and skips statements that can build values of up
//! to SQLite's 1 GB limit in one call (`zeroblob`, `printf`, `format`, the
//! `replace()` function), resize the buffer pool (`PRAGMA cache_size = N`
//! allocates N frames at once), or nest parentheses deeper than
//! [`MAX_NESTING`] (nested `hex()` doubles a value at each level). File
//! inputs are capped at [`MAX_FILE_INPUT`] bytes and [`MAX_MUTATIONS`]
//! mutations.
//!
//! # Running the fuzzers
//!
//! With a nightly toolchain and `cargo install cargo-fuzz`:
//!
//! ```text
//! cargo +nightly fuzz run sql_text
//! cargo +nightly fuzz run database_file -- -max_total_time=60
//! cargo +nightly fuzz run wal_file -- -max_total_time=60
//! ```
//!
//! `-s none` (AddressSanitizer off) runs several times faster; for
//! `sql_text`, `fuzz/sql.dict` and the scripts in `fuzz/seeds/sql_text`
//! get much further in a short run. `fuzz/README.md` has the details and
//! how to reproduce and minimize a finding. The proptest versions run with
//! `cargo test --release --test fuzz_props`.
//!
//! # Example
//!
//! ```
//! use walnut::fuzzing::{self, Mutation};
//!
//! // Any SQL: errors are fine, a damaged database is not.
//! fuzzing::sql_text(b"INSERT INTO t(a) VALUES ('x'); DELETE FROM u WHERE x > 1; SELEC");
//!
//! // Flip a byte of the WAL's first frame, then cut the log short: recovery
//! // must fall back to a committed state (or say which file is damaged).
//! let damage = Mutation::encode(&[
//!     Mutation::Xor { offset: 100, mask: 0x40 },
//!     Mutation::Truncate { len: 5000 },
//! ]);
//! fuzzing::wal_file_mutated(&damage);
//! ```

use crate::pager::{SimVfs, Vfs, page, wal_path_for};
use crate::sql::parse::split_statements;
use crate::{Database, Options, Value};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The most bytes of SQL [`sql_text`] runs; longer inputs are ignored.
pub const MAX_SQL_INPUT: usize = 4096;
/// The most statements [`sql_text`] runs from one input.
pub const MAX_STATEMENTS: usize = 64;
/// [`sql_text`] stops running statements once the database file (page
/// count times page size) is larger than this.
pub const MAX_DATABASE_BYTES: i64 = 256 * 1024;
/// [`sql_text`] skips a statement whose parentheses nest deeper than this.
pub const MAX_NESTING: usize = 8;
/// The largest file [`database_file`] and [`wal_file`] accept; longer
/// inputs are ignored.
pub const MAX_FILE_INPUT: usize = 1 << 20;
/// The most [`Mutation`]s the `_mutated` harnesses apply; more are ignored.
pub const MAX_MUTATIONS: usize = 64;

/// Where every harness puts its database on its simulated disk. Error
/// messages about the database or its WAL name it (the WAL is
/// `fuzz.db-wal`).
const DB_PATH: &str = "fuzz.db";

/// The tables [`sql_text`] starts from.
const SQL_SCHEMA: &str = "
    CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INTEGER);
    CREATE TABLE u(x, y REAL, z BLOB, UNIQUE(x, y));
    CREATE INDEX t_a ON t(a);
    CREATE INDEX u_z ON u(z, x);
    INSERT INTO t(a, b) VALUES ('one', 1), ('two', 2), (NULL, 3), ('four', -4);
    INSERT INTO u VALUES (1, 1.5, x'00ff'), ('a', NULL, NULL), (2.5, -0.0, 'b');
";

/// One change to a file's bytes, for the `_mutated` harnesses.
///
/// On the wire (the fuzz input) each mutation is 3 bytes: a little-endian
/// 16-bit number `n` and a byte `v`. `v != 0` is [`Mutation::Xor`] of the
/// byte at `n` (modulo the file's length) with `v`; `v == 0` is
/// [`Mutation::Truncate`] to `n` bytes (if the file is longer). A trailing
/// partial group is ignored. Short groups keep the inputs libFuzzer starts
/// with (a few bytes) meaningful; the base files are under 64 KiB, so 16
/// bits reach every byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    /// XOR the byte at `offset` (taken modulo the file length) with `mask`.
    Xor {
        /// Byte offset; wraps around the file's length.
        offset: u16,
        /// Bits to flip (0 flips none).
        mask: u8,
    },
    /// Cut the file to `len` bytes, if it is longer.
    Truncate {
        /// The new length.
        len: u16,
    },
}

impl Mutation {
    /// Decodes the wire format (see [`Mutation`]); at most
    /// [`MAX_MUTATIONS`] are returned.
    ///
    /// ```
    /// use walnut::fuzzing::Mutation;
    /// assert_eq!(
    ///     Mutation::decode(&[0x10, 0x02, 0x80, 0x00, 0x01, 0x00, 0xff]),
    ///     vec![Mutation::Xor { offset: 0x210, mask: 0x80 }, Mutation::Truncate { len: 0x100 }],
    /// );
    /// ```
    pub fn decode(bytes: &[u8]) -> Vec<Mutation> {
        bytes
            .chunks_exact(3)
            .take(MAX_MUTATIONS)
            .map(|c| {
                let n = u16::from_le_bytes([c[0], c[1]]);
                match c[2] {
                    0 => Mutation::Truncate { len: n },
                    mask => Mutation::Xor { offset: n, mask },
                }
            })
            .collect()
    }

    /// Encodes mutations in the wire format, the inverse of
    /// [`decode`](Self::decode). An `Xor` with mask 0 is a no-op and is
    /// left out (mask 0 on the wire means [`Mutation::Truncate`]).
    ///
    /// ```
    /// use walnut::fuzzing::Mutation;
    /// let m = [Mutation::Xor { offset: 7, mask: 1 }, Mutation::Truncate { len: 64 }];
    /// assert_eq!(Mutation::decode(&Mutation::encode(&m)), m);
    /// ```
    pub fn encode(mutations: &[Mutation]) -> Vec<u8> {
        let mut out = Vec::with_capacity(mutations.len() * 3);
        for m in mutations {
            let (n, v) = match *m {
                Mutation::Xor { mask: 0, .. } => continue,
                Mutation::Xor { offset, mask } => (offset, mask),
                Mutation::Truncate { len } => (len, 0),
            };
            out.extend_from_slice(&n.to_le_bytes());
            out.push(v);
        }
        out
    }

    /// Applies one mutation to `bytes`.
    ///
    /// ```
    /// use walnut::fuzzing::Mutation;
    /// let mut b = vec![0u8; 4];
    /// Mutation::Xor { offset: 5, mask: 0xff }.apply(&mut b); // 5 mod 4 = 1
    /// Mutation::Truncate { len: 3 }.apply(&mut b);
    /// assert_eq!(b, [0, 0xff, 0]);
    /// ```
    pub fn apply(self, bytes: &mut Vec<u8>) {
        match self {
            Mutation::Xor { offset, mask } => {
                if !bytes.is_empty() {
                    let at = offset as usize % bytes.len();
                    bytes[at] ^= mask;
                }
            }
            Mutation::Truncate { len } => bytes.truncate(len as usize),
        }
    }
}

/// Runs SQL text on a small database and checks that it stays consistent.
///
/// The database (on a [`SimVfs`]) starts with two tables, `t(id INTEGER
/// PRIMARY KEY, a TEXT, b INTEGER)` and `u(x, y REAL, z BLOB, UNIQUE(x,
/// y))`, indexes `t_a ON t(a)` and `u_z ON u(z, x)`, and a few rows. The
/// input is read as UTF-8 (invalid sequences replaced), split into
/// statements, and each runs in turn; errors are ignored (see the
/// [module documentation](self) for the statements skipped to bound the
/// work). An open transaction is then committed (or rolled back).
///
/// The oracle: `PRAGMA integrity_check` says `ok`; the contents (every
/// table and `sqlite_master`) read the same after a `kill -9`
/// ([`Database::abandon`]) and recovery, and again after a clean close and
/// reopen, with the integrity check still `ok`. Panics (starting
/// `fuzzing oracle violated:`) otherwise.
///
/// ```
/// walnut::fuzzing::sql_text(b"BEGIN; UPDATE t SET a = upper(a) WHERE b > 1; COMMIT; DROP INDEX t_a");
/// ```
pub fn sql_text(input: &[u8]) {
    if input.len() > MAX_SQL_INPUT {
        return;
    }
    let text = String::from_utf8_lossy(input);
    let vfs = Arc::new(SimVfs::new(0));
    let db = open(&vfs, Options::default())
        .unwrap_or_else(|e| violated(format!("cannot create an in-memory database: {e}")));
    if let Err(e) = db.execute_batch(SQL_SCHEMA) {
        violated(format!("cannot create the starting tables: {e}"));
    }
    for piece in split_statements(&text).into_iter().take(MAX_STATEMENTS) {
        if too_costly(piece.text) {
            continue;
        }
        let _ = db.query(piece.text, ());
        if database_bytes(&db).is_none_or(|n| n > MAX_DATABASE_BYTES) {
            break;
        }
    }
    if db.in_transaction() && db.execute("COMMIT", ()).is_err() {
        let _ = db.execute("ROLLBACK", ());
    }
    if db.in_transaction() {
        violated("the transaction is still open after COMMIT and ROLLBACK".into());
    }
    expect_integrity(&db, "after running the statements");
    let before = dump(&db).map_err(|e| e.to_string());

    if let Err(e) = db.abandon() {
        violated(format!("abandon failed: {e}"));
    }
    let db = open(&vfs, Options::default())
        .unwrap_or_else(|e| violated(format!("reopening after a kill -9 failed: {e}")));
    expect_integrity(&db, "after a kill -9 and recovery");
    expect_same(
        &before,
        &dump(&db).map_err(|e| e.to_string()),
        "after a kill -9",
    );

    drop(db);
    let db = open(&vfs, Options::default())
        .unwrap_or_else(|e| violated(format!("reopening after a clean close failed: {e}")));
    expect_integrity(&db, "after a clean close and reopen");
    expect_same(
        &before,
        &dump(&db).map_err(|e| e.to_string()),
        "after a clean close",
    );
}

/// Opens `input` as a database file (no WAL beside it) and uses it: every
/// result is fine except a panic.
///
/// If it opens: `PRAGMA integrity_check`, `sqlite_master`, every table
/// (`SELECT rowid, *`) and every index (`INDEXED BY`), `PRAGMA
/// table_info`/`index_list`, then one transaction that creates a table,
/// inserts and deletes in every table and commits, the integrity check
/// again, a clean close (which checkpoints into the file) and a reopen.
/// Inputs over [`MAX_FILE_INPUT`] bytes are ignored.
///
/// ```
/// walnut::fuzzing::database_file(b"WALNUTDB, but not much of one");
/// ```
pub fn database_file(input: &[u8]) {
    if input.len() > MAX_FILE_INPUT {
        return;
    }
    let vfs = Arc::new(SimVfs::new(0));
    vfs.set_file_bytes(Path::new(DB_PATH), input.to_vec());
    explore(&vfs);
}

/// [`database_file`] on a valid database damaged by mutations.
///
/// The input's first byte is a set of flags; the rest are [`Mutation`]s
/// (in their wire format) of a database built once per process: page size
/// 1024, three tables, four indexes, a few hundred rows, multi-level
/// B+Trees, an overflow chain and free pages. With flag bit 0 set, every
/// page's CRC32 is recomputed after the mutations, so that the damage is
/// not caught as a checksum mismatch but reaches the code that decodes the
/// pages (header fields, B+Tree nodes, cells, records, the freelist).
///
/// ```
/// use walnut::fuzzing::{self, Mutation};
/// let mut input = vec![1]; // recompute checksums
/// input.extend(Mutation::encode(&[Mutation::Xor { offset: 1024 + 30, mask: 0x07 }]));
/// fuzzing::database_file_mutated(&input);
/// ```
pub fn database_file_mutated(input: &[u8]) {
    let vfs = Arc::new(SimVfs::new(0));
    vfs.set_file_bytes(Path::new(DB_PATH), mutated_database_file(input));
    explore(&vfs);
}

/// The database file that [`database_file_mutated`] opens for `input`: to
/// look at a finding outside the harness, write it to a file and open that
/// with the shell (`cargo run --release -- damaged.db`, then `.check`,
/// `.pages`, `.page N`).
///
/// ```
/// use walnut::fuzzing::{self, Mutation};
/// let clean = fuzzing::mutated_database_file(&[0]);
/// let cut = fuzzing::mutated_database_file(&[
///     [0].as_slice(),
///     &Mutation::encode(&[Mutation::Truncate { len: 2048 }]),
/// ].concat());
/// assert_eq!(cut, clean[..2048]);
/// ```
pub fn mutated_database_file(input: &[u8]) -> Vec<u8> {
    let (flags, ops) = input.split_first().map_or((0, &[][..]), |(f, o)| (*f, o));
    let mut bytes = base_database().to_vec();
    for m in Mutation::decode(ops) {
        m.apply(&mut bytes);
    }
    if flags & 1 == 1 {
        reseal_pages(&mut bytes, BASE_PAGE_SIZE);
    }
    bytes
}

/// Puts `input` as the WAL beside a valid database, opens it, and checks
/// that recovery yields a committed state or an error naming the file.
///
/// The database and its history are built once per process (see
/// [`wal_file_mutated`]); its main file holds the state before the first of
/// the commits in the WAL. Inputs over [`MAX_FILE_INPUT`] bytes are
/// ignored.
///
/// The oracle: opening fails, or reading `sqlite_master` and every table
/// fails, with an error whose message names `fuzz.db` (the database or
/// its WAL, `fuzz.db-wal`); or the contents equal the state after one of
/// the commits (or the state before all of them), the integrity check says
/// `ok`, and a write, a `kill -9` with recovery, and a clean close with
/// reopen each keep exactly the contents expected. Panics (starting
/// `fuzzing oracle violated:`) otherwise.
///
/// ```
/// walnut::fuzzing::wal_file(b"WALNUTWL and garbage");
/// ```
pub fn wal_file(input: &[u8]) {
    if input.len() > MAX_FILE_INPUT {
        return;
    }
    check_wal(input.to_vec());
}

/// [`wal_file`] with the valid WAL damaged by [`Mutation`]s.
///
/// The input is a list of mutations (in their wire format) of a WAL built
/// once per process: page size 1024, a database checkpointed after its
/// first transactions, then several commits (inserts that split pages, an
/// update, deletes, a new table, an overflow value, a dropped index) left
/// in the WAL with automatic checkpoints off, a transaction that spilled
/// pages and rolled back, and at the end an unfinished transaction whose
/// spilled frames never committed. The oracle is [`wal_file`]'s.
///
/// ```
/// use walnut::fuzzing::{self, Mutation};
/// fuzzing::wal_file_mutated(&Mutation::encode(&[Mutation::Truncate { len: 80 + 1048 * 3 }]));
/// ```
pub fn wal_file_mutated(input: &[u8]) {
    check_wal(mutated_wal_files(input).1);
}

/// The main database file and the WAL that [`wal_file_mutated`] opens for
/// `input`: to look at a finding outside the harness, write them to
/// `damaged.db` and `damaged.db-wal` and open the database with the shell
/// (`.wal` shows where recovery stops).
///
/// ```
/// use walnut::fuzzing;
/// let (db, wal) = fuzzing::mutated_wal_files(&[]);
/// assert_eq!(&wal[..8], b"WALNUTWL");
/// assert!(db.len() % 1024 == 0);
/// ```
pub fn mutated_wal_files(input: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let base = base_wal();
    let mut wal = base.wal.clone();
    for m in Mutation::decode(input) {
        m.apply(&mut wal);
    }
    (base.db.clone(), wal)
}

// ---------------------------------------------------------------------------
// The SQL harness's helpers.

/// Whether running `stmt` could take far more time or memory than a fuzz
/// execution should (see the module documentation).
fn too_costly(stmt: &str) -> bool {
    let lower = stmt.to_ascii_lowercase();
    if ["zeroblob", "printf", "format"]
        .iter()
        .any(|f| lower.contains(f))
    {
        return true;
    }
    // `replace(` is the function; REPLACE INTO, OR REPLACE and ON CONFLICT
    // REPLACE are followed by INTO, `,`, `)` or nothing. Anything else
    // (a comment, say) is treated as the function.
    if followed_by_other_than(&lower, "replace", &["into", ",", ")", ";"]) {
        return true;
    }
    // Reading `PRAGMA cache_size` is fine; setting it allocates the pool.
    if followed_by_other_than(&lower, "cache_size", &[";"]) {
        return true;
    }
    let mut depth = 0usize;
    for c in lower.chars() {
        match c {
            '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return true;
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Whether some occurrence of `word` in `text` is followed (after
/// whitespace) by something other than the end or one of `allowed`.
fn followed_by_other_than(text: &str, word: &str, allowed: &[&str]) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let rest = text[at + word.len()..].trim_start();
        !rest.is_empty() && !allowed.iter().any(|a| rest.starts_with(a))
    })
}

/// The database's size in bytes as its header counts it.
fn database_bytes(db: &Database) -> Option<i64> {
    let count = single_integer(db, "PRAGMA page_count")?;
    let size = single_integer(db, "PRAGMA page_size")?;
    count.checked_mul(size)
}

fn single_integer(db: &Database, sql: &str) -> Option<i64> {
    let mut rows = db.query(sql, ()).ok()?;
    match rows.next()?.first()? {
        Value::Integer(n) => Some(*n),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// The database-file harness's helpers.

/// Page size of the base database and WAL (small pages: more of them, and
/// deeper trees, in fewer bytes).
const BASE_PAGE_SIZE: usize = 1024;

/// The options the file harnesses open with.
fn base_options() -> Options {
    Options {
        page_size: BASE_PAGE_SIZE as u32,
        pool_frames: 16,
        autocheckpoint: 0,
        ..Options::default()
    }
}

/// Uses a database that may be damaged in any way; only panics matter.
fn explore(vfs: &Arc<SimVfs>) {
    let Ok(db) = open(vfs, base_options()) else {
        return;
    };
    let _ = db.query("PRAGMA integrity_check", ());
    let _ = db.query("PRAGMA freelist_count", ());
    let _ = dump(&db);
    let objects = db
        .query("SELECT type, name, tbl_name FROM sqlite_master", ())
        .map(|rows| rows.collect::<Vec<_>>())
        .unwrap_or_default();
    for row in &objects {
        let [Value::Text(kind), Value::Text(name), Value::Text(table)] = row.as_slice() else {
            continue;
        };
        let (name, table) = (quote_name(name), quote_name(table));
        if kind == "index" {
            let _ = db.query(&format!("SELECT * FROM {table} INDEXED BY {name}"), ());
            let _ = db.query(&format!("PRAGMA index_info({name})"), ());
        } else {
            let _ = db.query(&format!("PRAGMA table_info({name})"), ());
            let _ = db.query(&format!("PRAGMA index_list({name})"), ());
            let _ = db.query(&format!("SELECT count(*), max(rowid) FROM {name}"), ());
        }
    }
    // A small write: a new table (allocates pages, maybe from the
    // freelist), an insert and a delete in every table.
    if db.execute("BEGIN", ()).is_ok() {
        let _ = db.execute("CREATE TABLE fuzz_probe(x, y)", ());
        let _ = db.execute("INSERT INTO fuzz_probe VALUES (1, 'probe'), (2, x'00')", ());
        for row in &objects {
            if let [Value::Text(kind), Value::Text(name), ..] = row.as_slice()
                && kind == "table"
            {
                let name = quote_name(name);
                let _ = db.execute(&format!("INSERT INTO {name} DEFAULT VALUES"), ());
                let _ = db.execute(&format!("DELETE FROM {name} WHERE rowid % 3 = 0"), ());
            }
        }
        if db.execute("COMMIT", ()).is_err() {
            let _ = db.execute("ROLLBACK", ());
        }
    }
    let _ = db.query("PRAGMA integrity_check", ());
    let _ = db.query("PRAGMA wal_checkpoint", ());
    drop(db);
    if let Ok(db) = open(vfs, base_options()) {
        let _ = db.query("PRAGMA integrity_check", ());
        let _ = dump(&db);
    }
}

/// Every byte of a base file must be within reach of a [`Mutation`].
fn expect_mutable(bytes: &[u8], what: &str) {
    if bytes.len() > usize::from(u16::MAX) + 1 {
        violated(format!(
            "the base {what} is {} bytes: mutations reach only 64 KiB",
            bytes.len()
        ));
    }
}

/// Recomputes the CRC32 of every whole page (bytes 0..4, big-endian, of
/// each page: see [`crate::pager::page`]).
fn reseal_pages(bytes: &mut [u8], page_size: usize) {
    for p in bytes.chunks_exact_mut(page_size) {
        let crc = page::compute_checksum(p);
        p[..4].copy_from_slice(&crc.to_be_bytes());
    }
}

/// The main file of the base database for [`database_file_mutated`].
fn base_database() -> &'static [u8] {
    static BASE: OnceLock<Vec<u8>> = OnceLock::new();
    BASE.get_or_init(|| {
        let vfs = Arc::new(SimVfs::new(0));
        let db = open(&vfs, base_options())
            .unwrap_or_else(|e| violated(format!("cannot create the base database: {e}")));
        run_setup(&db, BASE_DATABASE_SQL);
        drop(db); // a clean close: checkpointed, WAL deleted
        let bytes = vfs
            .file_bytes(Path::new(DB_PATH))
            .unwrap_or_else(|| violated("the base database has no file".into()));
        expect_mutable(&bytes, "database");
        bytes
    })
}

/// How the base database is built: every kind of page there is.
const BASE_DATABASE_SQL: &str = "
    CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL, n INTEGER, note, CHECK (n >= 0));
    CREATE INDEX t_v ON t(v);
    CREATE TABLE u(a, b REAL, c BLOB, UNIQUE(a, b));
    CREATE INDEX u_c ON u(c DESC, a);
    CREATE TABLE gone(x);
    BEGIN;
    INSERT INTO t(v, n) VALUES ('alpha', 1), ('beta', 2), ('gamma', 3), ('delta', 4);
    INSERT INTO t(v, n) SELECT v || '-' || id, n + 4 FROM t;
    INSERT INTO t(v, n) SELECT v || '+' || id, n + 8 FROM t;
    INSERT INTO t(v, n) SELECT v || '*' || id, n + 16 FROM t;
    INSERT INTO t(v, n) SELECT v || '/' || id, n + 32 FROM t;
    INSERT INTO t(v, n) SELECT v || '.' || id, n + 64 FROM t;
    INSERT INTO u VALUES (1, 2.5, x'deadbeef'), ('two', NULL, NULL), (3.25, -1e300, 'text');
    INSERT INTO u SELECT n, n * 0.5, hex(v) FROM t WHERE n % 5 = 0;
    INSERT INTO gone SELECT v FROM t;
    COMMIT;
    INSERT INTO t(v, n, note) VALUES ('long', 1000, hex(x'00112233445566778899aabbccddeeff') || upper(hex(x'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef')));
    DELETE FROM t WHERE n % 7 = 3;
    DROP TABLE gone;
";

// ---------------------------------------------------------------------------
// The WAL harness's helpers.

/// The base database for the WAL harnesses and its committed history.
struct BaseWal {
    /// The main file: checkpointed at `states[0]`.
    db: Vec<u8>,
    /// The WAL: the commits that lead to `states[1..]`, then junk.
    wal: Vec<u8>,
    /// The contents after each commit, `states[0]` being the main file's.
    states: Vec<Dump>,
}

/// The WAL history: each entry is one transaction, committed in order.
const BASE_WAL_COMMITS: &[&str] = &[
    "INSERT INTO t(v, n) VALUES ('first commit in the WAL', 100)",
    "UPDATE t SET v = v || '!' WHERE n % 3 = 0",
    "INSERT INTO t(v, n) SELECT v || '#', n + 1000 FROM t",
    "DELETE FROM t WHERE n % 4 = 1",
    "CREATE TABLE w(k INTEGER PRIMARY KEY, blob BLOB)",
    "INSERT INTO w(blob) SELECT x'0102030405060708090a0b0c0d0e0f' FROM t WHERE n < 1010",
    "INSERT INTO t(v, n, note) VALUES ('long', 7, hex(x'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'))",
    "DROP INDEX t_v",
    "UPDATE t SET n = n + 1 WHERE id = 1",
];

/// Builds (once per process) the base database and WAL.
fn base_wal() -> &'static BaseWal {
    static BASE: OnceLock<BaseWal> = OnceLock::new();
    BASE.get_or_init(|| {
        let vfs = Arc::new(SimVfs::new(0));
        let db = open(&vfs, base_options())
            .unwrap_or_else(|e| violated(format!("cannot create the base database: {e}")));
        run_setup(
            &db,
            "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, n INTEGER, note);
             CREATE INDEX t_v ON t(v);
             INSERT INTO t(v, n) VALUES ('a', 1), ('b', 2), ('c', 3);
             INSERT INTO t(v, n) SELECT v || v, n + 3 FROM t;
             INSERT INTO t(v, n) SELECT v || '.', n + 6 FROM t;
             PRAGMA wal_checkpoint;",
        );
        let mut states = vec![expect_dump(&db, "of the base database")];
        for (i, sql) in BASE_WAL_COMMITS.iter().enumerate() {
            run_setup(&db, sql);
            states.push(expect_dump(&db, "of the base database"));
            if i == 3 {
                // A transaction big enough to spill pages into the WAL
                // (the pool has 16 frames), rolled back: its frames stay
                // in the log, uncommitted, until overwritten.
                run_setup(
                    &db,
                    "BEGIN; INSERT INTO t(v, n, note) SELECT v || 'rolled back', n, \
                     hex(zeroblob(200)) FROM t; ROLLBACK",
                );
            }
        }
        // An unfinished transaction that spilled: frames with no commit.
        run_setup(
            &db,
            "BEGIN; INSERT INTO t(v, n, note) SELECT v || 'never committed', n, \
             hex(zeroblob(200)) FROM t",
        );
        if let Err(e) = db.abandon() {
            violated(format!("cannot abandon the base database: {e}"));
        }
        let file = |p: &Path| {
            vfs.file_bytes(p)
                .unwrap_or_else(|| violated(format!("the base database has no {}", p.display())))
        };
        let path = Path::new(DB_PATH);
        let base = BaseWal {
            db: file(path),
            wal: file(&wal_path_for(path)),
            states,
        };
        expect_mutable(&base.wal, "WAL");
        // The oracle is only meaningful if the undamaged files recover to
        // the last commit.
        let vfs = Arc::new(SimVfs::new(0));
        vfs.set_file_bytes(path, base.db.clone());
        vfs.set_file_bytes(&wal_path_for(path), base.wal.clone());
        let db = open(&vfs, base_options())
            .unwrap_or_else(|e| violated(format!("the base WAL does not open: {e}")));
        if Some(&expect_dump(&db, "of the recovered base")) != base.states.last() {
            violated("the undamaged base WAL does not recover its last commit".into());
        }
        db.abandon().ok();
        base
    })
}

/// Opens the base database with `wal` as its WAL and checks the oracle.
fn check_wal(wal: Vec<u8>) {
    let base = base_wal();
    let vfs = Arc::new(SimVfs::new(0));
    let path = Path::new(DB_PATH);
    vfs.set_file_bytes(path, base.db.clone());
    vfs.set_file_bytes(&wal_path_for(path), wal);
    let db = match open(&vfs, base_options()) {
        Ok(db) => db,
        Err(e) => {
            expect_names_file(&e, "opening");
            return;
        }
    };
    let got = match dump(&db) {
        Ok(d) => d,
        Err(e) => {
            expect_names_file(&e, "reading");
            return;
        }
    };
    let Some(state) = base.states.iter().position(|s| *s == got) else {
        violated(format!(
            "the recovered contents are none of the {} committed states: {}",
            base.states.len(),
            describe_difference(&base.states, &got)
        ));
    };
    expect_integrity(&db, &format!("after recovering state {state}"));

    // The recovered log must take new commits, survive a kill -9 with
    // them, and checkpoint cleanly.
    if let Err(e) = db.execute("INSERT INTO t(v, n) VALUES ('after recovery', -1)", ()) {
        violated(format!(
            "a write after recovering state {state} failed: {e}"
        ));
    }
    let expected = expect_dump(&db, "after the write");
    if let Err(e) = db.abandon() {
        violated(format!("abandon failed: {e}"));
    }
    for how in ["a kill -9", "a clean close"] {
        let db = open(&vfs, base_options()).unwrap_or_else(|e| {
            violated(format!(
                "reopening after recovering state {state}, a write and {how} failed: {e}"
            ))
        });
        expect_same(
            &Ok(expected.clone()),
            &dump(&db).map_err(|e| e.to_string()),
            &format!("after recovering state {state}, a write and {how}"),
        );
        expect_integrity(&db, &format!("after {how}"));
        drop(db); // the second time round: after a clean close
    }
}

/// An error from opening or reading a database with a damaged WAL must
/// say which file is damaged.
fn expect_names_file(e: &crate::Error, doing: &str) {
    let msg = e.to_string();
    if !msg.contains(DB_PATH) {
        violated(format!(
            "{doing} the database with a damaged WAL failed with an error that names \
             neither the database nor its WAL: {msg}"
        ));
    }
}

/// Which committed state `got` is closest to, and how it differs.
fn describe_difference(states: &[Dump], got: &Dump) -> String {
    let differing = |s: &Dump| {
        s.iter()
            .zip(got)
            .filter(|(a, b)| a != b)
            .count()
            .saturating_add(s.len().abs_diff(got.len()))
    };
    let Some((i, closest)) = states.iter().enumerate().min_by_key(|(_, s)| differing(s)) else {
        return "no states".into();
    };
    let first = closest
        .iter()
        .zip(got)
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("{} expected {:?}, got {:?}", a.0, a.2, b.2))
        .unwrap_or_else(|| format!("{} objects expected, {} got", closest.len(), got.len()));
    format!("closest is state {i}: {first}")
}

// ---------------------------------------------------------------------------
// Shared helpers.

/// Every object of `sqlite_master` (type, name, sql) with, for a table,
/// its rows (`SELECT rowid, *`, in rowid order).
type Dump = Vec<(String, String, Vec<Vec<Value>>)>;

fn open(vfs: &Arc<SimVfs>, options: Options) -> crate::sql::Result<Database> {
    let vfs: Arc<dyn Vfs> = vfs.clone();
    Database::open_vfs(vfs, Path::new(DB_PATH), options)
}

fn dump(db: &Database) -> crate::sql::Result<Dump> {
    let mut out = Vec::new();
    for row in db.query("SELECT type, name, sql FROM sqlite_master", ())? {
        let text = |v: Option<&Value>| match v {
            Some(Value::Text(s)) => s.clone(),
            other => format!("{other:?}"),
        };
        let (kind, name, sql) = (text(row.first()), text(row.get(1)), text(row.get(2)));
        let rows = if kind == "table" {
            db.query(&format!("SELECT rowid, * FROM {}", quote_name(&name)), ())?
                .collect()
        } else {
            Vec::new()
        };
        out.push((format!("{kind} {name}"), sql, rows));
    }
    Ok(out)
}

fn expect_dump(db: &Database, what: &str) -> Dump {
    dump(db).unwrap_or_else(|e| violated(format!("cannot read the contents {what}: {e}")))
}

/// `name` as a quoted SQL identifier.
fn quote_name(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn run_setup(db: &Database, sql: &str) {
    if let Err(e) = db.execute_batch(sql) {
        violated(format!("building the base database failed at {sql:?}: {e}"));
    }
}

fn expect_integrity(db: &Database, when: &str) {
    match db.query("PRAGMA integrity_check", ()) {
        Ok(rows) => {
            let rows: Vec<_> = rows.collect();
            if rows != [vec![Value::from("ok")]] {
                violated(format!("integrity_check {when}: {rows:?}"));
            }
        }
        Err(e) => violated(format!("integrity_check {when} failed: {e}")),
    }
}

/// Compared as their `Debug` text, so that a REAL NaN equals itself.
fn expect_same<T: std::fmt::Debug>(before: &T, after: &T, when: &str) {
    if format!("{before:?}") != format!("{after:?}") {
        violated(format!(
            "the contents changed {when}:\n before: {before:?}\n after:  {after:?}"
        ));
    }
}

/// Reports a violated oracle (or a broken harness) by panicking.
fn violated(what: String) -> ! {
    panic!("fuzzing oracle violated: {what}")
}
