//! Appending keys in increasing order without descending the tree for
//! each one.
//!
//! [`BTree::insert`] walks from the root to the leaf for every key: a page
//! fetch per level and a comparison or more in each. When keys arrive in
//! increasing order (building an index from sorted keys, loading a table
//! in key order), every one of them lands at the end of the same leaf, the
//! rightmost, until it is full. An [`Appender`] remembers that leaf between
//! calls, as SQLite's cursor does for an insert flagged `BTREE_APPEND`, and
//! inserts straight into it:
//!
//! ```text
//!   fast path   the remembered leaf is still a leaf with no right sibling,
//!               the key is greater than its last key, and the value needs
//!               no overflow page:
//!                 the cell fits   insert it as the leaf's last cell
//!                 it does not     start a new rightmost leaf with it (the
//!                                 leaf is not the root)
//!   otherwise   BTree::insert (the walk from the root, any split, which
//!               is an append split: see `tree`), then follow the right
//!               pointers down to the rightmost leaf and remember it
//! ```
//!
//! Starting a new leaf is the append split the general path would make
//! (`tree`'s "Appends split unevenly"), without copying the full leaf's
//! cells out and back: the full leaf keeps every cell, a new page gets the
//! new cell alone and becomes the leaf's right sibling, and its first key
//! (the new key) goes into the parent as their separator, the parent
//! splitting in turn if it must. The pages, their numbers and their cells
//! are the ones [`BTree::insert`] would leave.
//!
//! So the walk from the root happens once per leaf filled rather than once
//! per key. A key that is not greater than every key in the tree takes the
//! general path, with the same result as [`BTree::insert`]: an appender
//! is only ever faster, never different. [`Appender::insert_all`] keeps
//! the rightmost leaf open for writing from one key to the next, so a run
//! of appended keys costs no page fetch at all, only the copy of each cell
//! into the page.
//!
//! **The contract:** while an appender lives, the tree changes only
//! through it. Another insert or delete could split, merge or free the
//! remembered leaf; the checks above catch a split (the leaf gains a right
//! sibling) and a leaf freed (no longer a leaf page), but not a freed leaf
//! reused as the rightmost leaf of another tree. Holding the appender for
//! one bulk operation and nothing else, as `CREATE INDEX` does, keeps it.
//!
//! ## A hint that needs no contract
//!
//! A loop of single-row INSERT statements cannot hold an appender: other
//! statements may change the tree in between. [`BTree::insert_hinted`]
//! keeps a [`RightmostLeaf`] instead, a hint the caller stores between
//! calls (a prepared INSERT keeps one), and trusts it only under the write
//! transaction's *shape stamp* it was taken with
//! ([`WriteTxn::shape_stamp`]). The stamp changes whenever a page is freed,
//! the file shrinks or a savepoint is rolled back to, and is never the
//! same in two transactions; a page can become another tree's page, or
//! stop being this tree's rightmost leaf other than by splitting, only by
//! being freed (a merge or a root collapse frees it). So while the stamp
//! holds, the remembered page is still a page of this tree, and what its
//! own bytes say settles the rest:
//!
//! ```text
//!   hinted leaf, same tree, same stamp, still a leaf with no right
//!   sibling, key after its last key, value inline, cell fits in its gap
//!       -> the cell goes into the gap (the leaf opened with
//!          `page_mut_head`): no walk from the root at all
//!   the same, but the cell does not fit
//!       -> an appender holding that leaf starts the next rightmost leaf
//!          (above), which becomes the hint
//!   otherwise
//!       -> BTree::insert, which reports the leaf if the key was such an
//!          append (the next hint); a split leaves no hint, and the next
//!          insert walks once more to find the new rightmost leaf
//! ```
//!
//! The key goes where [`BTree::insert`] would put it, with the same bytes:
//! the hint only skips the walk.

use crate::cell::{self, Layout};
use crate::error::{Result, corrupt};
use crate::node::{self, Kind};
use crate::tree::{APPEND_HEAD, BTree, InsertMode, MAX_DEPTH, Step, node_kind};
use walnut_pager::{PageId, PageMut, PageType, WriteTxn};

