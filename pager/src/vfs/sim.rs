//! A simulated, crashable, in-memory file system.
//!
//! [`SimVfs`] stands in for a disk in tests. It behaves like an ordinary file
//! system until told to misbehave, and it remembers enough to reproduce what
//! a real machine could leave behind after losing power.
//!
//! ## The model: durable, current, pending
//!
//! Every file has three parts:
//!
//! * **durable**: the bytes as of the file's last successful `sync`. This is
//!   what the platter (or flash) is guaranteed to hold.
//! * **current**: the bytes reads see right now: durable plus every write
//!   and truncation since, as the page cache of a real OS would show them.
//! * **pending**: the operations (`Write { offset, data }` and `SetLen`)
//!   made since the last sync, in order. They are how current differs from
//!   durable.
//!
//! `sync` of a file makes current durable and clears its pending list. Only
//! that file: syncing the WAL does not make the database file durable.
//!
//! ## What a crash does
//!
//! [`SimVfs::crash`] simulates power loss. For each file it starts from the
//! durable bytes and replays the pending operations in order, deciding for
//! each with a seeded RNG:
//!
//! * a write is **dropped** (1/3), **kept** (1/3), or **torn** (1/3): a
//!   random-length prefix of its bytes lands and, for the rest of its range,
//!   either the old bytes stay or random garbage lands (50/50);
//! * a `SetLen` is kept or dropped (1/2 each).
//!
//! Deciding each operation independently covers what real disks do between
//! two syncs: the OS and the drive may write back dirty blocks in any order
//! (so a later write can survive while an earlier one is lost, which is
//! exactly "earlier dropped, later kept"), and a write that was in flight
//! when power failed can land partially, sector by sector, or leave a sector
//! scrambled (a torn write). Whatever was synced is never touched.
//!
//! After a crash, current equals durable equals the replayed result, every
//! handle opened before it is dead (each operation on it fails), and the
//! injected faults and crash point are cleared. The same seed and the same
//! sequence of operations always produce the same crash.
//!
//! ## Injected faults
//!
//! * A **crash point** ([`SimVfs::set_crash_point`]) freezes the VFS after N
//!   more mutating operations (`write_at`, `set_len`, `sync`): from then on
//!   everything fails, as if the machine had stopped, until `crash()`.
//! * A **sync crash point** ([`SimVfs::set_crash_before_sync`]) freezes it
//!   when the N-th later `sync` is attempted, before it makes anything
//!   durable: a crash at a sync boundary.
//! * [`SimVfs::fail_write_after`] and [`SimVfs::fail_sync_after`] make one
//!   later write or sync fail with an I/O error, changing nothing.
//! * [`SimVfs::set_capacity`] gives the disk a size; growing past it fails
//!   with [`io::ErrorKind::StorageFull`].
//!
//! ## What is not modelled
//!
//! * **Directory durability.** Creating and deleting files is immediately
//!   durable, as if every directory change were followed by an fsync of the
//!   directory. A file created but never synced survives a crash, possibly
//!   empty.
//! * **Ordering between files.** Each file's pending operations are decided
//!   independently; there is no notion of one file's sync "overtaking"
//!   another's beyond that.
//! * **Sector alignment.** Tears happen at any byte, not at 512-byte or
//!   4 KiB boundaries; that is strictly harsher than real hardware.
//! * **Lying or failing-after-success syncs, bit rot of durable data, open
//!   handles to deleted files.** A handle whose file was deleted fails with
//!   [`io::ErrorKind::NotFound`] instead of keeping an orphaned inode alive;
//!   tests damage durable bytes explicitly with [`SimVfs::set_file_bytes`].
//! * **Paths** are compared as given: `a/b` and `a/./b` are different files.

use super::{OpenMode, Vfs, VfsFile};
use crate::rng::SplitMix64;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The largest file the simulation agrees to hold (1 TiB). Offsets beyond it
/// are rejected with [`io::ErrorKind::InvalidInput`] instead of allocating.
const MAX_FILE_LEN: u64 = 1 << 40;

/// An in-memory file system that can crash.
///
/// Each file keeps its *durable* bytes (as of its last `sync`), its
/// *current* bytes (what reads see), and the *pending* writes and
/// truncations in between. [`crash`](Self::crash) replays the pending
/// operations onto the durable bytes, dropping, keeping or tearing each one
/// as a seeded RNG decides, so the same seed reproduces the same crash.
/// Creating and deleting files is immediately durable.
///
/// Clones share the same files: hand one clone to the code under test and
/// keep another to crash it.
///
/// # Example
///
/// ```
/// use std::path::Path;
/// use walnut_pager::vfs::{OpenMode, SimVfs, Vfs, VfsFile};
///
/// let vfs = SimVfs::new(42);
/// let path = Path::new("test.db");
/// let file = vfs.open(path, OpenMode::CreateIfMissing)?;
/// file.write_at(0, b"hello")?;
/// file.sync()?;
/// file.write_at(5, b" world")?; // never synced
///
/// let report = vfs.crash();
/// assert_eq!(report.writes_dropped + report.writes_kept + report.writes_torn, 1);
///
/// // The old handle died with the machine.
/// assert!(file.len().is_err());
///
/// // The synced bytes survived; the unsynced ones may or may not have.
/// let file = vfs.open(path, OpenMode::MustExist)?;
/// let mut buf = [0u8; 5];
/// file.read_exact_at(0, &mut buf)?;
/// assert_eq!(&buf, b"hello");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SimVfs {
    state: Arc<Mutex<State>>,
}

