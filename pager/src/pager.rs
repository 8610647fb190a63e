//! The [`Pager`]: opening a database, recovery, and the shared state every
//! transaction works on.
//!
//! ## Opening
//!
//! 1. Open (or create) the main file and take an exclusive advisory lock,
//!    so a second *process* cannot open the same database. (Threads share
//!    one `Pager`.)
//! 2. An empty file becomes a new database: page 1 (the header page) is
//!    committed through the WAL like any other page, so a crash while
//!    creating a database leaves either nothing (the next open creates it
//!    again) or the whole new database, never a torn header page. (A WAL
//!    beside an empty main file is therefore taken as the database's.)
//! 3. Otherwise the magic, version and page size are checked from the first
//!    bytes, then page 1's checksum.
//! 4. The WAL is scanned ([`crate::wal::recovery`]): frames up to the last
//!    valid commit are kept, the rest discarded, and a
//!    [`RecoveryReport`] says what happened.
//! 5. The file must hold every page the committed header counts that the
//!    WAL does not supply; otherwise it is truncated, and that is an error.
//!
//! ## Concurrency
//!
//! `Pager` is `Send + Sync`. Any number of [`ReadTxn`]s run at once, on any
//! threads, each on its own snapshot. One [`WriteTxn`] runs at a time: a
//! second `begin_write` waits up to the configured busy timeout (zero by
//! default, like SQLite) and then fails with [`PagerError::Busy`]. Readers
//! keep going while the writer works and commits.

use crate::error::PageSource;
use crate::error::{PagerError, Result};
use crate::fast_hash::FastMap;
use crate::header::{self, DbHeader, HEADER_FIELDS_END};
use crate::page::{self, PageId};
use crate::pool::{BufferPool, PoolSnapshot};
use crate::read_txn::ReadTxn;
use crate::stats::{Counters, PagerStats};
use crate::vfs::{OpenMode, OsVfs, Vfs, VfsFile};
use crate::wal::recovery::{FrameInfo, RecoveryReport};
use crate::wal::{Wal, format::WalHeader};
use crate::write_txn::WriteTxn;
use parking_lot::{Condvar, Mutex};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The largest buffer pool walnut agrees to allocate (4 GiB). The pool's
/// frames are allocated when a database opens, not as they fill (unlike
/// SQLite's page cache), so a mistyped size would otherwise exhaust memory.
pub const MAX_POOL_BYTES: u64 = 4 << 30;

/// When the WAL is fsynced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// As [`Synchronous::Full`], and then record the commit's durable mark
    /// in a WAL mark slot and fsync again: two fsyncs per commit. Damage
    /// found later in the frames of *any* acknowledged commit, the last one
    /// included, is then an error naming the frame instead of a silently
    /// dropped commit (see the WAL recovery module).
    Extra,
    /// fsync the WAL at every commit: a commit that returned survives any
    /// crash. The default. Damage to the last commit's frames looks like
    /// that commit torn by power loss, and recovery drops it (as SQLite's
    /// WAL does).
    Full,
    /// fsync only at checkpoints: a crash may lose the last commits, but
    /// never leaves a partial one.
    Normal,
    /// Never fsync: the operating system decides. Fast, and only as durable
    /// as luck allows (still never a partial transaction, unless the disk
    /// reorders writes across a crash).
    Off,
}

impl Synchronous {
    fn to_u8(self) -> u8 {
        match self {
            Synchronous::Extra => 3,
            Synchronous::Full => 2,
            Synchronous::Normal => 1,
            Synchronous::Off => 0,
        }
    }
    fn from_u8(v: u8) -> Synchronous {
        match v {
            3 => Synchronous::Extra,
            2 => Synchronous::Full,
            1 => Synchronous::Normal,
            _ => Synchronous::Off,
        }
    }
}

