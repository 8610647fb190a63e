//! Cursors and range iteration.
//!
//! A cursor is a position in the leaf level: a leaf page and a cell index.
//! Seeking descends from the root; stepping moves along the cells of a
//! leaf and then follows the leaf's sibling link, so a scan reads every
//! leaf once and never revisits interior pages.
//!
//! ## The leaf copy
//!
//! A cursor keeps a private copy of its current leaf's body, taken when it
//! lands on the leaf (a seek, or a step across a sibling link). Stepping
//! within the leaf and reading the current key and value then touch no
//! page at all: a scan fetches each leaf from the pool once, not twice per
//! row (once to read the entry and once to step), and a fetch is not free
//! (the pool latch, the WAL index, the page table). Copying a page body is
//! one `memcpy` into a buffer the cursor reuses, and it is paid once per
//! leaf, not once per row.
//!
//! Why a copy and not a pinned page: a cursor holds no page guard between
//! calls, so it never blocks eviction, and it never holds a read lock on a
//! frame that the write transaction it reads from may want to write (a
//! cursor over a [`WriteTxn`](walnut_pager::WriteTxn) can exist while the
//! same transaction changes pages; a guard kept across calls could turn
//! that into a `PageBorrowed` error or a deadlock). Values that overflow
//! the leaf are still read through the page source, from their chain, when
//! asked for.
//!
//! The price, as before: a cursor's position is only meaningful while the
//! tree does not change under it. After modifying the tree, seek again by
//! key (a cursor that was not re-seeked reads its stale copy).
//!
//! ## Reading without allocating
//!
//! [`Cursor::key`], [`Cursor::value`] and [`Cursor::entry`] return owned
//! bytes. [`Cursor::with_key`] and [`Cursor::with_entry`] lend them to a
//! closure instead, straight out of the leaf copy (an overflowing value is
//! assembled into a buffer first), so a scan that decodes each row in
//! place allocates nothing per row in the tree layer; [`Range::next_with`]
//! does the same for a range. On a cursor that is not on an entry (never
//! positioned, past either end, after a failed seek) every accessor fails
//! with [`BTreeError::NoEntry`] rather than read a stale copy.
//!
//! ## Reading ahead
//!
//! A table loaded in key order has its leaves in page order, so a forward
//! walk across it reads pages `p, p + 1, p + 2, ...`, one system call each
//! when they are not in the pool. Once a walk has crossed a few sibling
//! links each to the page after the last, it asks its page source to read
//! the next pages in one go ([`PageSource::read_ahead`], a hint: a read
//! transaction reads them into the pool, a write transaction ignores it),
//! and again every so many leaves. A cursor told where its walks end
//! ([`Cursor::expect_end`], the upper end of a rowid range) reads on its
//! seek, from the node above the leaves, the leaves whose keys start at or
//! below the end, the first one included: their separators say exactly
//! which. Nothing else changes: each leaf is still fetched and checked as
//! before, only from the pool.
//!
//! ## Damage
//!
//! Keys grow strictly from one leaf to the next, so every crossing of a
//! sibling link compares the first key it lands on with the last key it
//! left: a chain that goes back (a damaged link, or a cycle) is an error,
//! not an endless scan. A damaged leaf whose keys go down inside it could
//! hide a cycle from that check, so the crossings are also counted, and
//! more crossings since the last seek than the database has pages is an
//! error too. A sibling link that leads to a page that is not a leaf is an
//! error.

use crate::cell;
use crate::error::{BTreeError, Result};
use crate::node::{self, Kind};
use crate::source::PageSource;
use crate::tree::{BTree, MAX_DEPTH, node_kind, read_value};
use std::borrow::Cow;
use std::fmt;
use std::ops::Bound;
use walnut_pager::PageId;

/// A leaf cell's whole value: borrowed from the page if it is all inline,
/// else read from its overflow chain.
fn whole_value<'c, S: PageSource + ?Sized>(
    src: &S,
    c: &cell::LeafCell<'c>,
) -> Result<Cow<'c, [u8]>> {
    Ok(if c.overflow == 0 && c.local.len() as u64 == c.value_len {
        Cow::Borrowed(c.local)
    } else {
        Cow::Owned(read_value(src, c)?)
    })
}

/// Leaves a forward walk crosses, each the page after the one before,
/// before it asks for the next ones to be read ahead: a range of a few
/// leaves (`range_100` reads three to five) reads only what it needs.
const READ_AHEAD_AFTER: u64 = 8;

/// Pages asked for at a time when reading ahead (64 KiB of 4 KiB pages).
const READ_AHEAD: usize = 16;