/// What [`SimVfs::crash`] did to the pending operations of all files.
///
/// The counts are the decisions, not their visible effects: a write torn
/// where its new bytes equal the old ones (zeroed free space in both page
/// images, say) reads back as if kept whole, and one torn with an empty
/// prefix over its old bytes as if dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CrashReport {
    /// Writes that left no trace.
    pub writes_dropped: u64,
    /// Writes that landed whole.
    pub writes_kept: u64,
    /// Writes of which only a prefix landed (the rest old bytes or garbage).
    pub writes_torn: u64,
    /// Truncations or extensions that were lost.
    pub set_lens_dropped: u64,
    /// Truncations or extensions that took effect.
    pub set_lens_kept: u64,
}

/// Everything behind the mutex shared by a [`SimVfs`] and its handles.
#[derive(Debug)]
struct State {
    /// Files by path. A `BTreeMap` so that a crash visits files in a fixed
    /// order and draws the same random numbers for the same seed.
    files: BTreeMap<PathBuf, FileData>,
    /// Decides the fate of pending operations in a crash.
    rng: SplitMix64,
    /// Bumped by every crash; handles remember the epoch they were opened in.
    epoch: u64,
    /// Identity given to the next created file, so a handle can tell its
    /// file from a later one created under the same path.
    next_file_id: u64,
    /// Successful mutating operations (write_at, set_len, sync) so far.
    ops: u64,
    /// Freeze once `ops` reaches this value.
    freeze_at_ops: Option<u64>,
    /// Successful syncs so far.
    syncs: u64,
    /// Freeze when a sync is attempted with `syncs` at this value.
    freeze_at_syncs: Option<u64>,
    /// Stopped at a crash point: every operation fails until `crash()`.
    frozen: bool,
    /// A planned failure of a `write_at`.
    write_failure: Option<PlannedFailure>,
    /// A planned failure of a `sync`.
    sync_failure: Option<PlannedFailure>,
    /// Disk size in bytes (sum of all files' current lengths), if limited.
    capacity: Option<u64>,
}

/// One simulated file.
struct FileData {
    /// Distinguishes this file from others that had the same path.
    id: u64,
    /// Contents as of the last sync.
    durable: Vec<u8>,
    /// Contents reads see now.
    current: Vec<u8>,
    /// Operations since the last sync, oldest first.
    pending: Vec<PendingOp>,
}

/// A mutating operation not yet made durable. Offsets and lengths were
/// checked against [`MAX_FILE_LEN`] when the operation was accepted.
#[derive(Debug, Clone)]
enum PendingOp {
    /// `data` written at `offset`.
    Write { offset: usize, data: Vec<u8> },
    /// The file truncated or zero-extended to this length.
    SetLen(usize),
}

/// "Let `calls_before` more calls succeed, then fail the next one."
#[derive(Debug, Clone, Copy)]
struct PlannedFailure {
    /// Calls still allowed to succeed.
    calls_before: u64,
    /// Calls counted since the failure was planned.
    calls_seen: u64,
}

/// Where a handle points: a path, a particular file that lived there, and
/// the crash epoch it was opened in.
#[derive(Debug, Clone)]
struct HandleTarget {
    path: PathBuf,
    file_id: u64,
    epoch: u64,
}

/// An open file of a [`SimVfs`].
struct SimFile {
    state: Arc<Mutex<State>>,
    target: HandleTarget,
}

