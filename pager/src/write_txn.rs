//! The write transaction: private pages, spills, savepoints, commit and
//! rollback.
//!
//! ## Private pages
//!
//! The first time the writer asks to change a page, the pager copies the
//! newest committed version into a fresh frame keyed `(page, Private)`.
//! Only the writer ever looks that key up, so readers keep using the
//! committed versions, undisturbed, until the commit publishes new ones.
//!
//! ## Spilling
//!
//! If CLOCK picks a private frame as a victim (the transaction has touched
//! more pages than the pool holds), the frame is first appended to the WAL
//! as a non-commit frame and recorded in the WAL index; it is then an
//! ordinary cached version that may be evicted. The writer finds it again
//! through the index (it looks up past the committed mark; readers never
//! do). Memory stays bounded by the pool, however large the transaction.
//!
//! ## Savepoints
//!
//! A savepoint remembers the WAL tail and checksum chain, and keeps an
//! *undo log*: for every page the transaction changes after it, what that
//! page was at the savepoint, recorded the first time the page is opened
//! for writing (so a statement that touches one leaf costs one entry,
//! whatever it does to the leaf):
//!
//! ```text
//!   page was private at the savepoint  -> a copy of its image (memory),
//!   (even if spilled past the mark since)  read back if it was spilled
//!   otherwise                          -> nothing to copy: its version at
//!                                         the savepoint is on disk (a WAL
//!                                         frame at or below the mark, or
//!                                         the main file), or it did not
//!                                         exist yet
//! ```
//!
//! Taking a savepoint writes nothing. Rolling back to it rewinds the WAL
//! to the mark (frames spilled after it are forgotten, and the next frames
//! overwrite them) and then puts back what the rewind must not lose:
//!
//! 1. each logged page with a copied image becomes that image again, a
//!    private page; the other logged pages just lose their private copy,
//!    and the reader sees their version at the mark again;
//! 2. a page that was private at the savepoint and *not* changed since,
//!    but spilled after the mark (evicted under memory pressure), is read
//!    back from its frame before the rewind and becomes private again:
//!    its image is the transaction's work from before the savepoint.
//!
//! Pages private at the savepoint and untouched since are left alone.
//! Only pages private at the savepoint are ever copied (by the log, or by
//! step 2), so rolling back holds at most two images per pool frame. The
//! SQL layer wraps each statement of an explicit transaction in a
//! savepoint, so a failing statement undoes only itself; this costs one
//! page copy per page a statement changes, not a spill of every private
//! page per statement.
//!
//! ### Heads: a cheaper log for a page that only grows
//!
//! Most statements of a bulk load add one cell at the end of the same
//! leaf: a few bytes of its header change, and bytes that were free space
//! are written. Copying the whole page for that (4 KiB per row) was the
//! largest single cost of a loading statement. So a page may be opened
//! with [`WriteTxn::page_mut_head`]`(id, head)` instead, a promise by the
//! caller: it changes only the first `head` bytes and bytes that are
//! unused (free space of the layer above). The log then keeps only those
//! `head` bytes (`Before::Head`); putting them back makes the page what
//! it was, but for unused bytes, which keep what was written there (a
//! tree's free space may hold anything: deleting a cell leaves its bytes
//! too). A head is turned into a whole image when it no longer suffices:
//!
//! ```text
//!   page_mut of a page logged as a head   -> image now, head put back
//!   a savepoint taken on top of the log   -> every head of the log below
//!                                            becomes such an image
//! ```
//!
//! so only the newest savepoint's log holds heads, and rolling back to it
//! rebuilds each from the page as it is then (its private frame, or its
//! frame spilled past the mark, read without taking a frame).
//!
//! Releasing a savepoint hands its log to the savepoint below, whose own
//! entries (older) win. One entry needs more than handing down: a page
//! logged "on disk" whose version then is a frame spilled *after* the
//! mark below (the page was private at that mark, and evicted since). A
//! rewind to the mark below forgets that frame, so the entry becomes a
//! copy of the frame's image (and so when rolling back past the newer
//! savepoint without releasing it).
//!
//! A log is a list in the order pages were first changed, searched in
//! order while it is short (a statement's page or two) and indexed by page
//! once longer; emptied logs and image buffers are reused, so a statement
//! that logs a head allocates nothing.
//!
//! [`WriteTxn::all_or_nothing`] runs a closure under a savepoint of its
//! own, rolled back if the closure fails: a layer above that must change
//! several pages all or nothing (a B+Tree split) can do so with `&self`.
//!
//! ## Shape stamp
//!
//! [`WriteTxn::shape_stamp`] is a number that changes whenever a page may
//! have stopped being what it was (a page freed, the file shrunk, a
//! rollback to a savepoint) and is never the same in two transactions. A
//! layer above may remember what a page is under a stamp and trust that
//! while the stamp holds (the B+Tree's hint of a table's rightmost leaf).
//!
//! ## Commit
//!
//! 1. Bump the change counter in the header page (the commit's LSN).
//! 2. Under the pool latch: seal every private page (id, LSN, checksum),
//!    copy it into one buffer, mark the frames *committing*.
//! 3. Under the WAL append lock only: write the frames in one write (page 1
//!    last, as the commit frame carrying the database size) and, with
//!    `synchronous = full`, fsync; with `synchronous = extra`, fsync, then
//!    write the durable mark to a mark slot and fsync again. Readers keep
//!    running meanwhile.
//! 4. Under the latch and the WAL state lock: publish (index entries, the
//!    committed mark) and re-key the frames as committed WAL versions.
//!
//! If step 3 fails the transaction is rolled back: the tail is rewound and
//! nothing was published. (If it was the fsync that failed, the frames may
//! or may not reach the disk; recovery then keeps the transaction whole or
//! not at all, never in part. If it was the mark slot, the next frame write
//! first rewrites that slot with a true mark: see `WalIo::mark_in_doubt`.)