/// Where a tree's rightmost leaf was, for [`BTree::insert_hinted`] (see
/// the module documentation): kept by the caller from one insert to the
/// next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RightmostLeaf {
    /// The write transaction's shape stamp when it was seen.
    stamp: u64,
    /// The tree.
    root: PageId,
    /// The leaf.
    leaf: PageId,
}

impl BTree {
    /// Inserts `key` -> `value` as [`BTree::insert`] does, and returns what
    /// it returns, straight into the leaf `hint` remembers if it can (see
    /// the module documentation); `hint` is left remembering where the
    /// next key in increasing order goes, if that is known.
    ///
    /// All or nothing: if it fails, the tree is as it was. (The append
    /// into the hinted leaf changes one page once every check has passed;
    /// anything else, which may change several pages, runs under
    /// [`WriteTxn::all_or_nothing`].) A caller whose statement writes
    /// nothing else needs no savepoint of its own for it.
    pub fn insert_hinted(
        &self,
        tx: &WriteTxn,
        key: &[u8],
        value: &[u8],
        mode: InsertMode,
        hint: &mut Option<RightmostLeaf>,
    ) -> Result<bool> {
        if let Some(h) = hint.take()
            && h.stamp == tx.shape_stamp()
            && h.root == self.root()
        {
            match self.append_to_hinted(tx, h.leaf, key, value)? {
                Hinted::Appended => {
                    *hint = Some(h);
                    return Ok(false);
                }
                // The leaf is full: an appender starts the next one (or
                // takes the general path, if the leaf is the root).
                Hinted::Full => {
                    let mut appender = self.appender(tx);
                    appender.leaf = Some(h.leaf);
                    let replaced = tx.all_or_nothing(|| appender.insert(key, value, mode))?;
                    *hint = appender.leaf.map(|leaf| RightmostLeaf {
                        stamp: tx.shape_stamp(),
                        root: self.root(),
                        leaf,
                    });
                    return Ok(replaced);
                }
                Hinted::No => {}
            }
        }
        let (replaced, leaf) = tx.all_or_nothing(|| self.insert_reporting(tx, key, value, mode))?;
        *hint = leaf.map(|leaf| RightmostLeaf {
            stamp: tx.shape_stamp(),
            root: self.root(),
            leaf,
        });
        Ok(replaced)
    }

    /// Appends the cell of `key` -> `value` to `leaf`, the tree's rightmost
    /// leaf at the hint's stamp, if it still is one with no right sibling,
    /// the key goes after its last key and the cell fits in its gap
    /// inline. Changes nothing if not, and says whether only the room was
    /// missing.
    fn append_to_hinted(
        &self,
        tx: &WriteTxn,
        leaf: PageId,
        key: &[u8],
        value: &[u8],
    ) -> Result<Hinted> {
        let mut p = tx.page_mut_head(leaf, APPEND_HEAD)?;
        if p.page_type() != Some(PageType::BTreeLeaf) || node::right(p.body()) != 0 {
            return Ok(Hinted::No);
        }
        let body = p.body();
        let layout = Layout::new(body.len());
        let n = node::ncells(body);
        if n == 0
            || key.len() > layout.max_key
            || cell::local_len(key.len(), value.len() as u64, &layout) < value.len()
            || node::search(body, Kind::Leaf, key) != Err(n)
        {
            return Ok(Hinted::No);
        }
        let len = cell::inline_leaf_cell_len(key, value);
        let appended = node::append_in_gap_with(p.body_mut(), len, |to| {
            cell::write_inline_leaf_cell(to, key, value)
        });
        Ok(if appended {
            Hinted::Appended
        } else {
            Hinted::Full
        })
    }
}

/// What became of an insert into a hinted leaf.
enum Hinted {
    /// The cell is in the leaf.
    Appended,
    /// The key belongs after the leaf's last, but the cell does not fit.
    Full,
    /// The hint does not apply.
    No,
}