impl SimVfs {
    /// An empty file system whose crashes are decided by `seed`.
    pub fn new(seed: u64) -> SimVfs {
        let state = State {
            files: BTreeMap::new(),
            rng: SplitMix64::new(seed),
            epoch: 0,
            next_file_id: 0,
            ops: 0,
            freeze_at_ops: None,
            syncs: 0,
            freeze_at_syncs: None,
            frozen: false,
            write_failure: None,
            sync_failure: None,
            capacity: None,
        };
        SimVfs {
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// How many mutating operations (`write_at`, `set_len`, `sync`) have
    /// succeeded so far, on all files. Failed operations are not counted.
    ///
    /// Run a workload once, read `ops()`, and every value below it is a
    /// crash point worth trying.
    pub fn ops(&self) -> u64 {
        self.state.lock().ops
    }

    /// Freezes the VFS once `after_ops` more mutating operations have
    /// succeeded (counted from now); `None` removes a pending crash point.
    ///
    /// Frozen, every operation (reads, `open`, `exists` and `delete`
    /// included) fails with an [`io::ErrorKind::Other`] error mentioning
    /// "simulated crash", until [`crash`](Self::crash) is called.
    /// `Some(0)` freezes at once, before the next mutating operation.
    /// Clearing the crash point does not unfreeze a frozen VFS.
    pub fn set_crash_point(&self, after_ops: Option<u64>) {
        let mut state = self.state.lock();
        state.freeze_at_ops = after_ops.map(|n| state.ops.saturating_add(n));
        if after_ops == Some(0) {
            state.frozen = true;
        }
    }

    /// How many `sync` calls have succeeded so far, on all files.
    pub fn syncs(&self) -> u64 {
        self.state.lock().syncs
    }

    /// Freezes the VFS when a `sync` is attempted after `n` more have
    /// succeeded (counted from now), *before* that sync makes anything
    /// durable: a crash at a sync boundary, with every write since the last
    /// sync still pending for [`crash`](Self::crash) to drop, keep or tear.
    /// `None` removes it. Run a workload once, read [`syncs`](Self::syncs),
    /// and each value below it is a boundary worth crashing at.
    pub fn set_crash_before_sync(&self, n: Option<u64>) {
        let mut state = self.state.lock();
        state.freeze_at_syncs = n.map(|n| state.syncs.saturating_add(n));
    }

    /// Whether the VFS stopped at its crash point and waits for
    /// [`crash`](Self::crash).
    pub fn is_frozen(&self) -> bool {
        self.state.lock().frozen
    }

    /// Lets `n` more `write_at` calls succeed, then fails the next one
    /// (once) with "simulated I/O error: write N", where N is its number
    /// counting from now. The failed write changes nothing. `None` cancels.
    pub fn fail_write_after(&self, n: Option<u64>) {
        self.state.lock().write_failure = n.map(PlannedFailure::after);
    }

    /// Lets `n` more `sync` calls succeed, then fails the next one (once)
    /// with "simulated I/O error: sync N". The failed sync makes nothing
    /// durable. `None` cancels.
    pub fn fail_sync_after(&self, n: Option<u64>) {
        self.state.lock().sync_failure = n.map(PlannedFailure::after);
    }

    /// Limits the disk to `bytes` (the sum of all files' current lengths);
    /// `None` removes the limit. A `write_at` or `set_len` that would grow
    /// the total past it fails with [`io::ErrorKind::StorageFull`] and
    /// changes nothing. Shrinking is always allowed.
    pub fn set_capacity(&self, bytes: Option<u64>) {
        self.state.lock().capacity = bytes;
    }

    /// Simulates power loss.
    ///
    /// For each file, starting from its durable bytes, every pending
    /// operation is decided in order: a write is dropped, kept or torn (1/3
    /// each; torn means a random-length prefix lands and the rest of its
    /// range keeps the old bytes or gets garbage, 50/50), a `set_len` is
    /// kept or dropped (1/2 each). Synced bytes are never touched.
    ///
    /// Afterwards every file holds its post-crash bytes (durably), every
    /// handle opened before is dead, and the crash point and planned
    /// failures are cleared. The capacity is kept.
    pub fn crash(&self) -> CrashReport {
        let mut guard = self.state.lock();
        let state = &mut *guard;
        let mut report = CrashReport::default();
        for file in state.files.values_mut() {
            file.lose_power(&mut state.rng, &mut report);
        }
        state.epoch += 1;
        state.frozen = false;
        state.freeze_at_ops = None;
        state.freeze_at_syncs = None;
        state.write_failure = None;
        state.sync_failure = None;
        report
    }

    /// Makes every pending operation of every file durable, as if each file
    /// had been synced. For setting up tests: it ignores the crash point and
    /// is not counted in [`ops`](Self::ops).
    pub fn sync_all(&self) {
        for file in self.state.lock().files.values_mut() {
            file.make_durable();
        }
    }

    /// The current contents of `path` (what a read would see), or `None` if
    /// there is no such file.
    pub fn file_bytes(&self, path: &Path) -> Option<Vec<u8>> {
        let state = self.state.lock();
        state.files.get(path).map(|file| file.current.clone())
    }

    /// Replaces the contents of `path` with `bytes`, durably, creating the
    /// file if needed. Open handles see the new bytes. Meant for tests that
    /// damage files; ignores the capacity and is not counted in
    /// [`ops`](Self::ops).
    pub fn set_file_bytes(&self, path: &Path, bytes: Vec<u8>) {
        let mut state = self.state.lock();
        if !state.files.contains_key(path) {
            state.create_file(path);
        }
        if let Some(file) = state.files.get_mut(path) {
            file.durable = bytes.clone();
            file.current = bytes;
            file.pending.clear();
        }
    }

    /// Whether `path` exists. Unlike [`Vfs::exists`], works while frozen.
    pub fn file_exists(&self, path: &Path) -> bool {
        self.state.lock().files.contains_key(path)
    }
}

/// Creating and deleting files is immediately durable: the simulation does
/// not model directory entries that a crash could lose.
impl Vfs for SimVfs {
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Box<dyn VfsFile>> {
        let mut state = self.state.lock();
        state.check_running()?;
        let file_id = match (state.files.get(path), mode) {
            (Some(file), _) => file.id,
            (None, OpenMode::CreateIfMissing) => state.create_file(path),
            (None, OpenMode::MustExist) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("simulated file not found: {}", path.display()),
                ));
            }
        };
        let target = HandleTarget {
            path: path.to_path_buf(),
            file_id,
            epoch: state.epoch,
        };
        Ok(Box::new(SimFile {
            state: Arc::clone(&self.state),
            target,
        }))
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        let state = self.state.lock();
        state.check_running()?;
        Ok(state.files.contains_key(path))
    }

    fn delete(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state.lock();
        state.check_running()?;
        state.files.remove(path);
        Ok(())
    }
}