use crate::error::{PageSource, PagerError, Result};
use crate::fast_hash::FastMap;
use crate::guard::{PageMut, PageRef};
use crate::header::DbHeader;
use crate::page::{self, PageId, PageType};
use crate::pager::{CheckpointReport, Shared, Synchronous};
use crate::pool::{FrameState, PageKey, PageVersion, PoolState};
use crate::stats::Counters;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The single write transaction.
///
/// Dropping it without [`commit`](WriteTxn::commit) rolls it back.
#[derive(Debug)]
pub struct WriteTxn {
    pub(crate) shared: Arc<Shared>,
    page_count: Cell<u32>,
    savepoints: RefCell<Vec<SavepointMark>>,
    /// Buffers of undo images no savepoint needs any more, reused for the
    /// next copies: every SQL statement takes a savepoint and copies the
    /// first private page it changes, so a bulk load of one-row INSERTs
    /// would otherwise allocate and free a page-sized buffer per row.
    spare_images: RefCell<Vec<Box<[u8]>>>,
    /// Emptied undo logs, reused by the next savepoints (one per
    /// statement) so that logging a page allocates nothing.
    spare_logs: RefCell<Vec<UndoLog>>,
    next_savepoint: Cell<u64>,
    /// See [`WriteTxn::shape_stamp`].
    shape_stamp: Cell<u64>,
    finished: bool,
}

/// Where shape stamps come from: every stamp of every write transaction
/// of the process is a new number.
static NEXT_SHAPE_STAMP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn new_shape_stamp() -> u64 {
    NEXT_SHAPE_STAMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// How many spare image buffers a write transaction keeps at most.
const MAX_SPARE_IMAGES: usize = 16;

/// How many emptied undo logs a write transaction keeps at most, and the
/// largest (in entries) worth keeping.
const MAX_SPARE_LOGS: usize = 4;
const MAX_SPARE_LOG_CAPACITY: usize = 1024;

/// The most bytes a savepoint keeps of a page opened with
/// [`WriteTxn::page_mut_head`]; a longer head is logged as a whole image.
/// (Enough for the header page's fields, which [`WriteTxn::update_header`]
/// changes in head mode.)
pub const MAX_UNDO_HEAD: usize = 96;

/// A savepoint's undo log: each page changed since, as it was then, in
/// the order first changed. (A rollback sorts the pages first, so that it
/// does the same I/O every time: the crash tests replay workloads
/// operation by operation.)
///
/// Most logs are a statement's, of a page or two: those are searched in
/// order, with no hashing at all. A log longer than [`SHORT_LOG`] entries
/// (a statement changing many pages) is also indexed by page.
#[derive(Debug, Default)]
struct UndoLog {
    entries: Vec<(PageId, Before)>,
    /// Where each page's entry is, once the log is longer than
    /// [`SHORT_LOG`] (empty until then).
    index: FastMap<PageId, usize>,
    /// How many entries are heads.
    heads: usize,
}

/// The longest undo log searched without its index.
const SHORT_LOG: usize = 8;

impl UndoLog {
    fn position(&self, id: PageId) -> Option<usize> {
        if self.entries.len() <= SHORT_LOG {
            self.entries.iter().position(|(p, _)| *p == id)
        } else {
            self.index.get(&id).copied()
        }
    }

    fn get(&self, id: PageId) -> Option<&Before> {
        self.position(id).map(|i| &self.entries[i].1)
    }

    /// Sets the entry of `id`, which the log may already have.
    fn set(&mut self, id: PageId, before: Before) {
        match self.position(id) {
            Some(i) => {
                self.heads -= usize::from(matches!(self.entries[i].1, Before::Head { .. }));
                self.heads += usize::from(matches!(before, Before::Head { .. }));
                self.entries[i].1 = before;
            }
            None => self.push(id, before),
        }
    }

    /// Adds the entry of `id` if the log has none; otherwise gives
    /// `before` back (the entry there is older, and wins).
    fn add_if_absent(&mut self, id: PageId, before: Before) -> Option<Before> {
        match self.position(id) {
            Some(_) => Some(before),
            None => {
                self.push(id, before);
                None
            }
        }
    }

    fn push(&mut self, id: PageId, before: Before) {
        self.heads += usize::from(matches!(before, Before::Head { .. }));
        self.entries.push((id, before));
        let n = self.entries.len();
        if n == SHORT_LOG + 1 {
            self.index = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, (p, _))| (*p, i))
                .collect();
        } else if n > SHORT_LOG + 1 {
            self.index.insert(id, n - 1);
        }
    }

    fn iter(&self) -> impl Iterator<Item = &(PageId, Before)> {
        self.entries.iter()
    }

    /// Turns every head into what `image` makes of it (a whole image).
    fn heads_to_images(
        &mut self,
        mut image: impl FnMut(PageId, &[u8]) -> Result<Box<[u8]>>,
    ) -> Result<()> {
        if self.heads == 0 {
            return Ok(());
        }
        for (id, b) in self.entries.iter_mut() {
            if let Before::Head { bytes, len } = b {
                *b = Before::Image(image(*id, &bytes[..*len])?);
                self.heads -= 1;
            }
        }
        Ok(())
    }

    /// Takes every entry out, leaving the log empty (its buffers kept).
    fn drain(&mut self) -> impl Iterator<Item = (PageId, Before)> + '_ {
        self.index.clear();
        self.heads = 0;
        self.entries.drain(..)
    }

    fn capacity(&self) -> usize {
        self.entries.capacity()
    }
}