/// A position in a tree.
pub struct Cursor<'s, S: PageSource + ?Sized> {
    src: &'s S,
    tree: BTree,
    /// The leaf the cursor is on (or was last on).
    leaf: PageId,
    /// A copy of `leaf`'s body, taken when the cursor landed on it.
    page: Vec<u8>,
    idx: usize,
    /// Whether `(leaf, idx)` is an entry: then `page` holds `leaf` and
    /// `idx < ncells(page)`.
    valid: bool,
    /// Leaves crossed along sibling links since the last seek.
    hops: u64,
    /// The database's page count, read at the first hop: no walk along
    /// sibling links can cross more leaves than that without a cycle.
    max_hops: Option<u64>,
    /// The 8-byte key a forward walk will stop at, if the caller said
    /// ([`Cursor::expect_end`]).
    end: Option<u64>,
}

impl<S: PageSource + ?Sized> fmt::Debug for Cursor<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cursor")
            .field("tree", &self.tree)
            .field("leaf", &self.leaf)
            .field("idx", &self.idx)
            .field("valid", &self.valid)
            .field("hops", &self.hops)
            .finish_non_exhaustive()
    }
}

impl<'s, S: PageSource + ?Sized> Cursor<'s, S> {
    /// A cursor over `tree`, not yet positioned.
    pub fn new(tree: BTree, src: &'s S) -> Self {
        Cursor {
            src,
            tree,
            leaf: 0,
            page: Vec::new(),
            idx: 0,
            valid: false,
            hops: 0,
            max_hops: None,
            end: None,
        }
    }

    /// Says that the walks after the next seeks will stop at `key` (the
    /// upper end of a range; 8-byte keys, a table's rowids, only), so that
    /// a seek reads the leaves of the range in one go, when they are
    /// consecutive pages (see "Reading ahead" in the module documentation).
    /// A hint: the walk still stops where its caller says.
    pub fn expect_end(&mut self, key: &[u8]) {
        self.end = <[u8; 8]>::try_from(key).ok().map(u64::from_be_bytes);
    }

    /// Whether the cursor is on an entry.
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// Descends to the leaf that covers `key`, copies it, and returns
    /// where `key` is (or would be) in it.
    fn land(&mut self, key: &[u8]) -> Result<std::result::Result<usize, usize>> {
        self.hops = 0;
        self.valid = false;
        let (leaf, page) = match self.end {
            Some(end) => self
                .tree
                .leaf_for_range(self.src, key, &end.to_be_bytes(), READ_AHEAD)?,
            None => self.tree.leaf_for(self.src, key)?,
        };
        self.page.clear();
        self.page.extend_from_slice(page.body());
        drop(page);
        self.leaf = leaf;
        Ok(node::search(&self.page, Kind::Leaf, key))
    }

    /// Positions on the first key `>= key`. Returns whether there is one.
    pub fn seek_ge(&mut self, key: &[u8]) -> Result<bool> {
        let idx = match self.land(key)? {
            Ok(i) | Err(i) => i,
        };
        self.settle_forward(idx)
    }