impl VfsFile for SimFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut state = self.state.lock();
        let file = state.file(&self.target)?;
        Ok(file.read_at(offset, buf))
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut state = self.state.lock();
        let old_len = state.file(&self.target)?.current.len();
        let offset = checked_range(offset, data.len())?;
        state.take_planned_failure(Operation::Write)?;
        let new_len = if data.is_empty() {
            old_len
        } else {
            old_len.max(offset + data.len())
        };
        state.check_room(&self.target.path, old_len, new_len)?;
        state.file(&self.target)?.write_at(offset, data);
        state.count_op();
        Ok(())
    }

    fn sync(&self) -> io::Result<()> {
        let mut state = self.state.lock();
        state.file(&self.target)?;
        if state.freeze_at_syncs == Some(state.syncs) {
            state.frozen = true;
            state.freeze_at_syncs = None;
            state.check_running()?;
        }
        state.take_planned_failure(Operation::Sync)?;
        state.file(&self.target)?.make_durable();
        state.syncs += 1;
        state.count_op();
        Ok(())
    }

    fn len(&self) -> io::Result<u64> {
        let mut state = self.state.lock();
        let len = state.file(&self.target)?.current.len();
        Ok(len as u64)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut state = self.state.lock();
        let old_len = state.file(&self.target)?.current.len();
        let new_len = checked_range(len, 0)?;
        state.check_room(&self.target.path, old_len, new_len)?;
        state.file(&self.target)?.set_len(new_len);
        state.count_op();
        Ok(())
    }

    fn try_lock_exclusive(&self) -> io::Result<bool> {
        // One simulated process: the lock is always free.
        let mut state = self.state.lock();
        state.file(&self.target)?;
        Ok(true)
    }
}

impl fmt::Debug for SimFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the shared state: that would print every file of the VFS.
        f.debug_struct("SimFile")
            .field("path", &self.target.path)
            .field("file_id", &self.target.file_id)
            .field("epoch", &self.target.epoch)
            .finish_non_exhaustive()
    }
}

/// Which kind of operation a planned failure applies to.
#[derive(Debug, Clone, Copy)]
enum Operation {
    Write,
    Sync,
}

impl State {
    /// Fails if the VFS is frozen at its crash point.
    fn check_running(&self) -> io::Result<()> {
        if self.frozen {
            return Err(io::Error::other(
                "simulated crash: the VFS stopped at its crash point; call crash() to restart",
            ));
        }
        Ok(())
    }

    /// The file a handle points to, if the VFS is running, the handle was
    /// opened since the last crash, and its file was not deleted.
    fn file(&mut self, target: &HandleTarget) -> io::Result<&mut FileData> {
        self.check_running()?;
        if target.epoch != self.epoch {
            return Err(io::Error::other(
                "simulated crash: handle from before a crash",
            ));
        }
        match self.files.get_mut(&target.path) {
            Some(file) if file.id == target.file_id => Ok(file),
            _ => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "simulated file deleted while open: {}",
                    target.path.display()
                ),
            )),
        }
    }

    /// Adds an empty file at `path` and returns its id.
    fn create_file(&mut self, path: &Path) -> u64 {
        let id = self.next_file_id;
        self.next_file_id += 1;
        let file = FileData {
            id,
            durable: Vec::new(),
            current: Vec::new(),
            pending: Vec::new(),
        };
        self.files.insert(path.to_path_buf(), file);
        id
    }

    /// Counts one call of `operation` against its planned failure, and
    /// fails if this is the call that was planned to fail.
    fn take_planned_failure(&mut self, operation: Operation) -> io::Result<()> {
        let (planned, name) = match operation {
            Operation::Write => (&mut self.write_failure, "write"),
            Operation::Sync => (&mut self.sync_failure, "sync"),
        };
        let Some(failure) = planned else {
            return Ok(());
        };
        failure.calls_seen += 1;
        if failure.calls_before > 0 {
            failure.calls_before -= 1;
            return Ok(());
        }
        let number = failure.calls_seen;
        *planned = None;
        Err(io::Error::other(format!(
            "simulated I/O error: {name} {number}"
        )))
    }

    /// Fails with [`io::ErrorKind::StorageFull`] if resizing the file at
    /// `path` from `old_len` to `new_len` bytes would exceed the capacity.
    fn check_room(&self, path: &Path, old_len: usize, new_len: usize) -> io::Result<()> {
        let Some(capacity) = self.capacity else {
            return Ok(());
        };
        if new_len <= old_len {
            return Ok(());
        }
        let others: u64 = self
            .files
            .iter()
            .filter(|(other, _)| other.as_path() != path)
            .map(|(_, file)| file.current.len() as u64)
            .sum();
        let needed = others + new_len as u64;
        if needed > capacity {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                format!(
                    "simulated disk full: growing {} to {new_len} bytes needs {needed} bytes, \
                     capacity is {capacity}",
                    path.display()
                ),
            ));
        }
        Ok(())
    }

    /// Records one successful mutating operation and freezes the VFS if it
    /// reached its crash point.
    fn count_op(&mut self) {
        self.ops += 1;
        if self.freeze_at_ops.is_some_and(|at| self.ops >= at) {
            self.frozen = true;
            self.freeze_at_ops = None;
        }
    }
}