/// An open savepoint and its undo log.
#[derive(Debug)]
struct SavepointMark {
    id: u64,
    /// The WAL tail and checksum chain when it was taken.
    tail: u64,
    chain: u32,
    /// What each page changed since was at the savepoint.
    undo: UndoLog,
}

/// A page as it was when a savepoint was taken.
#[derive(Debug)]
enum Before {
    /// It was private: a copy of its image.
    Image(Box<[u8]>),
    /// It was private, and has been changed since only through
    /// [`WriteTxn::page_mut_head`]: its first `len` bytes (the rest of
    /// what it was is still in the page, but for unused bytes).
    Head {
        bytes: [u8; MAX_UNDO_HEAD],
        len: usize,
    },
    /// It was not: its version then is on disk at or below the mark (or
    /// it did not exist).
    OnDisk,
}

/// A point inside a write transaction that it can roll back to.
#[derive(Debug, PartialEq, Eq)]
pub struct Savepoint {
    id: u64,
}

/// What a commit did.
#[derive(Debug)]
pub struct CommitInfo {
    /// The commit number (the header's change counter), 0 if the
    /// transaction changed nothing and so committed nothing.
    pub lsn: u64,
    /// Frames the commit appended (spilled frames not included).
    pub frames: u64,
    /// The automatic checkpoint that followed, if one ran. The commit is
    /// durable whatever its outcome.
    pub autocheckpoint: Option<Result<CheckpointReport>>,
}

impl WriteTxn {
    pub(crate) fn begin(shared: Arc<Shared>) -> Result<WriteTxn> {
        let txn = WriteTxn {
            shared,
            page_count: Cell::new(0),
            savepoints: RefCell::new(Vec::new()),
            spare_images: RefCell::new(Vec::new()),
            spare_logs: RefCell::new(Vec::new()),
            next_savepoint: Cell::new(0),
            shape_stamp: Cell::new(new_shape_stamp()),
            finished: false,
        };
        let h = txn.header()?;
        txn.page_count.set(h.page_count);
        txn.shared.set_next_lsn(h.change_counter + 1);
        Ok(txn)
    }

    /// The header as this transaction sees it (its own changes included).
    pub fn header(&self) -> Result<DbHeader> {
        let p = self.read_page(1)?;
        Ok(DbHeader::decode(p.data()))
    }

    /// The number of pages, this transaction's allocations included.
    pub fn page_count(&self) -> u32 {
        self.page_count.get()
    }

    /// A number that stays the same as long as no page has stopped being
    /// what it was: it changes when a page is freed, when the page count
    /// shrinks and when the transaction rolls back to a savepoint (which
    /// may undo allocations), and no other write transaction of the
    /// process ever has the same. A page in use can only become something
    /// else after it is freed, so a layer above may remember what a page
    /// is (a tree's rightmost leaf, say) under the stamp of the moment and
    /// trust it without reading a page while the stamp is unchanged (it
    /// must still check whatever the page's own changes may have changed,
    /// such as a leaf gaining a right sibling).
    pub fn shape_stamp(&self) -> u64 {
        self.shape_stamp.get()
    }

    /// A page may have stopped being what it was: a new stamp.
    pub(crate) fn shape_changed(&self) {
        self.shape_stamp.set(new_shape_stamp());
    }

    /// Sets the catalog root recorded in the header.
    pub fn set_catalog_root(&self, root: PageId) -> Result<()> {
        self.update_header(|h| h.catalog_root = root).map(|_| ())
    }

    /// Sets the schema cookie recorded in the header.
    pub fn set_schema_cookie(&self, cookie: u32) -> Result<()> {
        self.update_header(|h| h.schema_cookie = cookie).map(|_| ())
    }