/// How to open a database.
#[derive(Debug, Clone)]
pub struct PagerOptions {
    /// Page size for a *new* database (an existing one keeps its own).
    pub page_size: u32,
    /// Buffer pool size in frames (at least 3).
    pub pool_frames: usize,
    /// WAL durability.
    pub synchronous: Synchronous,
    /// Checkpoint automatically once the WAL holds this many frames after
    /// a commit; 0 turns automatic checkpoints off.
    pub autocheckpoint: u32,
    /// How long `begin_write` waits for another writer to finish before it
    /// fails with [`PagerError::Busy`].
    pub busy_timeout: Duration,
}

impl Default for PagerOptions {
    fn default() -> Self {
        PagerOptions {
            page_size: page::DEFAULT_PAGE_SIZE,
            pool_frames: 512,
            synchronous: Synchronous::Full,
            autocheckpoint: 1000,
            busy_timeout: Duration::ZERO,
        }
    }
}

/// What a checkpoint did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CheckpointReport {
    /// Pages copied from the WAL into the main file.
    pub pages_copied: u64,
    /// Committed frames in the WAL before the checkpoint.
    pub wal_frames: u64,
    /// Committed frames not yet in the main file afterwards (held back by
    /// an active reader's snapshot).
    pub frames_remaining: u64,
    /// Whether the WAL was reset (emptied, new salts).
    pub wal_reset: bool,
}

/// The state of the WAL, for views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalStatus {
    /// The current WAL header.
    pub header: WalHeader,
    /// Committed frames in the current generation.
    pub committed_frames: u64,
    /// Frames written in the current generation, spilled ones included.
    pub written_frames: u64,
    /// Frames (of the current generation) already copied to the main file.
    pub backfilled_frames: u64,
    /// Snapshots of active readers, as frame numbers of the current
    /// generation (0: the reader needs no frame of this generation).
    pub reader_snapshots: Vec<u64>,
    /// Distinct pages with frames.
    pub pages_in_wal: usize,
}

/// A page-addressed database file with a buffer pool, a WAL, transactions,
/// checkpoints and crash recovery.
///
/// # Example
///
/// ```
/// use walnut_pager::{Pager, PagerOptions, PageType, SimVfs};
/// use std::sync::Arc;
///
/// let vfs = Arc::new(SimVfs::new(1));
/// let pager = Pager::open_with_vfs(vfs.clone(), "demo.db", PagerOptions::default())?;
/// let mut tx = pager.begin_write()?;
/// let id = {
///     let mut page = tx.allocate(PageType::BTreeLeaf)?;
///     page.body_mut()[..5].copy_from_slice(b"hello");
///     page.id()
/// };
/// tx.commit()?;
///
/// let rx = pager.begin_read()?;
/// assert_eq!(&rx.page(id)?.body()[..5], b"hello");
/// # Ok::<(), walnut_pager::PagerError>(())
/// ```
#[derive(Debug)]
pub struct Pager {
    pub(crate) shared: Arc<Shared>,
}

/// The state shared by the pager handle and every transaction.
#[derive(Debug)]
pub(crate) struct Shared {
    pub path: PathBuf,
    pub db: Box<dyn VfsFile>,
    pub vfs: Arc<dyn Vfs>,
    pub page_size: u32,
    pub pool: BufferPool,
    pub wal: Wal,
    pub stats: Counters,
    synchronous: AtomicU8,
    autocheckpoint: AtomicU32,
    busy_timeout: Duration,
    writer_active: Mutex<bool>,
    writer_done: Condvar,
    /// LSN (change counter) the current write transaction will commit as.
    next_lsn: AtomicU64,
    pub readers: Mutex<Readers>,
    pub recovery: RecoveryReport,
    abandoned: AtomicBool,
}

/// Active read snapshots, for checkpoints.
#[derive(Debug, Default)]
pub(crate) struct Readers {
    next_id: u64,
    pub snapshots: FastMap<u64, u64>,
}

impl Pager {
    /// Opens (creating if missing) the database at `path` on the real file
    /// system.
    pub fn open(path: impl AsRef<Path>, options: PagerOptions) -> Result<Pager> {
        Pager::open_with_vfs(Arc::new(OsVfs), path, options)
    }