/// Inserts into one tree, fast when keys arrive in increasing order (see
/// the module doc, and its contract: nothing else changes the tree while
/// the appender lives).
///
/// # Example
///
/// ```
/// use walnut_btree::{BTree, InsertMode};
/// use walnut_pager::{Pager, PagerOptions, SimVfs};
/// use std::sync::Arc;
///
/// let pager = Pager::open_with_vfs(Arc::new(SimVfs::new(1)), "t.db", PagerOptions::default())?;
/// let tx = pager.begin_write()?;
/// let tree = BTree::create(&tx)?;
/// let mut appender = tree.appender(&tx);
/// for k in 0u32..1000 {
///     appender.insert(&k.to_be_bytes(), b"v", InsertMode::Reject)?;
/// }
/// assert_eq!(tree.get(&tx, &999u32.to_be_bytes())?, Some(b"v".to_vec()));
/// # Ok::<(), walnut_btree::BTreeError>(())
/// ```
#[derive(Debug)]
pub struct Appender<'t> {
    tree: BTree,
    tx: &'t WriteTxn,
    /// The tree's rightmost leaf, once known.
    leaf: Option<PageId>,
    /// The cell being appended: one buffer, reused from key to key.
    cell: Vec<u8>,
}

/// What the fast path made of a key.
enum Fit {
    /// The cell is now the leaf's last.
    Appended,
    /// It belongs at the end, but the leaf is full (the cell is in
    /// `Appender::cell`).
    Full,
    /// Not an append: the general path decides.
    General,
}

impl BTree {
    /// An [`Appender`] for this tree in `tx`.
    pub fn appender(self, tx: &WriteTxn) -> Appender<'_> {
        Appender {
            tree: self,
            tx,
            leaf: None,
            cell: Vec::new(),
        }
    }
}

impl<'t> Appender<'t> {
    /// Inserts `key` -> `value` exactly as [`BTree::insert`] does, and
    /// returns what it returns.
    pub fn insert(&mut self, key: &[u8], value: &[u8], mode: InsertMode) -> Result<bool> {
        let mut held = None;
        self.insert_holding(&mut held, key, value, mode)
    }