impl PlannedFailure {
    /// A failure of the call after the next `calls_before` ones.
    fn after(calls_before: u64) -> PlannedFailure {
        PlannedFailure {
            calls_before,
            calls_seen: 0,
        }
    }
}

impl FileData {
    /// Copies bytes from `offset` into `buf`; returns how many (fewer at the
    /// end of the file, 0 past it).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        let len = self.current.len();
        let start = match usize::try_from(offset) {
            Ok(start) if start < len => start,
            _ => return 0,
        };
        let n = buf.len().min(len - start);
        buf[..n].copy_from_slice(&self.current[start..start + n]);
        n
    }

    /// Applies a write to current and remembers it as pending.
    fn write_at(&mut self, offset: usize, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        write_into(&mut self.current, offset, data);
        self.pending.push(PendingOp::Write {
            offset,
            data: data.to_vec(),
        });
    }

    /// Truncates or zero-extends current and remembers it as pending.
    fn set_len(&mut self, len: usize) {
        self.current.resize(len, 0);
        self.pending.push(PendingOp::SetLen(len));
    }

    /// What a successful sync does: current becomes durable.
    fn make_durable(&mut self) {
        self.durable.clone_from(&self.current);
        self.pending.clear();
    }

    /// Replays the pending operations onto the durable bytes, each one
    /// dropped, kept or torn as `rng` decides; the result becomes both
    /// durable and current.
    fn lose_power(&mut self, rng: &mut SplitMix64, report: &mut CrashReport) {
        let mut image = std::mem::take(&mut self.durable);
        for op in self.pending.drain(..) {
            match op {
                PendingOp::Write { offset, data } => match rng.below(3) {
                    0 => report.writes_dropped += 1,
                    1 => {
                        write_into(&mut image, offset, &data);
                        report.writes_kept += 1;
                    }
                    _ => {
                        tear_write(&mut image, offset, &data, rng);
                        report.writes_torn += 1;
                    }
                },
                PendingOp::SetLen(len) => {
                    if rng.chance(1, 2) {
                        image.resize(len, 0);
                        report.set_lens_kept += 1;
                    } else {
                        report.set_lens_dropped += 1;
                    }
                }
            }
        }
        self.current.clone_from(&image);
        self.durable = image;
    }
}

impl fmt::Debug for FileData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Lengths, not contents: files can be megabytes.
        f.debug_struct("FileData")
            .field("id", &self.id)
            .field("durable_len", &self.durable.len())
            .field("current_len", &self.current.len())
            .field("pending_ops", &self.pending.len())
            .finish()
    }
}

/// Checks that `len` bytes at `offset` stay within [`MAX_FILE_LEN`] and
/// returns the offset as a `usize`.
fn checked_range(offset: u64, len: usize) -> io::Result<usize> {
    let end = offset.checked_add(len as u64);
    match end {
        Some(end) if end <= MAX_FILE_LEN => usize::try_from(offset).map_err(|_| too_big(offset)),
        _ => Err(too_big(offset)),
    }
}

/// The error for an offset or length past [`MAX_FILE_LEN`].
fn too_big(offset: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("simulated VFS refuses offset {offset}: files are limited to 1 TiB"),
    )
}

/// Writes `data` into `buf` at `offset`, zero-extending `buf` if needed.
fn write_into(buf: &mut Vec<u8>, offset: usize, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    let end = offset + data.len();
    if buf.len() < end {
        buf.resize(end, 0);
    }
    buf[offset..end].copy_from_slice(data);
}