    /// Positions on the first key `> key`.
    pub fn seek_gt(&mut self, key: &[u8]) -> Result<bool> {
        let idx = match self.land(key)? {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        self.settle_forward(idx)
    }

    /// Positions exactly on `key`. Returns whether it exists (if not, the
    /// cursor is invalid).
    pub fn seek_exact(&mut self, key: &[u8]) -> Result<bool> {
        if let Ok(i) = self.land(key)? {
            (self.idx, self.valid) = (i, true);
        }
        Ok(self.valid)
    }

    /// Positions on the last key `<= key`.
    pub fn seek_le(&mut self, key: &[u8]) -> Result<bool> {
        match self.land(key)? {
            Ok(i) => {
                (self.idx, self.valid) = (i, true);
                Ok(true)
            }
            Err(i) => self.settle_backward(i),
        }
    }

    /// Positions on the last key `< key`.
    pub fn seek_lt(&mut self, key: &[u8]) -> Result<bool> {
        let i = match self.land(key)? {
            Ok(i) | Err(i) => i,
        };
        self.settle_backward(i)
    }

    /// Positions on the smallest key.
    pub fn first(&mut self) -> Result<bool> {
        self.land_on_edge(false)?;
        self.settle_forward(0)
    }

    /// Positions on the largest key.
    pub fn last(&mut self) -> Result<bool> {
        self.land_on_edge(true)?;
        let n = node::ncells(&self.page);
        self.settle_backward(n)
    }

    /// Moves to the next key. Returns whether there is one.
    pub fn move_next(&mut self) -> Result<bool> {
        if !self.valid {
            return Ok(false);
        }
        self.settle_forward(self.idx + 1)
    }

    /// Moves to the previous key.
    pub fn move_prev(&mut self) -> Result<bool> {
        if !self.valid {
            return Ok(false);
        }
        self.settle_backward(self.idx)
    }

    /// The current key.
    pub fn key(&self) -> Result<Vec<u8>> {
        self.with_key(<[u8]>::to_vec)
    }

    /// The current value (overflow chain included).
    pub fn value(&self) -> Result<Vec<u8>> {
        Ok(self.entry_parts()?.1.into_owned())
    }

    /// The current key and value.
    pub fn entry(&self) -> Result<(Vec<u8>, Vec<u8>)> {
        let (k, v) = self.entry_parts()?;
        Ok((k.to_vec(), v.into_owned()))
    }

    /// Calls `f` with the current key, borrowed from the leaf copy (no
    /// allocation, no page fetch).
    pub fn with_key<T>(&self, f: impl FnOnce(&[u8]) -> T) -> Result<T> {
        self.check_valid()?;
        Ok(f(node::key(&self.page, Kind::Leaf, self.idx)))
    }

    /// Calls `f` with the current key and value, borrowed from the leaf
    /// copy. A value stored inline costs no allocation and no page fetch;
    /// one that overflows is first read from its chain into a buffer.
    pub fn with_entry<T>(&self, f: impl FnOnce(&[u8], &[u8]) -> T) -> Result<T> {
        let (k, v) = self.entry_parts()?;
        Ok(f(k, &v))
    }

    /// The current key and value: the value borrowed from the leaf copy
    /// if it is all inline, else read from its overflow chain.
    fn entry_parts(&self) -> Result<(&[u8], Cow<'_, [u8]>)> {
        self.check_valid()?;
        let body = self.page.as_slice();
        let c = cell::leaf(node::cell_from(body, self.idx), body.len());
        Ok((c.key, whole_value(self.src, &c)?))
    }

    /// Calls `f` with each entry in key order, from the current one on,
    /// until `f` returns `Ok(false)` (the cursor then stays on that entry)
    /// or the tree ends (the cursor is then past the end). On a cursor
    /// that is not on an entry it calls nothing.
    ///
    /// This is [`with_entry`](Self::with_entry) and
    /// [`move_next`](Self::move_next) in one loop: the cells of a leaf
    /// are read one after the other out of the leaf copy, with the
    /// page's size limits worked out once per leaf, not once per entry.
    /// Crossing to the next leaf is [`move_next`](Self::move_next)'s
    /// crossing, with the same checks against a damaged sibling chain.
    ///
    /// ```
    /// use walnut_btree::{BTree, BTreeError, InsertMode};
    /// use walnut_pager::{Pager, PagerOptions, SimVfs};
    /// use std::sync::Arc;
    ///
    /// let pager = Pager::open_with_vfs(Arc::new(SimVfs::new(1)), "t.db", PagerOptions::default())?;
    /// let tx = pager.begin_write()?;
    /// let tree = BTree::create(&tx)?;
    /// for k in [b"a", b"b", b"c", b"d"] {
    ///     tree.insert(&tx, k, b"v", InsertMode::Reject)?;
    /// }
    /// let mut keys = Vec::new();
    /// let mut c = tree.cursor(&tx);
    /// c.seek_ge(b"b")?;
    /// c.walk_forward(|k, _| -> Result<bool, BTreeError> {
    ///     keys.push(k.to_vec());
    ///     Ok(k < b"c".as_slice())
    /// })?;
    /// assert_eq!(keys, [b"b".to_vec(), b"c".to_vec()]);
    /// assert_eq!(c.key()?, b"c", "the cursor stays where the walk stopped");
    /// # Ok::<(), walnut_btree::BTreeError>(())
    /// ```
    pub fn walk_forward<E: From<BTreeError>>(
        &mut self,
        mut f: impl FnMut(&[u8], &[u8]) -> std::result::Result<bool, E>,
    ) -> std::result::Result<(), E> {
        while self.valid {
            let body = self.page.as_slice();
            let layout = cell::Layout::new(body.len());
            let n = node::ncells(body);
            for idx in self.idx..n {
                let c = cell::leaf_in(node::cell_from(body, idx), &layout);
                if !f(c.key, &whole_value(self.src, &c)?)? {
                    self.idx = idx;
                    return Ok(());
                }
            }
            self.settle_forward(n)?;
        }
        Ok(())
    }

    fn check_valid(&self) -> Result<()> {
        if self.valid {
            Ok(())
        } else {
            Err(BTreeError::NoEntry)
        }
    }

    /// Fetches leaf `id` and copies its body: the cursor is then on it.
    fn load(&mut self, id: PageId) -> Result<()> {
        let p = self.src.page(id)?;
        if node_kind(id, p.page_type())? != Kind::Leaf {
            return Err(crate::error::corrupt(
                id,
                "expected a leaf (from a sibling link or a descent), found an interior node",
            ));
        }
        self.page.clear();
        self.page.extend_from_slice(p.body());
        self.leaf = id;
        Ok(())
    }

    /// Counts one crossing along a sibling link from `leaf`. Keys are
    /// checked at each crossing too, but a damaged leaf whose keys go down
    /// inside it could hide a cycle from that check; the count cannot be
    /// fooled.
    fn hop(&mut self, leaf: PageId) -> Result<()> {
        self.hops += 1;
        let max = match self.max_hops {
            Some(max) => max,
            None => {
                let max = u64::from(self.src.db_header()?.page_count);
                self.max_hops = Some(max);
                max
            }
        };
        if self.hops > max {
            return Err(too_many_hops(leaf, max));
        }
        Ok(())
    }

    /// Descends along the leftmost or rightmost children and lands on
    /// (copies) the leaf at the end.
    fn land_on_edge(&mut self, rightmost: bool) -> Result<()> {
        self.hops = 0;
        self.valid = false;
        let mut id = self.tree.root();
        for _ in 0..=MAX_DEPTH {
            let p = self.src.page(id)?;
            match node_kind(id, p.page_type())? {
                Kind::Leaf => {
                    self.page.clear();
                    self.page.extend_from_slice(p.body());
                    self.leaf = id;
                    return Ok(());
                }
                Kind::Interior => {
                    let slot = if rightmost { node::ncells(p.body()) } else { 0 };
                    id = node::child_at(p.body(), slot);
                }
            }
        }
        Err(crate::error::corrupt(
            self.tree.root(),
            "tree deeper than possible (cycle?)",
        ))
    }

    /// Lands on entry `idx` of the copied leaf, or the first entry after
    /// it along the siblings. Within the leaf this touches no page.
    ///
    /// Keys grow strictly from one leaf to the next; a sibling chain that
    /// goes back (a damaged link, or a cycle) is an error, not an endless
    /// scan.
    fn settle_forward(&mut self, mut idx: usize) -> Result<bool> {
        let mut left_behind: Option<Vec<u8>> = None;
        loop {
            let n = node::ncells(&self.page);
            if idx < n {
                if let Some(prev) = &left_behind
                    && node::key(&self.page, Kind::Leaf, idx) <= prev.as_slice()
                {
                    self.valid = false;
                    return Err(out_of_order(self.leaf, "right"));
                }
                (self.idx, self.valid) = (idx, true);
                return Ok(true);
            }
            if n > 0 {
                left_behind = Some(node::key(&self.page, Kind::Leaf, n - 1).to_vec());
            }
            let next = node::right(&self.page);
            self.valid = false;
            if next == 0 {
                return Ok(false);
            }
            self.hop(self.leaf)?;
            if next == self.leaf.wrapping_add(1)
                && self.hops >= READ_AHEAD_AFTER
                && (self.hops - READ_AHEAD_AFTER).is_multiple_of(READ_AHEAD as u64)
            {
                self.src.read_ahead(next, READ_AHEAD);
            }
            self.load(next)?;
            idx = 0;
        }
    }

    /// Lands on the entry just before `idx` in the copied leaf, along the
    /// siblings (the mirror of [`settle_forward`](Self::settle_forward)).
    fn settle_backward(&mut self, mut idx: usize) -> Result<bool> {
        let mut left_behind: Option<Vec<u8>> = None;
        loop {
            let n = node::ncells(&self.page);
            if idx > 0 && n > 0 {
                let at = (idx - 1).min(n - 1);
                if let Some(prev) = &left_behind
                    && node::key(&self.page, Kind::Leaf, at) >= prev.as_slice()
                {
                    self.valid = false;
                    return Err(out_of_order(self.leaf, "left"));
                }
                (self.idx, self.valid) = (at, true);
                return Ok(true);
            }
            if n > 0 {
                left_behind = Some(node::key(&self.page, Kind::Leaf, 0).to_vec());
            }
            let prev = node::left(&self.page);
            self.valid = false;
            if prev == 0 {
                return Ok(false);
            }
            self.hop(self.leaf)?;
            self.load(prev)?;
            idx = node::ncells(&self.page);
        }
    }
}

fn out_of_order(leaf: PageId, side: &str) -> crate::error::BTreeError {
    crate::error::corrupt(
        leaf,
        format!(
            "following {side}-sibling links, the keys go out of order at this leaf \
             (a damaged sibling link, or a cycle)"
        ),
    )
}

fn too_many_hops(leaf: PageId, pages: u64) -> crate::error::BTreeError {
    crate::error::corrupt(
        leaf,
        format!(
            "the leaf sibling chain crosses more leaves than the database's {pages} pages: \
             a cycle"
        ),
    )
}

/// Which way a range runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending keys.
    Forward,
    /// Descending keys.
    Backward,
}