    /// Opens (creating if missing) the database at `path` through `vfs`.
    pub fn open_with_vfs(
        vfs: Arc<dyn Vfs>,
        path: impl AsRef<Path>,
        options: PagerOptions,
    ) -> Result<Pager> {
        let path = path.as_ref().to_path_buf();
        page::validate_page_size(options.page_size as u64)?;
        if options.pool_frames < 3 {
            return Err(PagerError::InvalidOption(format!(
                "the buffer pool needs at least 3 frames (got {})",
                options.pool_frames
            )));
        }
        let pool_bytes = (options.pool_frames as u64).saturating_mul(options.page_size as u64);
        if pool_bytes > MAX_POOL_BYTES {
            return Err(PagerError::InvalidOption(format!(
                "a buffer pool of {} frames of {} bytes needs {} MiB; walnut allocates its pool \
                 when it opens a database and allows at most {} MiB",
                options.pool_frames,
                options.page_size,
                pool_bytes >> 20,
                MAX_POOL_BYTES >> 20
            )));
        }
        let db = vfs
            .open(&path, OpenMode::CreateIfMissing)
            .map_err(|e| PagerError::io(&path, "opening the database", e))?;
        if !db
            .try_lock_exclusive()
            .map_err(|e| PagerError::io(&path, "locking the database", e))?
        {
            return Err(PagerError::Locked { path });
        }
        let wal_path = wal_path_for(&path);
        let len = db
            .len()
            .map_err(|e| PagerError::io(&path, "reading the file length", e))?;
        let mut base_page1_error = None;
        let base_header = if len == 0 {
            // A new database (or one created by a crash-interrupted open):
            // its header page is committed through the WAL below, so the
            // page size is the WAL's if a valid WAL is already there.
            let page_size = wal_page_size(vfs.as_ref(), &wal_path)?;
            DbHeader::new(page_size.unwrap_or(options.page_size))
        } else {
            match read_base_header(db.as_ref(), &path, len) {
                Ok(h) => h,
                Err(e @ (PagerError::Io { .. } | PagerError::DiskFull { .. })) => return Err(e),
                Err(e) => match wal_page_size(vfs.as_ref(), &wal_path)? {
                    // The main file's page 1 is damaged, but a valid WAL may
                    // hold a newer copy of it: a crash can tear a page that a
                    // checkpoint was writing. Recovery decides below.
                    Some(page_size) => {
                        base_page1_error = Some(e);
                        DbHeader::new(page_size)
                    }
                    None => return Err(e),
                },
            }
        };
        let page_size = base_header.page_size;
        let (wal, scan, wal_index) = Wal::open(
            vfs.as_ref(),
            &wal_path,
            page_size,
            base_header.change_counter,
        )?;
        let shared = Arc::new(Shared {
            path,
            db,
            vfs,
            page_size,
            pool: BufferPool::new(options.pool_frames, page_size as usize, wal_index),
            wal,
            stats: Counters::default(),
            synchronous: AtomicU8::new(options.synchronous.to_u8()),
            autocheckpoint: AtomicU32::new(options.autocheckpoint),
            busy_timeout: options.busy_timeout,
            writer_active: Mutex::new(false),
            writer_done: Condvar::new(),
            next_lsn: AtomicU64::new(0),
            readers: Mutex::new(Readers::default()),
            recovery: scan.report,
            abandoned: AtomicBool::new(false),
        });
        let page1_committed = {
            let st = shared.pool.latch();
            let committed = shared.wal.state.read().committed;
            st.wal_index.lookup(1, committed).is_some()
        };
        if let Some(e) = base_page1_error
            && !page1_committed
        {
            return Err(e);
        }
        if len == 0 && !page1_committed {
            shared.initialize()?;
        }
        let pager = Pager { shared };
        let len = pager
            .shared
            .db
            .len()
            .map_err(|e| PagerError::io(&pager.shared.path, "reading the file length", e))?;
        pager.check_length(len)?;
        Ok(pager)
    }