    /// Reads a page: this transaction's private copy if it has one, else
    /// the newest committed version.
    pub fn page(&self, id: PageId) -> Result<PageRef<'_>> {
        self.check_range(id)?;
        self.read_page(id)
    }

    /// Opens a page for writing, making a private copy on first use.
    pub fn page_mut(&self, id: PageId) -> Result<PageMut<'_>> {
        self.open_for_write(id, None)
    }

    /// Opens a page for writing, as [`page_mut`](WriteTxn::page_mut), with
    /// a promise that makes the newest savepoint's log of it cheap: the
    /// caller changes only the first `head` bytes of the page and bytes
    /// that are unused (free space of the layer above, whose contents do
    /// not matter). The log then keeps only those `head` bytes, not a copy
    /// of the whole page (see "Heads" in the module documentation). A
    /// `head` longer than [`MAX_UNDO_HEAD`] is logged as a whole image.
    ///
    /// Breaking the promise breaks rollbacks to a savepoint: a changed
    /// byte past the head that was in use would not be put back.
    pub fn page_mut_head(&self, id: PageId, head: usize) -> Result<PageMut<'_>> {
        self.open_for_write(id, (head <= MAX_UNDO_HEAD).then_some(head))
    }

    /// Logs `id` (whole, or only its `head` bytes) and pins its private
    /// frame for writing.
    fn open_for_write(&self, id: PageId, head: Option<usize>) -> Result<PageMut<'_>> {
        self.check_range(id)?;
        let frame = {
            let mut st = self.shared.pool.latch();
            self.log_before_change(&mut st, id, head)?;
            self.make_private(&mut st, id)?
        };
        self.write_guard(frame, id)
    }

    /// Records in the newest savepoint's undo log what `id` is now, the
    /// first time it is changed after that savepoint: its whole image, or
    /// with `head` only its first `head` bytes (see
    /// [`page_mut_head`](WriteTxn::page_mut_head)). A page logged as a
    /// head and now opened for more becomes a whole image.
    fn log_before_change(&self, st: &mut PoolState, id: PageId, head: Option<usize>) -> Result<()> {
        let mut savepoints = self.savepoints.borrow_mut();
        let Some(top) = savepoints.last_mut() else {
            return Ok(());
        };
        match top.undo.get(id) {
            Some(Before::Head { bytes, len }) if head.is_none_or(|h| h > *len) => {
                // Changed past its head from now on: the image it had at
                // the savepoint is the page now with the head put back.
                let image = self.image_with_head(st, id, &bytes[..*len])?;
                top.undo.set(id, Before::Image(image));
                return Ok(());
            }
            Some(_) => return Ok(()),
            None => {}
        }
        let private = PageKey {
            page: id,
            version: PageVersion::Private,
        };
        let copy = |f: usize| {
            let data = self.shared.pool.frames[f]
                .try_read()
                .ok_or(PagerError::PageBorrowed { page: id })?;
            if let Some(len) = head {
                let len = len.min(data.len());
                let mut bytes = [0u8; MAX_UNDO_HEAD];
                bytes[..len].copy_from_slice(&data[..len]);
                return Ok(Before::Head { bytes, len });
            }
            let mut image = self.spare_image(data.len());
            image.copy_from_slice(&data);
            Ok(Before::Image(image))
        };
        let before = match st.frame_of(private) {
            Some(f) => copy(f)?,
            // Private at the savepoint, then spilled past the mark: the
            // rewind forgets that frame, so its image is copied too.
            None => match self.current_key(st, id) {
                key @ PageKey {
                    version: PageVersion::Wal(seq),
                    ..
                } if seq > top.tail => {
                    let f = self.shared.fetch(st, key)?;
                    let data = self.shared.pool.frames[f].try_read().map(|data| {
                        let mut image = self.spare_image(data.len());
                        image.copy_from_slice(&data);
                        image
                    });
                    st.unpin(f);
                    Before::Image(data.ok_or(PagerError::PageBorrowed { page: id })?)
                }
                _ => Before::OnDisk,
            },
        };
        top.undo.push(id, before);
        Ok(())
    }

    /// What a page a savepoint logged as on disk (its version at that
    /// savepoint's mark `tail` was on disk) was at an older mark
    /// `below_tail`, with no change in between (the older savepoint has
    /// no entry for it): still on disk, unless that version is a frame
    /// spilled between the two marks. Then the page was private at the
    /// older mark and the frame holds its image then, which a rewind to
    /// the older mark forgets: a copy of it (read without taking a frame).
    fn on_disk_below(&self, id: PageId, tail: u64, below_tail: u64) -> Result<Before> {
        let sh = &*self.shared;
        let mut st = sh.pool.latch();
        let Some(seq) = st
            .wal_index
            .lookup(id, tail)
            .filter(|&seq| seq > below_tail)
        else {
            return Ok(Before::OnDisk);
        };
        let mut image = self.spare_image(sh.page_size as usize);
        self.read_frame(&mut st, id, seq, &mut image)?;
        Ok(Before::Image(image))
    }

    /// Reads WAL frame `seq` of page `id` into `image`, from its frame in
    /// the pool if it is there, else from the WAL, without taking a frame.
    fn read_frame(&self, st: &mut PoolState, id: PageId, seq: u64, image: &mut [u8]) -> Result<()> {
        let sh = &*self.shared;
        let key = PageKey {
            page: id,
            version: PageVersion::Wal(seq),
        };
        if let Some(f) = st.pin_if_present(key) {
            let copied = sh.pool.frames[f]
                .try_read()
                .map(|data| image.copy_from_slice(&data));
            st.unpin(f);
            return copied.ok_or(PagerError::PageBorrowed { page: id });
        }
        let frame = seq - sh.wal.state.read().base;
        sh.wal.read_image(frame, image)?;
        page::verify(image, id, &sh.wal.path, PageSource::WalFrame(frame))
    }

    /// A page-sized buffer for an image: a spare one if there is one.
    fn spare_image(&self, len: usize) -> Box<[u8]> {
        match self.spare_images.borrow_mut().pop() {
            Some(buf) if buf.len() == len => buf,
            _ => vec![0u8; len].into_boxed_slice(),
        }
    }

    /// The image of `id` as the writer sees it now, with its first bytes
    /// replaced by `head`: what a page logged as a head was at the
    /// savepoint. The page is private, or was and has been spilled since;
    /// it is read without taking a frame (a frame taken could spill a
    /// private page past a mark about to be rewound to).
    fn image_with_head(&self, st: &mut PoolState, id: PageId, head: &[u8]) -> Result<Box<[u8]>> {
        let sh = &*self.shared;
        let key = self.current_key(st, id);
        let mut image = self.spare_image(sh.page_size as usize);
        if let Some(f) = st.pin_if_present(key) {
            let copied = sh.pool.frames[f]
                .try_read()
                .map(|data| image.copy_from_slice(&data));
            st.unpin(f);
            copied.ok_or(PagerError::PageBorrowed { page: id })?;
        } else if let PageVersion::Wal(seq) = key.version {
            let frame = seq - sh.wal.state.read().base;
            sh.wal.read_image(frame, &mut image)?;
            page::verify(&image, id, &sh.wal.path, PageSource::WalFrame(frame))?;
        } else {
            return Err(PagerError::Corrupt {
                path: sh.wal.path.clone(),
                reason: format!("page {id}, logged by a savepoint as a head, is not the writer's"),
            });
        }
        image[..head.len()].copy_from_slice(head);
        Ok(image)
    }

    /// Rewinds the writer to a savepoint's mark, undoing the pages in
    /// `logged` (see the module documentation).
    fn undo_to(&self, tail: u64, chain: u32, logged: &BTreeMap<PageId, &Before>) -> Result<()> {
        let sh = &*self.shared;
        let mut st = sh.pool.latch();
        // What the rewind must not lose: the copied images, and the newest
        // frame after the mark of each page not logged (private at the
        // savepoint, unchanged since, spilled after the mark).
        let mut put_back: Vec<(PageId, Box<[u8]>)> = Vec::new();
        for (&id, b) in logged {
            match b {
                Before::Image(image) => put_back.push((id, image.clone())),
                Before::Head { bytes, len } => {
                    put_back.push((id, self.image_with_head(&mut st, id, &bytes[..*len])?));
                }
                Before::OnDisk => {}
            }
        }
        let spilled_after = st.wal_index.newest_between(tail, u64::MAX);
        for (id, seq) in spilled_after {
            if logged.contains_key(&id) {
                continue;
            }
            let key = PageKey {
                page: id,
                version: PageVersion::Wal(seq),
            };
            // Read without taking a frame: a frame taken now could spill a
            // private page past the mark, where the rewind would lose it.
            let image = match st.pin_if_present(key) {
                Some(f) => {
                    let image = sh.pool.frames[f]
                        .try_read()
                        .map(|data| data.to_vec().into_boxed_slice());
                    st.unpin(f);
                    image.ok_or(PagerError::PageBorrowed { page: id })?
                }
                None => {
                    let frame = seq - sh.wal.state.read().base;
                    let mut image = vec![0u8; sh.page_size as usize];
                    sh.wal.read_image(frame, &mut image)?;
                    page::verify(&image, id, &sh.wal.path, PageSource::WalFrame(frame))?;
                    image.into_boxed_slice()
                }
            };
            put_back.push((id, image));
        }
        // The rewind: private copies of logged pages, frames past the mark.
        sh.rewind_to(&mut st, tail, Some(chain), |page| {
            logged.contains_key(&page)
        });
        // Then the images, as private pages.
        for (id, image) in put_back {
            let private = PageKey {
                page: id,
                version: PageVersion::Private,
            };
            let f = match st.pin_if_present(private) {
                Some(f) => f,
                None => {
                    let f = sh.free_frame(&mut st)?;
                    st.install(f, private, FrameState::Private, true);
                    f
                }
            };
            let written = sh.pool.frames[f].try_write().map(|mut to| {
                to.copy_from_slice(&image);
            });
            st.unpin(f);
            written.ok_or(PagerError::PageBorrowed { page: id })?;
            self.recycle(Before::Image(image));
        }
        Ok(())
    }

    fn check_range(&self, id: PageId) -> Result<()> {
        let page_count = self.page_count.get();
        if id == 0 || id > page_count {
            return Err(PagerError::PageOutOfRange {
                page: id,
                page_count,
            });
        }
        Ok(())
    }

    fn read_page(&self, id: PageId) -> Result<PageRef<'_>> {
        let sh = &*self.shared;
        let frame = {
            let mut st = sh.pool.latch();
            let key = self.current_key(&st, id);
            sh.fetch(&mut st, key)?
        };
        match sh.pool.frames[frame].try_read() {
            Some(data) => Ok(PageRef::new(&sh.pool, frame, id, data)),
            None => {
                sh.pool.unpin(frame);
                Err(PagerError::PageBorrowed { page: id })
            }
        }
    }

    fn write_guard(&self, frame: usize, id: PageId) -> Result<PageMut<'_>> {
        let sh = &*self.shared;
        match sh.pool.frames[frame].try_write() {
            Some(data) => Ok(PageMut::new(&sh.pool, frame, id, data)),
            None => {
                sh.pool.unpin(frame);
                Err(PagerError::PageBorrowed { page: id })
            }
        }
    }

    /// The key of the newest version this transaction can see.
    fn current_key(&self, st: &PoolState, id: PageId) -> PageKey {
        let private = PageKey {
            page: id,
            version: PageVersion::Private,
        };
        if st.table.contains(private) {
            return private;
        }
        // The writer sees past the committed mark: its own spilled frames.
        let version = match st.wal_index.lookup(id, u64::MAX) {
            Some(seq) => PageVersion::Wal(seq),
            None => PageVersion::Base,
        };
        PageKey { page: id, version }
    }

    /// Pins the private frame of `id`, creating it from the current version.
    fn make_private(&self, st: &mut PoolState, id: PageId) -> Result<usize> {
        let sh = &*self.shared;
        // Already private (the common case): one lookup, a pool hit.
        let private = PageKey {
            page: id,
            version: PageVersion::Private,
        };
        if let Some(f) = st.pin_if_present(private) {
            Counters::add_latched(st, &sh.stats.hits, 1);
            return Ok(f);
        }
        let key = self.current_key(st, id);
        let src = sh.fetch(st, key)?;
        if key.version == PageVersion::Private {
            return Ok(src);
        }
        Counters::add(&sh.stats.pages_dirtied, 1);
        if st.metas[src].state == FrameState::Spilled && st.pins(src) == 1 {
            // Our own spilled copy, used by nobody else: take it back.
            st.rekey(src, private, FrameState::Private);
            return Ok(src);
        }
        let dst = match sh.free_frame(st) {
            Ok(f) => f,
            Err(e) => {
                st.unpin(src);
                return Err(e);
            }
        };
        let copied = match (
            sh.pool.frames[src].try_read(),
            sh.pool.frames[dst].try_write(),
        ) {
            (Some(from), Some(mut to)) => {
                to.copy_from_slice(&from);
                true
            }
            _ => false,
        };
        st.unpin(src);
        if !copied {
            return Err(PagerError::PageBorrowed { page: id });
        }
        st.install(dst, private, FrameState::Private, true);
        Ok(dst)
    }

    /// Pins a private frame for `id` with a zeroed image of type `t`,
    /// without reading the page's old contents.
    pub(crate) fn fresh_private(&self, id: PageId, t: PageType) -> Result<PageMut<'_>> {
        let sh = &*self.shared;
        let private = PageKey {
            page: id,
            version: PageVersion::Private,
        };
        let frame = {
            let mut st = sh.pool.latch();
            self.log_before_change(&mut st, id, None)?;
            let f = match st.pin_if_present(private) {
                Some(f) => f,
                None => {
                    let f = sh.free_frame(&mut st)?;
                    st.install(f, private, FrameState::Private, true);
                    f
                }
            };
            Counters::add(&sh.stats.pages_dirtied, 1);
            f
        };
        let mut guard = self.write_guard(frame, id)?;
        guard.data_mut().fill(0);
        guard.set_page_type(t);
        Ok(guard)
    }

    /// Reads the header page, lets `f` change the fields, writes it back.
    /// Only the header's fields change: the page is opened in head mode
    /// (a statement that allocates a page logs them, not a copy of page 1).
    pub(crate) fn update_header(&self, f: impl FnOnce(&mut DbHeader)) -> Result<DbHeader> {
        let mut p = self.page_mut_head(1, crate::header::HEADER_FIELDS_END)?;
        let mut h = DbHeader::decode(p.data());
        f(&mut h);
        h.encode(p.data_mut());
        if h.page_count < self.page_count.get() {
            self.shape_changed();
        }
        self.page_count.set(h.page_count);
        Ok(h)
    }

    /// Marks a point this transaction can roll back to. Nothing is
    /// written: pages changed after it are logged as they are first
    /// changed (see the module documentation).
    pub fn savepoint(&mut self) -> Result<Savepoint> {
        self.push_savepoint()
    }

    fn push_savepoint(&self) -> Result<Savepoint> {
        self.heads_to_images()?;
        let (tail, chain) = {
            let io = self.shared.wal.io.lock();
            (io.tail, io.chain)
        };
        let id = self.next_savepoint.get() + 1;
        self.next_savepoint.set(id);
        let undo = self.empty_log();
        self.savepoints.borrow_mut().push(SavepointMark {
            id,
            tail,
            chain,
            undo,
        });
        Ok(Savepoint { id })
    }

    /// Runs `f` all or nothing: if it fails, everything it changed is
    /// undone (under a savepoint of its own, released when it is done)
    /// and its error returned. For a change of several pages that must
    /// not be left half done whoever calls it (a B+Tree split), without
    /// `&mut` access to the transaction. `f` must hold no page guard of
    /// the transaction when it returns.
    pub fn all_or_nothing<T, E: From<PagerError>>(
        &self,
        f: impl FnOnce() -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let sp = self.push_savepoint()?;
        match f() {
            Ok(v) => {
                self.release_inner(sp)?;
                Ok(v)
            }
            Err(e) => {
                self.rollback_to_inner(&sp)?;
                self.release_inner(sp)?;
                Err(e)
            }
        }
    }

    /// Turns every head in the newest savepoint's log into a whole image,
    /// before a savepoint is taken on top of it: only the newest log may
    /// hold heads (see the module documentation).
    fn heads_to_images(&self) -> Result<()> {
        let mut savepoints = self.savepoints.borrow_mut();
        let Some(top) = savepoints.last_mut() else {
            return Ok(());
        };
        if top.undo.heads == 0 {
            return Ok(());
        }
        let mut st = self.shared.pool.latch();
        top.undo
            .heads_to_images(|id, head| self.image_with_head(&mut st, id, head))
    }

    /// An empty undo log (a spare one if there is one).
    fn empty_log(&self) -> UndoLog {
        self.spare_logs.borrow_mut().pop().unwrap_or_default()
    }

    /// Takes back an undo log whose entries are all gone.
    fn recycle_log(&self, log: UndoLog) {
        let mut spare = self.spare_logs.borrow_mut();
        if spare.len() < MAX_SPARE_LOGS && log.capacity() <= MAX_SPARE_LOG_CAPACITY {
            spare.push(log);
        }
    }

    /// Undoes everything done since `sp`; `sp` stays valid (as in SQL's
    /// `ROLLBACK TO`), later savepoints are gone.
    pub fn rollback_to(&mut self, sp: &Savepoint) -> Result<()> {
        self.rollback_to_inner(sp)
    }

    fn rollback_to_inner(&self, sp: &Savepoint) -> Result<()> {
        self.shape_changed();
        let undone: Vec<SavepointMark> = {
            let mut savepoints = self.savepoints.borrow_mut();
            let i = savepoints
                .iter()
                .position(|m| m.id == sp.id)
                .ok_or(PagerError::NoSuchSavepoint(sp.id))?;
            let undone = savepoints.split_off(i);
            savepoints.push(SavepointMark {
                id: sp.id,
                tail: undone[0].tail,
                chain: undone[0].chain,
                undo: self.empty_log(),
            });
            undone
        };
        // A later savepoint's "on disk" may be a frame spilled after the
        // mark rolled back to (see `on_disk_below`).
        let mut undone = undone;
        let target_tail = undone[0].tail;
        for mark in undone.iter_mut().skip(1) {
            let tail = mark.tail;
            for (id, before) in mark.undo.entries.iter_mut() {
                if matches!(before, Before::OnDisk) {
                    *before = self.on_disk_below(*id, tail, target_tail)?;
                }
            }
        }
        // Each page as the oldest log has it, in page order.
        let mut logged: BTreeMap<PageId, &Before> = BTreeMap::new();
        for mark in &undone {
            for (id, before) in mark.undo.iter() {
                logged.entry(*id).or_insert(before);
            }
        }
        let undone_to = self.undo_to(undone[0].tail, undone[0].chain, &logged);
        drop(logged);
        for mut mark in undone {
            for (_, before) in mark.undo.drain() {
                self.recycle(before);
            }
            self.recycle_log(mark.undo);
        }
        undone_to?;
        let h = self.header()?;
        self.page_count.set(h.page_count);
        Ok(())
    }

    /// Forgets `sp` (and every savepoint after it), keeping the changes.
    /// The savepoint before it, if any, inherits their undo logs (its own
    /// entries, being older, win).
    pub fn release(&mut self, sp: Savepoint) -> Result<()> {
        self.release_inner(sp)
    }

    fn release_inner(&self, sp: Savepoint) -> Result<()> {
        let mut savepoints = self.savepoints.borrow_mut();
        let i = savepoints
            .iter()
            .position(|m| m.id == sp.id)
            .ok_or(PagerError::NoSuchSavepoint(sp.id))?;
        // Newest first: each log is handed to the one below it, whose own
        // entries, being older, win. (A head handed down stays a head: the
        // log below had no entry for the page, so the page did not change
        // between the two savepoints, and the log below is now the newest.)
        while savepoints.len() > i {
            // "On disk" at this mark may be a frame spilled after the mark
            // below, which a rewind to that one forgets: the page's image
            // at the mark below, then (see `on_disk_below`). Read first,
            // so that an error leaves each savepoint whole.
            if let [.., b, top] = savepoints.as_mut_slice() {
                for (id, before) in top.undo.entries.iter_mut() {
                    if matches!(before, Before::OnDisk) && b.undo.position(*id).is_none() {
                        *before = self.on_disk_below(*id, top.tail, b.tail)?;
                    }
                }
            }
            let Some(mut mark) = savepoints.pop() else {
                break;
            };
            let mut below = savepoints.last_mut();
            for (id, before) in mark.undo.drain() {
                // An image nobody needs is a spare buffer.
                let unneeded = match below.as_deref_mut() {
                    Some(b) => b.undo.add_if_absent(id, before),
                    None => Some(before),
                };
                if let Some(unneeded) = unneeded {
                    self.recycle(unneeded);
                }
            }
            self.recycle_log(mark.undo);
        }
        Ok(())
    }

    /// Keeps the buffer of an undo image no savepoint needs any more.
    fn recycle(&self, before: Before) {
        let mut spare = self.spare_images.borrow_mut();
        if let (Before::Image(buf), true) = (before, spare.len() < MAX_SPARE_IMAGES) {
            spare.push(buf);
        }
    }

    /// How many page images the open savepoints hold (for tests and views).
    pub fn savepoint_images(&self) -> usize {
        self.savepoints
            .borrow()
            .iter()
            .flat_map(|m| m.undo.iter())
            .filter(|(_, b)| matches!(b, Before::Image(_)))
            .count()
    }

    /// Commits: after this returns (with `synchronous = full`) the changes
    /// survive any crash.
    pub fn commit(mut self) -> Result<CommitInfo> {
        let result = self.commit_inner();
        self.finished = true;
        if result.is_err() {
            self.shared.discard_after(0, None);
            Counters::add(&self.shared.stats.rollbacks, 1);
        }
        self.shared.release_writer();
        let (lsn, frames) = result?;
        let sh = &*self.shared;
        let threshold = sh.autocheckpoint() as u64;
        let in_wal = {
            let ws = sh.wal.state.read();
            ws.committed - ws.base
        };
        let autocheckpoint =
            (threshold > 0 && in_wal >= threshold).then(|| sh.automatic_checkpoint());
        Ok(CommitInfo {
            lsn,
            frames,
            autocheckpoint,
        })
    }

    fn commit_inner(&mut self) -> Result<(u64, u64)> {
        let sh = &*self.shared;
        let changed = {
            let st = sh.pool.latch();
            let io = sh.wal.io.lock();
            let has_private = !st.frames_in(FrameState::Private).is_empty();
            has_private || io.tail > sh.wal.state.read().committed
        };
        if !changed {
            return Ok((0, 0));
        }
        let header = self.update_header(|h| h.change_counter += 1)?;
        let lsn = header.change_counter;

        // Phase A: seal and copy the private pages, header page last.
        let fsize = sh.wal.frame_size();
        let (mut buf, pages, frames) = {
            let mut st = sh.pool.latch();
            let mut frames = st.frames_in(FrameState::Private);
            frames.sort_by_key(|&f| {
                let p = st.metas[f].key.map_or(0, |k| k.page);
                (p == 1, p)
            });
            let mut buf = vec![0u8; frames.len() * fsize];
            let mut pages = Vec::with_capacity(frames.len());
            for (&f, out) in frames.iter().zip(buf.chunks_exact_mut(fsize)) {
                let p = st.metas[f].key.map_or(0, |k| k.page);
                let mut data = sh.pool.frames[f]
                    .try_write()
                    .ok_or(PagerError::PageBorrowed { page: p })?;
                page::seal(&mut data, p, lsn);
                out[crate::wal::format::FRAME_HEADER_SIZE..].copy_from_slice(&data);
                pages.push(p);
                st.metas[f].state = FrameState::Committing;
            }
            (buf, pages, frames)
        };

        // Phase B: append and sync, without the pool latch.
        let (first, tail) = {
            let mut io = sh.wal.io.lock();
            let base = sh.wal.state.read().base;
            let written = sh
                .wal
                .append(
                    &mut io,
                    base,
                    &mut buf,
                    &pages,
                    header.page_count,
                    &sh.stats,
                )
                .and_then(|first| {
                    let mode = sh.synchronous();
                    if matches!(mode, Synchronous::Full | Synchronous::Extra) {
                        sh.wal.sync(&mut io, &sh.stats)?;
                    }
                    if mode == Synchronous::Extra {
                        sh.wal.write_mark(&mut io, base, &sh.stats)?;
                    }
                    Ok(first)
                });
            let first = written?;
            io.committed_chain = io.chain;
            (first, io.tail)
        };

        // Phase C: publish.
        let mut st = sh.pool.latch();
        let mut ws = sh.wal.state.write();
        for (i, &p) in pages.iter().enumerate() {
            st.wal_index.insert(p, first + i as u64);
        }
        ws.committed = tail;
        drop(ws);
        for (i, (&f, &p)) in frames.iter().zip(&pages).enumerate() {
            let still_ours = st.metas[f].state == FrameState::Committing
                && st.metas[f].key
                    == Some(PageKey {
                        page: p,
                        version: PageVersion::Private,
                    });
            if still_ours {
                let key = PageKey {
                    page: p,
                    version: PageVersion::Wal(first + i as u64),
                };
                st.rekey(f, key, FrameState::Dirty);
            }
        }
        for f in st.frames_in(FrameState::Spilled) {
            let newest = match st.metas[f].key {
                Some(PageKey {
                    page,
                    version: PageVersion::Wal(seq),
                }) => st.wal_index.lookup(page, u64::MAX) == Some(seq),
                _ => false,
            };
            if newest {
                st.metas[f].state = FrameState::Dirty;
            } else {
                st.drop_or_detach(f);
            }
        }
        Counters::add(&sh.stats.commits, 1);
        Ok((lsn, pages.len() as u64))
    }

    /// Discards every change.
    pub fn rollback(mut self) {
        self.finish_rollback();
    }

    fn finish_rollback(&mut self) {
        if !self.finished {
            self.finished = true;
            self.shared.discard_after(0, None);
            Counters::add(&self.shared.stats.rollbacks, 1);
            self.shared.release_writer();
        }
    }
}