/// An iterator over the entries of a key range.
#[derive(Debug)]
pub struct Range<'s, S: PageSource + ?Sized> {
    cursor: Cursor<'s, S>,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    direction: Direction,
    started: bool,
    done: bool,
}

impl BTree {
    /// A cursor over this tree.
    pub fn cursor<'s, S: PageSource + ?Sized>(&self, src: &'s S) -> Cursor<'s, S> {
        Cursor::new(*self, src)
    }

    /// The entries with keys between `lower` and `upper`, in `direction`.
    pub fn range<'s, S: PageSource + ?Sized>(
        &self,
        src: &'s S,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        direction: Direction,
    ) -> Range<'s, S> {
        Range {
            cursor: self.cursor(src),
            lower: lower.map(|b| b.to_vec()),
            upper: upper.map(|b| b.to_vec()),
            direction,
            started: false,
            done: false,
        }
    }

    /// Every entry, in key order.
    pub fn iter<'s, S: PageSource + ?Sized>(&self, src: &'s S) -> Result<Range<'s, S>> {
        Ok(self.range(src, Bound::Unbounded, Bound::Unbounded, Direction::Forward))
    }
}

impl<S: PageSource + ?Sized> Range<'_, S> {
    /// Moves to the next entry of the range. Returns whether there is one
    /// (the bound is checked on the key in place, nothing is copied).
    fn advance(&mut self) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        let c = &mut self.cursor;
        let on = if !self.started {
            self.started = true;
            match (self.direction, &self.lower, &self.upper) {
                (Direction::Forward, Bound::Included(k), _) => c.seek_ge(k)?,
                (Direction::Forward, Bound::Excluded(k), _) => c.seek_gt(k)?,
                (Direction::Forward, Bound::Unbounded, _) => c.first()?,
                (Direction::Backward, _, Bound::Included(k)) => c.seek_le(k)?,
                (Direction::Backward, _, Bound::Excluded(k)) => c.seek_lt(k)?,
                (Direction::Backward, _, Bound::Unbounded) => c.last()?,
            }
        } else {
            match self.direction {
                Direction::Forward => c.move_next()?,
                Direction::Backward => c.move_prev()?,
            }
        };
        if !on {
            self.done = true;
            return Ok(false);
        }
        let (direction, lower, upper) = (self.direction, &self.lower, &self.upper);
        let inside = c.with_key(|k| match direction {
            Direction::Forward => match upper {
                Bound::Included(u) => k <= u.as_slice(),
                Bound::Excluded(u) => k < u.as_slice(),
                Bound::Unbounded => true,
            },
            Direction::Backward => match lower {
                Bound::Included(l) => k >= l.as_slice(),
                Bound::Excluded(l) => k > l.as_slice(),
                Bound::Unbounded => true,
            },
        })?;
        if !inside {
            self.done = true;
        }
        Ok(inside)
    }

    /// The next entry, lent to `f` rather than copied (as
    /// [`Cursor::with_entry`]); `None` at the end of the range. The
    /// borrowing counterpart of [`Iterator::next`].
    pub fn next_with<T>(&mut self, f: impl FnOnce(&[u8], &[u8]) -> T) -> Option<Result<T>> {
        let got = match self.advance() {
            Ok(true) => self.cursor.with_entry(f).map(Some),
            Ok(false) => Ok(None),
            Err(e) => Err(e),
        };
        self.finish(got)
    }

    /// Ends the range at its first error.
    fn finish<T>(&mut self, got: Result<Option<T>>) -> Option<Result<T>> {
        match got {
            Ok(Some(t)) => Some(Ok(t)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl<S: PageSource + ?Sized> Iterator for Range<'_, S> {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let got = match self.advance() {
            Ok(true) => self.cursor.entry().map(Some),
            Ok(false) => Ok(None),
            Err(e) => Err(e),
        };
        self.finish(got)
    }
}