    /// Inserts every `(key, value)` pair in turn, exactly as
    /// [`insert`](Self::insert) would one by one, stopping at the first
    /// error. Between two keys the rightmost leaf stays open for writing,
    /// so appended keys fetch no page; nothing else may read or write the
    /// tree's pages until this returns.
    pub fn insert_all<'k>(
        &mut self,
        entries: impl IntoIterator<Item = (&'k [u8], &'k [u8])>,
        mode: InsertMode,
    ) -> Result<()> {
        let mut held = None;
        for (key, value) in entries {
            self.insert_holding(&mut held, key, value, mode)?;
        }
        Ok(())
    }

    /// One insert; `held` is the remembered leaf if it is already open
    /// for writing (and is left open, or closed, for the next key).
    fn insert_holding(
        &mut self,
        held: &mut Option<PageMut<'t>>,
        key: &[u8],
        value: &[u8],
        mode: InsertMode,
    ) -> Result<bool> {
        if held.is_none()
            && let Some(leaf) = self.leaf
        {
            *held = self.open_leaf(leaf)?;
        }
        if let Some(p) = held.as_mut() {
            match self.append_to(p, key, value) {
                Fit::Appended => return Ok(false),
                Fit::Full => {
                    if self.start_leaf(held, key)? {
                        return Ok(false);
                    }
                }
                Fit::General => {}
            }
        }
        // Forgotten first, so that after an error the next call walks.
        *held = None;
        self.leaf = None;
        let replaced = self.tree.insert(self.tx, key, value, mode)?;
        self.leaf = Some(self.right_path(None)?.1);
        Ok(replaced)
    }

    /// The remembered leaf, open for writing, if it is still the tree's
    /// rightmost leaf as far as the page can tell (a leaf without a right
    /// sibling).
    fn open_leaf(&mut self, leaf: PageId) -> Result<Option<PageMut<'t>>> {
        let p = self.tx.page_mut(leaf)?;
        if Kind::of(p.page_type()) != Some(Kind::Leaf) || node::right(p.body()) != 0 {
            self.leaf = None;
            return Ok(None);
        }
        Ok(Some(p))
    }

    /// The fast path: puts the cell at the end of the open leaf `p` if the
    /// module doc's conditions hold (changing nothing if not).
    fn append_to(&mut self, p: &mut PageMut<'_>, key: &[u8], value: &[u8]) -> Fit {
        let body = p.body_mut();
        let n = node::ncells(body);
        if n == 0 || node::key(body, Kind::Leaf, n - 1) >= key {
            return Fit::General;
        }
        let layout = Layout::new(body.len());
        if key.len() > layout.max_key
            || cell::local_len(key.len(), value.len() as u64, &layout) < value.len()
        {
            return Fit::General;
        }
        self.cell.clear();
        cell::put_leaf_cell(&mut self.cell, key, value.len() as u64, value, 0);
        if node::insert_cell(body, Kind::Leaf, n, &self.cell) {
            Fit::Appended
        } else {
            Fit::Full
        }
    }

    /// The open leaf in `held` is full and the cell in `self.cell` (key
    /// `key`) belongs after its last: starts a new rightmost leaf with that
    /// cell alone, as the general path's append split would, and leaves
    /// the new leaf open in `held`. Returns false, changing nothing, if the
    /// leaf is the root (the general path splits the root) or not the
    /// rightmost leaf.
    fn start_leaf(&mut self, held: &mut Option<PageMut<'t>>, key: &[u8]) -> Result<bool> {
        let Some(leaf) = held.as_ref().map(|p| p.id()) else {
            return Ok(false);
        };
        let (path, rightmost) = self.right_path(Some(leaf))?;
        // (A leaf that is no longer the rightmost means the contract was
        // broken: the general path still inserts correctly.)
        let (Some(&(parent, slot)), true) = (path.last(), rightmost == leaf) else {
            return Ok(false);
        };
        // From here on the tree is mid-change: an error leaves it to the
        // transaction's rollback, and the next call to walk.
        self.leaf = None;
        let mut right = self.tx.allocate(PageType::BTreeLeaf)?;
        let right_id = right.id();
        node::init(right.body_mut());
        if !node::insert_cell(right.body_mut(), Kind::Leaf, 0, &self.cell) {
            return Err(corrupt(
                right_id,
                "one inline cell does not fit an empty leaf",
            ));
        }
        node::set_left(right.body_mut(), leaf);
        if let Some(l) = held.as_mut() {
            node::set_right(l.body_mut(), right_id);
        }
        // The full leaf is closed before its parent is written (one write
        // guard per page, and no reason to keep the leaf pinned).
        *held = None;
        {
            let mut pp = self.tx.page_mut(parent)?;
            node::set_child_at(pp.body_mut(), slot, right_id);
        }
        let separator = cell::interior_cell(leaf, key);
        self.tree.insert_at(
            self.tx,
            &path[..path.len() - 1],
            parent,
            Kind::Interior,
            slot,
            separator,
        )?;
        self.leaf = Some(right_id);
        *held = Some(right);
        Ok(true)
    }

    /// The walk along right pointers from the root: the interior steps
    /// (page, and the slot of its right pointer) and the leaf at the end.
    /// The walk stops at `open`, without reading it, if it comes to it:
    /// that is the leaf the caller holds open for writing.
    fn right_path(&self, open: Option<PageId>) -> Result<(Vec<Step>, PageId)> {
        let mut path = Vec::new();
        let mut id = self.tree.root();
        for _ in 0..=MAX_DEPTH {
            if Some(id) == open {
                return Ok((path, id));
            }
            let p = self.tx.page(id)?;
            match node_kind(id, p.page_type())? {
                Kind::Leaf => return Ok((path, id)),
                Kind::Interior => {
                    let child = node::right(p.body());
                    if child == 0 {
                        return Err(corrupt(id, "interior node without a right pointer"));
                    }
                    path.push((id, node::ncells(p.body())));
                    id = child;
                }
            }
        }
        Err(corrupt(
            self.tree.root(),
            "tree deeper than possible (cycle?)",
        ))
    }
}