    /// Every page the committed header counts must be in the WAL or within
    /// the main file.
    fn check_length(&self, len: u64) -> Result<()> {
        let header = self.begin_read()?.header();
        let ps = self.shared.page_size as u64;
        let in_file = (len / ps) as u32;
        if header.page_count <= in_file {
            return Ok(());
        }
        let st = self.shared.pool.latch();
        let committed = self.shared.wal.state.read().committed;
        for p in in_file + 1..=header.page_count {
            if st.wal_index.lookup(p, committed).is_none() {
                return Err(PagerError::Truncated {
                    path: self.shared.path.clone(),
                    len,
                    pages: header.page_count,
                    page_size: self.shared.page_size,
                    needed: header.page_count as u64 * ps,
                });
            }
        }
        Ok(())
    }

    /// Starts a read transaction on a snapshot of the last commit.
    pub fn begin_read(&self) -> Result<ReadTxn> {
        ReadTxn::begin(self.shared.clone())
    }

    /// Starts the write transaction, waiting up to the busy timeout for
    /// another one to finish.
    pub fn begin_write(&self) -> Result<WriteTxn> {
        self.shared.acquire_writer()?;
        WriteTxn::begin(self.shared.clone())
    }

    /// The bytes of page `id` as of the last commit, read from disk
    /// without verifying them, and where they came from (the main file or
    /// a WAL frame). See [`ReadTxn::page_raw`].
    pub fn read_page_raw(&self, id: PageId) -> Result<crate::page::RawPage> {
        self.begin_read()?.page_raw(id)
    }

    /// Copies committed WAL frames into the main file (as far as active
    /// readers allow) and resets the WAL if nothing needs it any more.
    pub fn checkpoint(&self) -> Result<CheckpointReport> {
        self.shared.checkpoint()
    }

