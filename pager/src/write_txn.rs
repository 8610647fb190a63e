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
    next_savepoint: u64,
    finished: bool,
}

/// How many spare image buffers a write transaction keeps at most.
const MAX_SPARE_IMAGES: usize = 16;

/// An open savepoint and its undo log.
#[derive(Debug)]
struct SavepointMark {
    id: u64,
    /// The WAL tail and checksum chain when it was taken.
    tail: u64,
    chain: u32,
    /// What each page changed since was at the savepoint (ordered, so
    /// that a rollback does the same I/O every time: the crash tests
    /// replay workloads operation by operation).
    undo: BTreeMap<PageId, Before>,
}

/// A page as it was when a savepoint was taken.
#[derive(Debug)]
enum Before {
    /// It was private: a copy of its image.
    Image(Box<[u8]>),
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
            next_savepoint: 0,
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
        self.check_range(id)?;
        let frame = {
            let mut st = self.shared.pool.latch();
            self.log_before_change(&mut st, id)?;
            self.make_private(&mut st, id)?
        };
        self.write_guard(frame, id)
    }

    /// Records in the newest savepoint's undo log what `id` is now, the
    /// first time it is changed after that savepoint.
    fn log_before_change(&self, st: &mut PoolState, id: PageId) -> Result<()> {
        let mut savepoints = self.savepoints.borrow_mut();
        let Some(top) = savepoints.last_mut() else {
            return Ok(());
        };
        if top.undo.contains_key(&id) {
            return Ok(());
        }
        let private = PageKey {
            page: id,
            version: PageVersion::Private,
        };
        let copy = |f: usize| {
            let data = self.shared.pool.frames[f]
                .try_read()
                .ok_or(PagerError::PageBorrowed { page: id })?;
            let spare = self.spare_images.borrow_mut().pop();
            let image = match spare {
                Some(mut buf) if buf.len() == data.len() => {
                    buf.copy_from_slice(&data);
                    buf
                }
                _ => data.to_vec().into_boxed_slice(),
            };
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
                    let before = copy(f);
                    st.unpin(f);
                    before?
                }
                _ => Before::OnDisk,
            },
        };
        top.undo.insert(id, before);
        Ok(())
    }

    /// Rewinds the writer to a savepoint's mark, undoing the pages in
    /// `logged` (see the module documentation).
    fn undo_to(&self, tail: u64, chain: u32, logged: &BTreeMap<PageId, &Before>) -> Result<()> {
        let sh = &*self.shared;
        let mut st = sh.pool.latch();
        // What the rewind must not lose: the copied images, and the newest
        // frame after the mark of each page not logged (private at the
        // savepoint, unchanged since, spilled after the mark).
        let mut put_back: Vec<(PageId, Box<[u8]>)> = logged
            .iter()
            .filter_map(|(&id, b)| match b {
                Before::Image(image) => Some((id, image.clone())),
                Before::OnDisk => None,
            })
            .collect();
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
        let key = self.current_key(st, id);
        let src = sh.fetch(st, key)?;
        if key.version == PageVersion::Private {
            return Ok(src);
        }
        Counters::add(&sh.stats.pages_dirtied, 1);
        let private = PageKey {
            page: id,
            version: PageVersion::Private,
        };
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
            self.log_before_change(&mut st, id)?;
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
    pub(crate) fn update_header(&self, f: impl FnOnce(&mut DbHeader)) -> Result<DbHeader> {
        let mut p = self.page_mut(1)?;
        let mut h = DbHeader::decode(p.data());
        f(&mut h);
        h.encode(p.data_mut());
        self.page_count.set(h.page_count);
        Ok(h)
    }

    /// Marks a point this transaction can roll back to. Nothing is
    /// written: pages changed after it are logged as they are first
    /// changed (see the module documentation).
    pub fn savepoint(&mut self) -> Result<Savepoint> {
        let (tail, chain) = {
            let io = self.shared.wal.io.lock();
            (io.tail, io.chain)
        };
        self.next_savepoint += 1;
        self.savepoints.borrow_mut().push(SavepointMark {
            id: self.next_savepoint,
            tail,
            chain,
            undo: BTreeMap::new(),
        });
        Ok(Savepoint {
            id: self.next_savepoint,
        })
    }

    /// Undoes everything done since `sp`; `sp` stays valid (as in SQL's
    /// `ROLLBACK TO`), later savepoints are gone.
    pub fn rollback_to(&mut self, sp: &Savepoint) -> Result<()> {
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
                undo: BTreeMap::new(),
            });
            undone
        };
        // Each page as the oldest log has it.
        let mut logged: BTreeMap<PageId, &Before> = BTreeMap::new();
        for mark in &undone {
            for (&id, before) in &mark.undo {
                logged.entry(id).or_insert(before);
            }
        }
        self.undo_to(undone[0].tail, undone[0].chain, &logged)?;
        let h = self.header()?;
        self.page_count.set(h.page_count);
        Ok(())
    }

    /// Forgets `sp` (and every savepoint after it), keeping the changes.
    /// The savepoint before it, if any, inherits their undo logs (its own
    /// entries, being older, win).
    pub fn release(&mut self, sp: Savepoint) -> Result<()> {
        let mut savepoints = self.savepoints.borrow_mut();
        let i = savepoints
            .iter()
            .position(|m| m.id == sp.id)
            .ok_or(PagerError::NoSuchSavepoint(sp.id))?;
        let released = savepoints.split_off(i);
        let mut prev = savepoints.last_mut();
        for mark in released {
            for (id, before) in mark.undo {
                // The older savepoint keeps its own image of a page, if it
                // has one; an image nobody needs is a spare buffer.
                let unneeded = match prev.as_deref_mut() {
                    Some(p) => match p.undo.entry(id) {
                        std::collections::btree_map::Entry::Vacant(e) => {
                            e.insert(before);
                            continue;
                        }
                        std::collections::btree_map::Entry::Occupied(_) => before,
                    },
                    None => before,
                };
                self.recycle(unneeded);
            }
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
            .flat_map(|m| m.undo.values())
            .filter(|b| matches!(b, Before::Image(_)))
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