/// Lands a torn version of a write: a random-length prefix of `data`, then
/// for the rest of the range either nothing (the old bytes stay) or garbage.
fn tear_write(buf: &mut Vec<u8>, offset: usize, data: &[u8], rng: &mut SplitMix64) {
    // Strictly shorter than the write, or it would simply be kept.
    let prefix = rng.below(data.len() as u64) as usize;
    write_into(buf, offset, &data[..prefix]);
    if rng.chance(1, 2) {
        let mut garbage = vec![0u8; data.len() - prefix];
        rng.fill(&mut garbage);
        write_into(buf, offset + prefix, &garbage);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: &str = "test.db";
    const WAL: &str = "test.db-wal";

    fn open(vfs: &SimVfs, name: &str) -> Box<dyn VfsFile> {
        vfs.open(Path::new(name), OpenMode::CreateIfMissing)
            .unwrap()
    }

    fn durable_bytes(vfs: &SimVfs, name: &str) -> Vec<u8> {
        vfs.state.lock().files[Path::new(name)].durable.clone()
    }

    fn read_all(file: &dyn VfsFile) -> Vec<u8> {
        let mut buf = vec![0u8; file.len().unwrap() as usize];
        file.read_exact_at(0, &mut buf).unwrap();
        buf
    }

    fn assert_simulated_crash(result: io::Result<impl fmt::Debug>) {
        let err = result.expect_err("operation should fail");
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert!(err.to_string().contains("simulated crash"), "{err}");
    }

    #[test]
    fn reads_see_writes_and_stop_at_eof() {
        let vfs = SimVfs::new(0);
        let file = open(&vfs, DB);
        file.write_at(0, b"hello").unwrap();
        file.write_at(8, b"xy").unwrap(); // past the end: zero-extends
        assert_eq!(read_all(&*file), b"hello\0\0\0xy");

        let mut buf = [0u8; 4];
        assert_eq!(file.read_at(8, &mut buf).unwrap(), 2); // short read
        assert_eq!(&buf[..2], b"xy");
        assert_eq!(file.read_at(10, &mut buf).unwrap(), 0); // at EOF
        assert_eq!(file.read_at(u64::MAX, &mut buf).unwrap(), 0);
        assert_eq!(vfs.ops(), 2);
    }

    #[test]
    fn absurd_offsets_are_rejected_without_allocating() {
        let vfs = SimVfs::new(0);
        let file = open(&vfs, DB);
        for offset in [MAX_FILE_LEN, u64::MAX - 1, u64::MAX] {
            let err = file.write_at(offset, b"x").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        }
        let err = file.set_len(MAX_FILE_LEN + 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(file.len().unwrap(), 0);
        assert_eq!(vfs.ops(), 0);
    }

    #[test]
    fn open_delete_exists() {
        let vfs = SimVfs::new(0);
        let path = Path::new(DB);
        let err = vfs.open(path, OpenMode::MustExist).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(!vfs.exists(path).unwrap());

        open(&vfs, DB).write_at(0, b"abc").unwrap();
        assert!(vfs.exists(path).unwrap());
        let again = vfs.open(path, OpenMode::MustExist).unwrap();
        assert_eq!(read_all(&*again), b"abc");

        vfs.delete(path).unwrap();
        vfs.delete(path).unwrap(); // deleting a missing file is fine
        assert!(!vfs.file_exists(path));
        assert_eq!(vfs.crash(), CrashReport::default());
        assert!(!vfs.file_exists(path)); // deletion was durable
    }

    #[test]
    fn synced_data_survives_any_crash() {
        let synced: Vec<u8> = (0..4096u32).map(|i| (i % 251) as u8).collect();
        for seed in 0..300 {
            let vfs = SimVfs::new(seed);
            let file = open(&vfs, DB);
            file.write_at(0, &synced).unwrap();
            file.sync().unwrap();
            // Unsynced appends must not disturb the synced prefix.
            file.write_at(4096, &[0xEE; 1000]).unwrap();
            file.write_at(6000, &[0xDD; 10]).unwrap();
            vfs.crash();
            let bytes = vfs.file_bytes(Path::new(DB)).unwrap();
            assert_eq!(&bytes[..4096], &synced[..], "seed {seed}");

            // With nothing pending, a crash changes nothing at all.
            let file = open(&vfs, DB);
            file.sync().unwrap();
            vfs.crash();
            assert_eq!(vfs.file_bytes(Path::new(DB)).unwrap(), bytes);
        }
    }

    #[test]
    fn unsynced_writes_are_dropped_kept_or_torn() {
        let mut total = CrashReport::default();
        for seed in 0..200 {
            let vfs = SimVfs::new(seed);
            let file = open(&vfs, DB);
            file.write_at(0, &[0xAA; 64]).unwrap();
            file.sync().unwrap();
            file.write_at(0, &[0x55; 64]).unwrap();
            let report = vfs.crash();
            let bytes = vfs.file_bytes(Path::new(DB)).unwrap();
            assert_eq!(bytes.len(), 64);
            assert_eq!(durable_bytes(&vfs, DB), bytes);

            if report.writes_dropped == 1 {
                assert_eq!(bytes, [0xAA; 64], "seed {seed}");
            } else if report.writes_kept == 1 {
                assert_eq!(bytes, [0x55; 64], "seed {seed}");
            } else {
                assert_eq!(report.writes_torn, 1, "seed {seed}");
                // A prefix landed; the rest is old bytes or garbage, so the
                // write as a whole did not land.
                assert_ne!(bytes, [0x55; 64], "seed {seed}");
            }
            total.writes_dropped += report.writes_dropped;
            total.writes_kept += report.writes_kept;
            total.writes_torn += report.writes_torn;
        }
        assert!(total.writes_dropped > 20, "{total:?}");
        assert!(total.writes_kept > 20, "{total:?}");
        assert!(total.writes_torn > 20, "{total:?}");
    }

    #[test]
    fn torn_writes_leave_old_bytes_or_garbage_after_the_prefix() {
        let (mut old_tail, mut garbage_tail) = (0, 0);
        for seed in 0..400 {
            let vfs = SimVfs::new(seed);
            let file = open(&vfs, DB);
            file.write_at(0, &[0xAA; 64]).unwrap();
            file.sync().unwrap();
            file.write_at(0, &[0x55; 64]).unwrap();
            if vfs.crash().writes_torn == 0 {
                continue;
            }
            let bytes = vfs.file_bytes(Path::new(DB)).unwrap();
            let prefix = bytes.iter().take_while(|&&b| b == 0x55).count();
            if bytes[prefix..].iter().all(|&b| b == 0xAA) {
                old_tail += 1;
            } else {
                garbage_tail += 1;
            }
        }
        assert!(
            old_tail > 10 && garbage_tail > 10,
            "{old_tail} {garbage_tail}"
        );
    }

    #[test]
    fn crash_is_deterministic_for_a_seed() {
        let run = |seed| {
            let vfs = SimVfs::new(seed);
            let file = open(&vfs, DB);
            for i in 0..20u64 {
                file.write_at(i * 100, &[i as u8; 150]).unwrap();
            }
            file.set_len(1500).unwrap();
            let report = vfs.crash();
            (report, vfs.file_bytes(Path::new(DB)).unwrap())
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn files_created_but_never_synced_survive_a_crash() {
        let vfs = SimVfs::new(1);
        open(&vfs, DB);
        vfs.crash();
        assert_eq!(vfs.file_bytes(Path::new(DB)), Some(Vec::new()));
    }

    #[test]
    fn crash_point_freezes_after_exactly_n_ops() {
        let vfs = SimVfs::new(0);
        let file = open(&vfs, DB);
        file.write_at(0, b"a").unwrap(); // before the crash point: not counted
        vfs.set_crash_point(Some(3));
        file.write_at(1, b"b").unwrap();
        file.set_len(3).unwrap();
        assert!(!vfs.is_frozen());
        file.sync().unwrap();
        assert!(vfs.is_frozen());
        assert_eq!(vfs.ops(), 4);

        let mut buf = [0u8; 1];
        assert_simulated_crash(file.write_at(0, b"x"));
        assert_simulated_crash(file.read_at(0, &mut buf));
        assert_simulated_crash(file.sync());
        assert_simulated_crash(file.len());
        assert_simulated_crash(vfs.open(Path::new(DB), OpenMode::MustExist));
        assert_simulated_crash(vfs.exists(Path::new(DB)));
        assert_eq!(vfs.ops(), 4);

        vfs.crash();
        assert!(!vfs.is_frozen());
        let file = open(&vfs, DB);
        assert_eq!(read_all(&*file), b"ab\0"); // everything was synced
        file.write_at(0, b"z").unwrap(); // crash point was cleared
    }

    #[test]
    fn sync_crash_point_freezes_before_that_sync_makes_anything_durable() {
        let vfs = SimVfs::new(3);
        let f = vfs
            .open(Path::new("s"), OpenMode::CreateIfMissing)
            .expect("open");
        f.write_at(0, b"one").expect("write");
        f.sync().expect("sync 1");
        vfs.set_crash_before_sync(Some(1));
        f.write_at(3, b"two").expect("write");
        f.sync().expect("sync 2 is allowed");
        f.write_at(6, b"three").expect("write");
        assert!(f.sync().is_err(), "sync 3 is the crash point");
        assert!(vfs.is_frozen());
        assert_eq!(vfs.syncs(), 2);
        vfs.crash();
        let bytes = vfs.file_bytes(Path::new("s")).expect("file");
        assert_eq!(&bytes[..6], b"onetwo", "synced bytes stay");
        assert!((6..=11).contains(&bytes.len()), "{bytes:?}");
    }

    #[test]
    fn crash_point_zero_freezes_at_once() {
        let vfs = SimVfs::new(0);
        let file = open(&vfs, DB);
        vfs.set_crash_point(Some(0));
        assert!(vfs.is_frozen());
        assert_simulated_crash(file.write_at(0, b"x"));
        assert_eq!(vfs.ops(), 0);
        vfs.set_crash_point(None); // does not unfreeze
        assert!(vfs.is_frozen());
    }

    #[test]
    fn fail_write_after_fails_once() {
        let vfs = SimVfs::new(0);
        let file = open(&vfs, DB);
        vfs.fail_write_after(Some(2));
        file.write_at(0, b"a").unwrap();
        file.write_at(1, b"b").unwrap();
        let err = file.write_at(2, b"c").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert_eq!(err.to_string(), "simulated I/O error: write 3");
        assert_eq!(read_all(&*file), b"ab");
        assert_eq!(vfs.ops(), 2);

        file.write_at(2, b"c").unwrap();
        file.write_at(3, b"d").unwrap();
        assert_eq!(read_all(&*file), b"abcd");
        assert_eq!(vfs.ops(), 4);
    }

    #[test]
    fn fail_sync_after_fails_once() {
        let vfs = SimVfs::new(0);
        let file = open(&vfs, DB);
        vfs.fail_sync_after(Some(1));
        file.write_at(0, b"a").unwrap();
        file.sync().unwrap();
        file.write_at(1, b"b").unwrap();
        let err = file.sync().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert_eq!(err.to_string(), "simulated I/O error: sync 2");
        assert_eq!(durable_bytes(&vfs, DB), b"a");
        assert_eq!(vfs.ops(), 3);

        file.sync().unwrap();
        assert_eq!(durable_bytes(&vfs, DB), b"ab");
    }

    #[test]
    fn capacity_yields_storage_full_and_changes_nothing() {
        let vfs = SimVfs::new(0);
        vfs.set_capacity(Some(100));
        let db = open(&vfs, DB);
        let wal = open(&vfs, WAL);
        db.write_at(0, &[1; 60]).unwrap();

        let err = wal.write_at(0, &[2; 41]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert!(err.to_string().contains("simulated disk full"), "{err}");
        let err = db.set_len(61 + 40).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert_eq!(wal.len().unwrap(), 0);
        assert_eq!(db.len().unwrap(), 60);
        assert_eq!(vfs.ops(), 1);

        db.write_at(0, &[3; 60]).unwrap(); // overwriting needs no room
        wal.write_at(0, &[2; 40]).unwrap(); // exactly full
        db.set_len(10).unwrap(); // shrinking is always allowed
        wal.write_at(40, &[2; 50]).unwrap();
        vfs.set_capacity(None);
        wal.write_at(1000, b"x").unwrap();
    }

    #[test]
    fn handles_from_before_a_crash_are_dead() {
        let vfs = SimVfs::new(0);
        let old = open(&vfs, DB);
        old.write_at(0, b"abc").unwrap();
        old.sync().unwrap();
        vfs.crash();

        let mut buf = [0u8; 3];
        for result in [
            old.read_at(0, &mut buf).map(drop),
            old.write_at(0, b"x"),
            old.sync(),
            old.set_len(0),
            old.len().map(drop),
            old.try_lock_exclusive().map(drop),
        ] {
            let err = result.unwrap_err();
            assert!(
                err.to_string()
                    .contains("simulated crash: handle from before a crash")
            );
        }
        let new = open(&vfs, DB);
        assert!(new.try_lock_exclusive().unwrap());
        assert_eq!(read_all(&*new), b"abc");
    }

    #[test]
    fn handle_to_a_deleted_file_does_not_reach_its_successor() {
        let vfs = SimVfs::new(0);
        let old = open(&vfs, DB);
        old.write_at(0, b"old").unwrap();
        vfs.delete(Path::new(DB)).unwrap();
        let new = open(&vfs, DB);
        new.write_at(0, b"new").unwrap();

        let err = old.write_at(0, b"xxx").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert_eq!(old.len().unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(read_all(&*new), b"new");
    }

    #[test]
    fn set_len_truncates_and_zero_extends() {
        let vfs = SimVfs::new(0);
        let file = open(&vfs, DB);
        file.write_at(0, b"abcdef").unwrap();
        file.set_len(3).unwrap();
        assert_eq!(read_all(&*file), b"abc");
        file.set_len(5).unwrap();
        assert_eq!(read_all(&*file), b"abc\0\0");
        assert!(!file.is_empty().unwrap());
        file.set_len(0).unwrap();
        assert!(file.is_empty().unwrap());
        assert_eq!(vfs.ops(), 4);
    }

    #[test]
    fn unsynced_set_len_is_kept_or_dropped() {
        let (mut kept, mut dropped) = (0, 0);
        for seed in 0..100 {
            let vfs = SimVfs::new(seed);
            let file = open(&vfs, DB);
            file.write_at(0, &[7; 100]).unwrap();
            file.sync().unwrap();
            file.set_len(10).unwrap();
            let report = vfs.crash();
            let len = vfs.file_bytes(Path::new(DB)).unwrap().len();
            if report.set_lens_kept == 1 {
                assert_eq!(len, 10);
                kept += 1;
            } else {
                assert_eq!(report.set_lens_dropped, 1);
                assert_eq!(len, 100);
                dropped += 1;
            }
        }
        assert!(kept > 20 && dropped > 20, "{kept} {dropped}");
    }

    #[test]
    fn sync_of_one_file_does_not_make_another_durable() {
        let mut wal_lost = false;
        for seed in 0..50 {
            let vfs = SimVfs::new(seed);
            let db = open(&vfs, DB);
            let wal = open(&vfs, WAL);
            db.write_at(0, b"database").unwrap();
            wal.write_at(0, b"log").unwrap();
            db.sync().unwrap();
            assert_eq!(durable_bytes(&vfs, DB), b"database");
            assert_eq!(durable_bytes(&vfs, WAL), b"");

            vfs.crash();
            assert_eq!(vfs.file_bytes(Path::new(DB)).unwrap(), b"database");
            wal_lost |= vfs.file_bytes(Path::new(WAL)).unwrap() != b"log";
        }
        assert!(wal_lost);
    }

    #[test]
    fn sync_all_and_set_file_bytes_are_durable() {
        let vfs = SimVfs::new(0);
        let db = open(&vfs, DB);
        db.write_at(0, b"abc").unwrap();
        vfs.sync_all();
        assert_eq!(vfs.ops(), 1);
        vfs.set_file_bytes(Path::new(WAL), b"damaged".to_vec());
        assert_eq!(vfs.crash(), CrashReport::default());
        assert_eq!(vfs.file_bytes(Path::new(DB)).unwrap(), b"abc");
        assert_eq!(vfs.file_bytes(Path::new(WAL)).unwrap(), b"damaged");
        assert!(vfs.file_exists(Path::new(WAL)));

        // Open handles see replaced bytes.
        let db = open(&vfs, DB);
        vfs.set_file_bytes(Path::new(DB), b"xy".to_vec());
        assert_eq!(read_all(&*db), b"xy");
    }
}