    /// [`Pager::checkpoint`], calling `progress(copied, to_copy)` before
    /// each page it copies (for a progress bar on a big checkpoint).
    pub fn checkpoint_with_progress(
        &self,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<CheckpointReport> {
        self.shared.checkpoint_with_progress(progress)
    }

    /// The page size in bytes.
    pub fn page_size(&self) -> u32 {
        self.shared.page_size
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// A copy of the counters.
    pub fn stats(&self) -> PagerStats {
        self.shared.stats.snapshot()
    }

    /// Every frame of the buffer pool and the CLOCK hand.
    pub fn pool_snapshot(&self) -> PoolSnapshot {
        self.shared.pool.snapshot()
    }

    /// What recovery found when this pager opened the database.
    pub fn recovery_report(&self) -> &RecoveryReport {
        &self.shared.recovery
    }

    /// The WAL's header, marks and readers.
    pub fn wal_status(&self) -> WalStatus {
        // Lock order as everywhere: the pool latch (for the index),
        // readers, then the WAL's io, then state.
        let st = self.shared.pool.latch();
        let readers = self.shared.readers.lock();
        let io = self.shared.wal.io.lock();
        let ws = self.shared.wal.state.read();
        let mut reader_snapshots: Vec<u64> = readers
            .snapshots
            .values()
            .map(|&s| s.saturating_sub(ws.base))
            .collect();
        reader_snapshots.sort_unstable();
        WalStatus {
            header: ws.header,
            committed_frames: ws.committed - ws.base,
            written_frames: io.tail - ws.base,
            backfilled_frames: ws.backfilled.saturating_sub(ws.base),
            reader_snapshots,
            pages_in_wal: st.wal_index.pages(),
        }
    }

    /// Reads every frame header in the WAL file as it is on disk now, with
    /// whether recovery would keep it.
    pub fn scan_wal(&self) -> Result<Vec<FrameInfo>> {
        Ok(self.scan_wal_report()?.0)
    }

    /// Like [`Pager::scan_wal`], plus what recovery would report if the
    /// database were opened now: how many frames and transactions it would
    /// keep, and where and why its scan would stop.
    pub fn scan_wal_report(&self) -> Result<(Vec<FrameInfo>, RecoveryReport)> {
        let w = &self.shared.wal;
        let scan = crate::wal::recovery::scan(w.file.as_ref(), w.page_size, &w.path)?;
        Ok((scan.frames, scan.report))
    }

    /// The main file's length in bytes, as it is on disk now.
    pub fn file_len(&self) -> Result<u64> {
        self.shared
            .db
            .len()
            .map_err(|e| PagerError::io(&self.shared.path, "reading the file length", e))
    }

    /// The WAL file's length in bytes, as it is on disk now.
    pub fn wal_file_len(&self) -> Result<u64> {
        let w = &self.shared.wal;
        w.file
            .len()
            .map_err(|e| PagerError::io(&w.path, "reading the WAL's length", e))
    }

    /// The WAL's path.
    pub fn wal_path(&self) -> &Path {
        &self.shared.wal.path
    }

    /// Current durability setting.
    pub fn synchronous(&self) -> Synchronous {
        self.shared.synchronous()
    }

    /// Changes the durability setting.
    pub fn set_synchronous(&self, s: Synchronous) {
        self.shared.synchronous.store(s.to_u8(), Ordering::Relaxed);
    }

    /// Changes the automatic checkpoint threshold (frames; 0 = off).
    pub fn set_autocheckpoint(&self, frames: u32) {
        self.shared.autocheckpoint.store(frames, Ordering::Relaxed);
    }

    /// The automatic checkpoint threshold.
    pub fn autocheckpoint(&self) -> u32 {
        self.shared.autocheckpoint.load(Ordering::Relaxed)
    }

    /// Buffer pool size in frames.
    pub fn pool_frames(&self) -> usize {
        self.shared.pool.frames.len()
    }

    /// Closes cleanly: a full checkpoint, then (once no transaction is
    /// left) the WAL is deleted. Errors are returned here; dropping a
    /// `Pager` does the same but can only ignore them.
    pub fn close(self) -> Result<()> {
        self.shared.checkpoint()?;
        self.shared.sync_db()?;
        Ok(())
    }

    /// Stops as a killed process would: no checkpoint, no cleanup. What is
    /// on disk is whatever was written; reopening runs recovery. Used by
    /// crash demonstrations and tests.
    pub fn abandon(self) {
        self.shared.abandoned.store(true, Ordering::Relaxed);
    }
}

impl Shared {
    pub(crate) fn synchronous(&self) -> Synchronous {
        Synchronous::from_u8(self.synchronous.load(Ordering::Relaxed))
    }

    pub(crate) fn autocheckpoint(&self) -> u32 {
        self.autocheckpoint.load(Ordering::Relaxed)
    }

    pub(crate) fn next_lsn(&self) -> u64 {
        self.next_lsn.load(Ordering::Relaxed)
    }

    pub(crate) fn set_next_lsn(&self, lsn: u64) {
        self.next_lsn.store(lsn, Ordering::Relaxed);
    }

    fn acquire_writer(&self) -> Result<()> {
        let deadline = Instant::now() + self.busy_timeout;
        let mut active = self.writer_active.lock();
        while *active {
            if self
                .writer_done
                .wait_until(&mut active, deadline)
                .timed_out()
                && *active
            {
                return Err(PagerError::Busy);
            }
        }
        *active = true;
        Ok(())
    }

    pub(crate) fn writer_is_active(&self) -> bool {
        *self.writer_active.lock()
    }

    pub(crate) fn release_writer(&self) {
        *self.writer_active.lock() = false;
        self.writer_done.notify_one();
    }

    /// Registers a reader: its id, its snapshot (the last commit), and
    /// whether the WAL held no committed frame then (the snapshot is the
    /// generation's base), in which case no frame the reader may see will
    /// ever be in the WAL: frames appended later lie beyond its snapshot.
    pub(crate) fn register_reader(&self) -> (u64, u64, bool) {
        let mut readers = self.readers.lock();
        let (snapshot, wal_free) = {
            let ws = self.wal.state.read();
            (ws.committed, ws.committed <= ws.base)
        };
        readers.next_id += 1;
        let id = readers.next_id;
        readers.snapshots.insert(id, snapshot);
        (id, snapshot, wal_free)
    }

    pub(crate) fn unregister_reader(&self, id: u64) {
        self.readers.lock().snapshots.remove(&id);
    }

    /// Commits the header page of a new database through the WAL, like
    /// any other commit: a crash while creating a database leaves either
    /// no commit (and the next open creates it again) or a whole one.
    fn initialize(&self) -> Result<()> {
        let header = DbHeader {
            change_counter: 1,
            ..DbHeader::new(self.page_size)
        };
        let mut buf = vec![0u8; self.wal.frame_size()];
        {
            let image = &mut buf[crate::wal::format::FRAME_HEADER_SIZE..];
            header.encode(image);
            page::seal(image, 1, header.change_counter);
        }
        let mut st = self.pool.latch();
        let mut io = self.wal.io.lock();
        let base = self.wal.state.read().base;
        let first = self
            .wal
            .append(&mut io, base, &mut buf, &[1], 1, &self.stats)?;
        if self.synchronous() != Synchronous::Off {
            self.wal.sync(&mut io, &self.stats)?;
        }
        if self.synchronous() == Synchronous::Extra {
            self.wal.write_mark(&mut io, base, &self.stats)?;
        }
        io.committed_chain = io.chain;
        let mut ws = self.wal.state.write();
        st.wal_index.insert(1, first);
        ws.committed = io.tail;
        Counters::add(&self.stats.commits, 1);
        Ok(())
    }

    pub(crate) fn sync_db(&self) -> Result<()> {
        self.db
            .sync()
            .map_err(|e| PagerError::io(&self.path, "syncing the database", e))?;
        Counters::add(&self.stats.fsyncs, 1);
        Ok(())
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if self.abandoned.load(Ordering::Relaxed) {
            return;
        }
        // A clean close: checkpoint everything, make the main file durable,
        // and delete the WAL if it is empty. Errors leave the WAL in place,
        // and the next open recovers from it.
        if self.checkpoint().is_err() || self.sync_db().is_err() {
            return;
        }
        let empty = {
            let io = self.wal.io.lock();
            let ws = self.wal.state.read();
            io.tail == ws.base
        };
        if empty {
            let _ = self.vfs.delete(&self.wal.path);
        }
    }
}

/// The WAL's path: the database path with `-wal` appended.
pub fn wal_path_for(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push("-wal");
    PathBuf::from(s)
}

/// The page size recorded in a valid WAL header beside the database, if
/// there is one: used when the main file cannot say (it is empty, or its
/// page 1 is damaged).
fn wal_page_size(vfs: &dyn Vfs, wal_path: &Path) -> Result<Option<u32>> {
    let exists = vfs
        .exists(wal_path)
        .map_err(|e| PagerError::io(wal_path, "looking for the WAL", e))?;
    if !exists {
        return Ok(None);
    }
    let file = vfs
        .open(wal_path, OpenMode::MustExist)
        .map_err(|e| PagerError::io(wal_path, "opening the WAL", e))?;
    let mut buf = [0u8; crate::wal::format::WAL_HEADER_SIZE];
    if file.read_exact_at(0, &mut buf).is_err() {
        return Ok(None);
    }
    Ok(WalHeader::decode(&buf)
        .ok()
        .and_then(|h| page::validate_page_size(h.page_size as u64).ok()))
}

/// Validates the main file's copy of page 1.
fn read_base_header(db: &dyn VfsFile, path: &Path, len: u64) -> Result<DbHeader> {
    let mut prefix = vec![0u8; (len as usize).min(HEADER_FIELDS_END)];
    db.read_exact_at(0, &mut prefix)
        .map_err(|e| PagerError::io(path, "reading the header", e))?;
    let page_size = header::sniff(&prefix, path)?;
    if len < page_size as u64 {
        return Err(PagerError::Truncated {
            path: path.to_path_buf(),
            len,
            pages: 1,
            page_size,
            needed: page_size as u64,
        });
    }
    let mut page1 = vec![0u8; page_size as usize];
    db.read_exact_at(0, &mut page1)
        .map_err(|e| PagerError::io(path, "reading the header page", e))?;
    page::verify(&page1, 1 as PageId, path, PageSource::MainFile)?;
    Ok(DbHeader::decode(&page1))
}