impl Drop for WriteTxn {
    fn drop(&mut self) {
        self.finish_rollback();
    }
}

impl Shared {
    /// Forgets the writer's work after a WAL mark: private frames, spilled
    /// frames past the mark, index entries past it; rewinds the tail. With
    /// `chain` = `None` the mark is the last commit.
    pub(crate) fn discard_after(&self, tail: u64, chain: Option<u32>) {
        let mut st = self.pool.latch();
        self.rewind_to(&mut st, tail, chain, |_| true);
    }

    /// Rewinds the WAL's tail to `tail` (with `chain` = `None`: to the last
    /// commit), dropping the frames spilled past it and the private pages
    /// `drop_private` names (with the pool latch held).
    fn rewind_to(
        &self,
        st: &mut PoolState,
        tail: u64,
        chain: Option<u32>,
        drop_private: impl Fn(PageId) -> bool,
    ) {
        let mut io = self.wal.io.lock();
        let (tail, chain) = match chain {
            Some(c) => (tail, c),
            None => (self.wal.state.read().committed, io.committed_chain),
        };
        for f in 0..st.metas.len() {
            let m = &st.metas[f];
            let discard = match (m.state, m.key) {
                (FrameState::Private | FrameState::Committing, Some(k)) => drop_private(k.page),
                (
                    FrameState::Spilled,
                    Some(PageKey {
                        version: PageVersion::Wal(seq),
                        ..
                    }),
                ) => seq > tail,
                _ => false,
            };
            if discard {
                st.drop_or_detach(f);
            }
        }
        io.tail = tail;
        io.chain = chain;
        st.wal_index.truncate_after(tail);
    }
}
