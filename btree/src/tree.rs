//! The B+Tree: lookup, insert with splits, delete with merges and
//! redistribution, and dropping a whole tree.
//!
//! ## Shape
//!
//! Leaves hold every key with its value and are linked to both siblings;
//! interior nodes hold separator keys and child pointers. The root page
//! never moves: when the root splits, its cells move to two new children
//! and the root becomes their parent; when the root is an interior node
//! left with a single child, that child's contents move up into the root.
//! So a tree is named, for ever, by its root page number.
//!
//! ## Insert
//!
//! Descend to the leaf, remembering the path (page and child slot at each
//! level). If the new cell fits, it goes in place. (A cell that goes after
//! the leaf's last cell and fits in the free gap before its content area,
//! the commonest insert of a bulk load, opens the leaf with
//! `WriteTxn::page_mut_head`: only the headers and free bytes change, so
//! a savepoint around the insert logs the headers, not a copy of the
//! page.) Otherwise the node's
//! cells plus the new one are split in two by bytes: the left half stays,
//! the right half moves to a new page, and a separator is inserted into the
//! parent: for leaves a copy of the right half's first key, for interior
//! nodes the middle cell itself moves up (its child becomes the left
//! node's right pointer). The parent may split in turn, up to the root.
//!
//! ## Appends split unevenly
//!
//! An even split is right for keys that arrive in any order: both halves
//! have room for what comes next. It is wrong for keys that arrive in
//! increasing order (rowids 1, 2, 3, ..., or a sorted index build): every
//! new key lands in the right half, the left half is never touched again,
//! and the tree ends with every page half full, twice the pages to store,
//! read and cache. So, like SQLite's "quick balance", a split is biased
//! when it looks like an append: the new cell goes after every cell of a
//! node that is the root or the rightmost child of its parent (its parent
//! reached it through the right pointer). Then the left node keeps all its
//! old cells, as full as it was, and the new right node starts with the new
//! cell alone:
//!
//! ```text
//!   even:    [ 1 2 3 4 5 6 ] + 7  ->  [ 1 2 3 ]     [ 4 5 6 7 ]
//!   append:  [ 1 2 3 4 5 6 ] + 7  ->  [ 1 2 3 4 5 6 ] [ 7 ]
//! ```
//!
//! The separator then goes to the end of the parent, which is itself an
//! append if the parent is a rightmost child, so interior nodes fill up the
//! same way (keeping all but one old cell: the last old cell moves up, and
//! the right node must keep at least one). A sequential load thus leaves
//! every page but the rightmost path full. If the guess is wrong (the next
//! key is smaller after all), nothing breaks: the nodes are valid, just a
//! full left node and a nearly empty right one, and the next split of the
//! full one is even. A tree needs no minimum fill for its invariants; fill
//! matters only to deletes, which rebalance a node that falls below a third
//! (below), and a node born nearly empty by an append is simply not
//! checked until something is deleted from it.
//!
//! ## Delete
//!
//! Remove the cell (freeing its overflow chain). A node left less than a
//! third full is rebalanced with a sibling under the same parent: if the
//! two fit in one page they are *merged* (the right page is freed and its
//! separator removed from the parent, which may then underflow in turn);
//! otherwise their cells are *redistributed* evenly and the parent's
//! separator is replaced. Emptied pages go back to the freelist, so a tree
//! whose keys are all deleted shrinks back to its root.
//!
//! A node between a third full and full is left as it is, like SQLite,
//! which balances a page only when it falls below about a third: deleting
//! every other key of a full tree leaves half-full leaves, not merged
//! ones, and costs no rebalancing at all.
//!
//! Many keys at once ([`BTree::delete_keys`], for a DELETE statement's
//! victims, collected in key order): one descent per leaf rather than per
//! key. The leaf of the first key is found as above, then the following
//! keys are removed from that same leaf as long as they fall inside it
//! (between its first and last key, so no other leaf can hold them); the
//! leaf is rebalanced once, if underfull, at the end of its run, and the
//! next key descends again. Every step is an ordinary page write of the
//! write transaction, as for a single delete.
//!
//! Entries chosen by a predicate ([`BTree::delete_where`], for a DELETE
//! that scans the whole table): one pass over the leaves in key order.
//! Each leaf is judged while only read, loses its doomed entries in one
//! write, and is rebalanced once if underfull. The next leaf is its right
//! sibling, reached through the same parent without a descent, unless the
//! leaf was rebalanced (which may have moved keys not yet judged into it,
//! or freed it) or was its parent's last child: then a descent to just past
//! the last key judged finds it. Every entry is judged once and each leaf
//! is read once.

use crate::cell::{self, Layout};
use crate::error::{BTreeError, Result, corrupt, printable_key};
use crate::node::{self, Kind};
use crate::overflow;
use crate::source::PageSource;
use walnut_pager::{PageId, PageType, WriteTxn};

/// Deepest tree walked before the structure is declared corrupt (a cycle).
pub(crate) const MAX_DEPTH: usize = 64;

/// What an append into a leaf's gap changes besides free bytes: the page
/// header and the node header (see [`node::append_in_gap`]).
pub(crate) const APPEND_HEAD: usize = walnut_pager::page::PAGE_HEADER_SIZE + node::NODE_HEADER;

/// What `insert` does when the key is already present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertMode {
    /// Replace the value.
    Upsert,
    /// Fail with [`BTreeError::DuplicateKey`].
    Reject,
}

/// A B+Tree, named by its root page.
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
/// tree.insert(&tx, b"apple", b"red", InsertMode::Reject)?;
/// tree.insert(&tx, b"banana", b"yellow", InsertMode::Reject)?;
/// tx.commit()?;
///
/// let rx = pager.begin_read()?;
/// assert_eq!(tree.get(&rx, b"banana")?, Some(b"yellow".to_vec()));
/// let keys: Vec<Vec<u8>> = tree.iter(&rx)?.map(|kv| kv.map(|(k, _)| k)).collect::<Result<_, _>>()?;
/// assert_eq!(keys, vec![b"apple".to_vec(), b"banana".to_vec()]);
/// # Ok::<(), walnut_btree::BTreeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BTree {
    root: PageId,
}

/// One step of a descent: an interior page and the child slot taken.
pub(crate) type Step = (PageId, usize);

impl BTree {
    /// Creates an empty tree (one empty leaf, its root).
    pub fn create(tx: &WriteTxn) -> Result<BTree> {
        let mut p = tx.allocate(PageType::BTreeLeaf)?;
        node::init(p.body_mut());
        Ok(BTree { root: p.id() })
    }

    /// The tree whose root is `root`.
    pub fn open(root: PageId) -> BTree {
        BTree { root }
    }

    /// The root page.
    pub fn root(&self) -> PageId {
        self.root
    }

    /// The size limits of this tree's pages.
    pub fn layout<S: PageSource + ?Sized>(&self, src: &S) -> Result<Layout> {
        Ok(Layout::new(src.page(self.root)?.body().len()))
    }

    /// Walks to the leaf that covers `key` and keeps it pinned, so a lookup
    /// reads the leaf once.
    pub(crate) fn leaf_for<'s, S: PageSource + ?Sized>(
        &self,
        src: &'s S,
        key: &[u8],
    ) -> Result<(PageId, walnut_pager::PageRef<'s>)> {
        self.walk(src, key, None)
    }

    /// [`leaf_for`](Self::leaf_for) for a walk that will go on to `end`:
    /// on the way down, the children whose keys start at or below `end`
    /// are read ahead in one go (at most `most`) if they are consecutive
    /// pages ([`PageSource::read_ahead`]). Above the leaves that is one
    /// child, and nothing is read; just above them it is the leaves of the
    /// range, the first one included.
    pub(crate) fn leaf_for_range<'s, S: PageSource + ?Sized>(
        &self,
        src: &'s S,
        key: &[u8],
        end: &[u8],
        most: usize,
    ) -> Result<(PageId, walnut_pager::PageRef<'s>)> {
        self.descend(src, key, None, Some((end, most)))
    }

    /// Walks from the root to the leaf that covers `key`, recording the
    /// interior steps (page and child slot) in `path` if asked, and returns
    /// the leaf, pinned.
    fn walk<'s, S: PageSource + ?Sized>(
        &self,
        src: &'s S,
        key: &[u8],
        path: Option<&mut Vec<Step>>,
    ) -> Result<(PageId, walnut_pager::PageRef<'s>)> {
        self.descend(src, key, path, None)
    }

    /// [`walk`](Self::walk), reading ahead towards `ahead`'s key if given
    /// (see [`leaf_for_range`](Self::leaf_for_range)).
    fn descend<'s, S: PageSource + ?Sized>(
        &self,
        src: &'s S,
        key: &[u8],
        mut path: Option<&mut Vec<Step>>,
        ahead: Option<(&[u8], usize)>,
    ) -> Result<(PageId, walnut_pager::PageRef<'s>)> {
        let mut id = self.root;
        for _ in 0..=MAX_DEPTH {
            let p = src.page(id)?;
            match node_kind(id, p.page_type())? {
                Kind::Leaf => return Ok((id, p)),
                Kind::Interior => {
                    let slot = node::child_slot(p.body(), key);
                    let child = node::child_at(p.body(), slot);
                    if let Some(path) = path.as_deref_mut() {
                        path.push((id, slot));
                    }
                    if let Some((end, most)) = ahead {
                        let run = consecutive_children_to(p.body(), slot, end, most);
                        // The node's guard goes first: reading ahead takes
                        // the pool latch and evicts frames, as a fetch of
                        // the child would.
                        drop(p);
                        if run >= 2 {
                            src.read_ahead(child, run);
                        }
                    }
                    if child == 0 {
                        return Err(corrupt(
                            id,
                            format!("bad child pointer {child} at slot {slot}"),
                        ));
                    }
                    id = child;
                }
            }
        }
        Err(corrupt(self.root, "tree deeper than possible (cycle?)"))
    }

    /// The value stored under `key`.
    pub fn get<S: PageSource + ?Sized>(&self, src: &S, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let (_, p) = self.leaf_for(src, key)?;
        match node::search(p.body(), Kind::Leaf, key) {
            Ok(i) => {
                let c = cell::leaf(node::cell_from(p.body(), i), p.body().len());
                Ok(Some(read_value(src, &c)?))
            }
            Err(_) => Ok(None),
        }
    }

    /// Calls `f` with the value stored under `key`, if any, lent from the
    /// leaf page while it is held (no copy unless the value overflows,
    /// when it is first read from its chain into a buffer).
    ///
    /// ```
    /// # use walnut_btree::{BTree, InsertMode};
    /// # use walnut_pager::{Pager, PagerOptions, SimVfs};
    /// # use std::sync::Arc;
    /// # let pager = Pager::open_with_vfs(Arc::new(SimVfs::new(1)), "t.db", PagerOptions::default())?;
    /// # let tx = pager.begin_write()?;
    /// let tree = BTree::create(&tx)?;
    /// tree.insert(&tx, b"k", b"value", InsertMode::Reject)?;
    /// assert_eq!(tree.get_with(&tx, b"k", |v| v.len())?, Some(5));
    /// assert_eq!(tree.get_with(&tx, b"x", |v| v.len())?, None);
    /// # Ok::<(), walnut_btree::BTreeError>(())
    /// ```
    pub fn get_with<S: PageSource + ?Sized, T>(
        &self,
        src: &S,
        key: &[u8],
        f: impl FnOnce(&[u8]) -> T,
    ) -> Result<Option<T>> {
        let (_, p) = self.leaf_for(src, key)?;
        let Ok(i) = node::search(p.body(), Kind::Leaf, key) else {
            return Ok(None);
        };
        let c = cell::leaf(node::cell_from(p.body(), i), p.body().len());
        if c.overflow == 0 && c.local.len() as u64 == c.value_len {
            return Ok(Some(f(c.local)));
        }
        Ok(Some(f(&read_value(src, &c)?)))
    }

    /// Whether `key` is present.
    pub fn contains<S: PageSource + ?Sized>(&self, src: &S, key: &[u8]) -> Result<bool> {
        let (_, p) = self.leaf_for(src, key)?;
        Ok(node::search(p.body(), Kind::Leaf, key).is_ok())
    }

    /// Inserts `key` -> `value`. Returns whether an existing value was
    /// replaced (only possible with [`InsertMode::Upsert`]).
    pub fn insert(
        &self,
        tx: &WriteTxn,
        key: &[u8],
        value: &[u8],
        mode: InsertMode,
    ) -> Result<bool> {
        self.insert_reporting(tx, key, value, mode)
            .map(|(replaced, _)| replaced)
    }

    /// [`insert`](BTree::insert), also returning the leaf the key was
    /// appended to if it went after the last cell of the tree's rightmost
    /// leaf (no right sibling) without a split: where the next key in
    /// increasing order goes too.
    pub(crate) fn insert_reporting(
        &self,
        tx: &WriteTxn,
        key: &[u8],
        value: &[u8],
        mode: InsertMode,
    ) -> Result<(bool, Option<PageId>)> {
        // One walk, keeping the leaf; its size gives the layout (every page
        // of a file has the same size).
        let mut path = Vec::new();
        let (leaf, p) = self.walk(tx, key, Some(&mut path))?;
        let layout = Layout::new(p.body().len());
        if key.len() > layout.max_key {
            return Err(BTreeError::KeyTooLarge {
                len: key.len(),
                max: layout.max_key,
                page_size: layout.body_len + walnut_pager::page::PAGE_HEADER_SIZE,
            });
        }
        let (i, old_overflow, old_len) = match node::search(p.body(), Kind::Leaf, key) {
            Ok(i) => {
                let c = cell::leaf(node::cell_from(p.body(), i), p.body().len());
                (i, c.overflow, c.value_len)
            }
            Err(i) => {
                // After the last cell, in the gap: an append (see
                // `insert_new`).
                let gap = if i == node::ncells(p.body()) {
                    node::gap(p.body())
                } else {
                    0
                };
                let rightmost = node::right(p.body()) == 0;
                drop(p);
                let appended = self.insert_new(tx, &path, leaf, i, key, value, &layout, gap)?;
                return Ok((false, (appended && rightmost).then_some(leaf)));
            }
        };
        drop(p);
        if mode == InsertMode::Reject {
            return Err(BTreeError::DuplicateKey {
                key: printable_key(key),
            });
        }
        if old_overflow != 0 {
            overflow::free_chain(tx, old_overflow, old_len, layout.overflow_data)?;
        }
        {
            let mut p = tx.page_mut(leaf)?;
            node::remove_cell(p.body_mut(), Kind::Leaf, i);
        }
        self.insert_new(tx, &path, leaf, i, key, value, &layout, 0)?;
        Ok((true, None))
    }

    /// Inserts a new cell for `key` at index `i` of `leaf`. `gap` is the
    /// leaf's [`node::gap`] if `i` is after its last cell (else 0): a cell
    /// that fits there is appended with the leaf opened by
    /// [`WriteTxn::page_mut_head`], so that the statement's savepoint logs
    /// only the page and node headers rather than copying the whole leaf
    /// (only they and free bytes change). Anything else takes
    /// [`insert_at`](BTree::insert_at). Returns whether the cell was so
    /// appended.
    #[allow(clippy::too_many_arguments)]
    fn insert_new(
        &self,
        tx: &WriteTxn,
        path: &[Step],
        leaf: PageId,
        i: usize,
        key: &[u8],
        value: &[u8],
        layout: &Layout,
        gap: usize,
    ) -> Result<bool> {
        let local = cell::local_len(key.len(), value.len() as u64, layout);
        let overflow = if local < value.len() {
            overflow::write_chain(tx, &value[local..], layout.overflow_data)?
        } else {
            0
        };
        let c = cell::leaf_cell(key, value.len() as u64, &value[..local], overflow);
        if c.len() + 2 <= gap {
            let appended = {
                let mut p = tx.page_mut_head(leaf, APPEND_HEAD)?;
                node::append_in_gap(p.body_mut(), &c)
            };
            if appended {
                return Ok(true);
            }
        }
        self.insert_at(tx, path, leaf, Kind::Leaf, i, c)?;
        Ok(false)
    }

    /// Inserts cell `c` at index `i` of node `id` (whose ancestors are
    /// `path`), splitting upwards as needed.
    pub(crate) fn insert_at(
        &self,
        tx: &WriteTxn,
        path: &[Step],
        id: PageId,
        kind: Kind,
        i: usize,
        c: Vec<u8>,
    ) -> Result<()> {
        let (mut id, mut kind, mut i, mut c) = (id, kind, i, c);
        let mut depth = path.len();
        loop {
            let mut p = tx.page_mut(id)?;
            if node::insert_cell(p.body_mut(), kind, i, &c) {
                return Ok(());
            }
            let mut cells = node::cells(p.body(), kind);
            let (right, left) = (node::right(p.body()), node::left(p.body()));
            // An append: the new cell goes after every cell of a node that
            // is the root or its parent's rightmost child. (The node is
            // released while the parent is read: one page guard at a time.)
            drop(p);
            let bias = if i == cells.len() && self.is_rightmost_child(tx, path, depth)? {
                Bias::Append
            } else {
                Bias::Even
            };
            cells.insert(i, c);
            let split = split_cells(kind, cells, id, bias)?;
            let mut p = tx.page_mut(id)?;
            if depth == 0 {
                // The root splits into two new children and stays the root.
                let mut a = tx.allocate(kind.page_type())?;
                let mut b = tx.allocate(kind.page_type())?;
                let (a_id, b_id) = (a.id(), b.id());
                write_node(a.body_mut(), kind, &split.left, id)?;
                write_node(b.body_mut(), kind, &split.right, id)?;
                match kind {
                    Kind::Leaf => {
                        node::set_right(a.body_mut(), b_id);
                        node::set_left(b.body_mut(), a_id);
                    }
                    Kind::Interior => {
                        node::set_right(a.body_mut(), split.middle_child);
                        node::set_right(b.body_mut(), right);
                    }
                }
                p.set_page_type(PageType::BTreeInterior);
                write_node(
                    p.body_mut(),
                    Kind::Interior,
                    &[cell::interior_cell(a_id, &split.separator)],
                    id,
                )?;
                node::set_right(p.body_mut(), b_id);
                return Ok(());
            }
            let mut r = tx.allocate(kind.page_type())?;
            let r_id = r.id();
            write_node(p.body_mut(), kind, &split.left, id)?;
            write_node(r.body_mut(), kind, &split.right, id)?;
            match kind {
                Kind::Leaf => {
                    node::set_left(p.body_mut(), left);
                    node::set_right(p.body_mut(), r_id);
                    node::set_left(r.body_mut(), id);
                    node::set_right(r.body_mut(), right);
                }
                Kind::Interior => {
                    node::set_right(p.body_mut(), split.middle_child);
                    node::set_right(r.body_mut(), right);
                }
            }
            drop(p);
            drop(r);
            if kind == Kind::Leaf && right != 0 {
                let mut s = tx.page_mut(right)?;
                node::set_left(s.body_mut(), r_id);
            }
            let (parent, slot) = path[depth - 1];
            {
                let mut pp = tx.page_mut(parent)?;
                node::set_child_at(pp.body_mut(), slot, r_id);
            }
            c = cell::interior_cell(id, &split.separator);
            i = slot;
            id = parent;
            kind = Kind::Interior;
            depth -= 1;
        }
    }

    /// Whether the node reached by `path[..depth]` is the root or the
    /// right-pointer child of its parent.
    fn is_rightmost_child(&self, tx: &WriteTxn, path: &[Step], depth: usize) -> Result<bool> {
        match depth.checked_sub(1).and_then(|d| path.get(d)) {
            None => Ok(true),
            Some(&(parent, slot)) => Ok(slot == node::ncells(tx.page(parent)?.body())),
        }
    }

    /// Removes `key`. Returns whether it was present.
    pub fn delete(&self, tx: &WriteTxn, key: &[u8]) -> Result<bool> {
        let mut path = Vec::new();
        let (leaf, p) = self.walk(tx, key, Some(&mut path))?;
        let layout = Layout::new(p.body().len());
        let (i, c_overflow, c_len) = match node::search(p.body(), Kind::Leaf, key) {
            Ok(i) => {
                let c = cell::leaf(node::cell_from(p.body(), i), p.body().len());
                (i, c.overflow, c.value_len)
            }
            Err(_) => return Ok(false),
        };
        drop(p);
        if c_overflow != 0 {
            overflow::free_chain(tx, c_overflow, c_len, layout.overflow_data)?;
        }
        let underfull = {
            let mut p = tx.page_mut(leaf)?;
            node::remove_cell(p.body_mut(), Kind::Leaf, i);
            is_underfull(p.body())
        };
        if underfull {
            self.rebalance(tx, &path, leaf, Kind::Leaf)?;
        }
        Ok(true)
    }

    /// Removes every key of `keys` that is present. Returns how many were.
    ///
    /// The same as calling [`delete`](Self::delete) for each key, in
    /// fewer steps when the keys come in ascending order (sorted, as a
    /// DELETE collects its victims): one descent finds the leaf of a key,
    /// and the keys after it that this leaf holds are removed from it on
    /// the spot, without descending again; the leaf is rebalanced, if it is
    /// left underfull, once for the whole run. A run ends at the first key
    /// the leaf cannot settle: one beyond its first or last key, which may
    /// belong to a neighbour (keys in any other order are still all
    /// deleted, just with more descents).
    pub fn delete_keys<K: AsRef<[u8]>>(&self, tx: &WriteTxn, keys: &[K]) -> Result<u64> {
        let mut deleted = 0;
        let mut rest = keys;
        let mut path = Vec::new();
        let mut chains = Vec::new();
        while let Some(first) = rest.first() {
            path.clear();
            let (leaf, p) = self.walk(tx, first.as_ref(), Some(&mut path))?;
            if node::search(p.body(), Kind::Leaf, first.as_ref()).is_err() {
                // Absent: the walk leads to the only leaf that could hold it.
                rest = &rest[1..];
                continue;
            }
            drop(p);
            let layout;
            let underfull = {
                let mut p = tx.page_mut(leaf)?;
                let body = p.body_mut();
                layout = Layout::new(body.len());
                let mut taken = 0;
                for k in rest {
                    let k = k.as_ref();
                    match node::search(body, Kind::Leaf, k) {
                        Ok(i) => {
                            let c = cell::leaf(node::cell_from(body, i), body.len());
                            if c.overflow != 0 {
                                chains.push((c.overflow, c.value_len));
                            }
                            node::remove_cell(body, Kind::Leaf, i);
                            deleted += 1;
                        }
                        // Between two keys of this leaf: absent from the tree.
                        Err(i) if i > 0 && i < node::ncells(body) => {}
                        // Before the first key or after the last: perhaps a
                        // neighbour's; the next descent decides.
                        Err(_) => break,
                    }
                    taken += 1;
                }
                // (The first key is present, so at least it is taken.)
                rest = &rest[taken.max(1)..];
                is_underfull(body)
            };
            for (head, len) in chains.drain(..) {
                overflow::free_chain(tx, head, len, layout.overflow_data)?;
            }
            if underfull {
                self.rebalance(tx, &path, leaf, Kind::Leaf)?;
            }
        }
        Ok(deleted)
    }

    /// Removes every entry for which `doomed(key, value)` says so, and
    /// returns how many it removed. Every entry present when the call
    /// begins is judged exactly once, in key order (`doomed` sees the
    /// whole value, overflow included). Its first error stops the walk and
    /// is returned; the leaves walked before have already lost their doomed
    /// entries (the caller's transaction or savepoint undoes that).
    ///
    /// One pass, a leaf at a time: the leaf's entries are judged while it
    /// is only read, then those doomed are removed together, and the leaf
    /// is rebalanced once if that left it underfull. A DELETE of many rows
    /// thus reads each leaf once and writes it at most once, where
    /// collecting keys and then [`delete_keys`](Self::delete_keys) reads
    /// each leaf twice (a table larger than the pool, twice from disk).
    /// `doomed` must not change the tree; it may read it (the leaf being
    /// judged is held for reading only). On a damaged tree every key judged
    /// must still follow the one judged before it: keys out of order, or a
    /// sibling link leading back, are a corruption error, never an entry
    /// judged twice or a walk without end.
    pub fn delete_where<E, F>(&self, tx: &WriteTxn, mut doomed: F) -> std::result::Result<u64, E>
    where
        E: From<BTreeError>,
        F: FnMut(&[u8], &[u8]) -> std::result::Result<bool, E>,
    {
        /// Where the next leaf's judging starts.
        enum Resume {
            /// At the first key of the tree.
            Start,
            /// At this key (the first of a leaf reached by a right link).
            AtKey(Vec<u8>),
            /// Just after the last key judged.
            AfterJudged,
            /// At the first entry of this leaf, the right sibling of the one
            /// just judged under the same parent (`path` leads to it).
            Next(PageId),
        }
        let mut deleted = 0;
        let mut from = Resume::Start;
        let mut path = Vec::new();
        let mut victims = Vec::new();
        let mut hops = 0u64;
        // The last key judged.
        let mut judged: Option<Vec<u8>> = None;
        loop {
            let (leaf, p) = match &from {
                Resume::Next(id) => {
                    let id = *id;
                    let p = tx.page(id).map_err(BTreeError::from)?;
                    if node_kind(id, p.page_type())? != Kind::Leaf {
                        return Err(corrupt(id, "a leaf's right sibling is not a leaf").into());
                    }
                    (id, p)
                }
                Resume::Start => {
                    path.clear();
                    self.walk(tx, &[], Some(&mut path))?
                }
                Resume::AtKey(k) => {
                    path.clear();
                    self.walk(tx, k, Some(&mut path))?
                }
                Resume::AfterJudged => {
                    path.clear();
                    self.walk(tx, judged.as_deref().unwrap_or_default(), Some(&mut path))?
                }
            };
            let body = p.body();
            let n = node::ncells(body);
            let start = match &from {
                Resume::Start | Resume::Next(_) => 0,
                Resume::AtKey(k) => node::search(body, Kind::Leaf, k).unwrap_or_else(|i| i),
                Resume::AfterJudged => {
                    match node::search(body, Kind::Leaf, judged.as_deref().unwrap_or_default()) {
                        Ok(i) => i + 1,
                        Err(i) => i,
                    }
                }
            };
            if start >= n {
                // Nothing left here: on to the first key of the next
                // non-empty leaf to the right, if any.
                let mut right = node::right(body);
                drop(p);
                loop {
                    if right == 0 {
                        return Ok(deleted);
                    }
                    hops += 1;
                    if hops > u64::from(tx.page_count()) {
                        return Err(
                            corrupt(right, "the leaves' right pointers form a cycle").into()
                        );
                    }
                    let r = tx.page(right).map_err(BTreeError::from)?;
                    if node_kind(right, r.page_type())? != Kind::Leaf {
                        return Err(corrupt(right, "a leaf's right sibling is not a leaf").into());
                    }
                    if node::ncells(r.body()) > 0 {
                        let first = node::key(r.body(), Kind::Leaf, 0);
                        if judged.as_deref().is_some_and(|j| first <= j) {
                            // Going on would judge entries a second time.
                            return Err(corrupt(
                                right,
                                "a leaf's right sibling starts with a key not after its own",
                            )
                            .into());
                        }
                        from = Resume::AtKey(first.to_vec());
                        break;
                    }
                    right = node::right(r.body());
                }
                continue;
            }
            victims.clear();
            // Every key judged must follow the one judged before it: on a
            // damaged tree (keys out of order, a separator that leads back)
            // the walk would otherwise judge entries twice, or never end.
            let mut before = judged.as_deref();
            for i in start..n {
                let c = cell::leaf(node::cell(body, Kind::Leaf, i), body.len());
                if before.is_some_and(|b| !follows(c.key, b)) {
                    return Err(corrupt(leaf, "its keys are out of order with the tree's").into());
                }
                before = Some(c.key);
                let long_value;
                let value = if (c.local.len() as u64) < c.value_len {
                    long_value = read_value(tx, &c)?;
                    &long_value[..]
                } else {
                    c.local
                };
                if doomed(c.key, value)? {
                    victims.push(i);
                }
            }
            let last = node::key(body, Kind::Leaf, n - 1).to_vec();
            let right = node::right(body);
            drop(p);
            judged = Some(last);
            let rebalanced =
                !victims.is_empty() && self.remove_victims(tx, &path, leaf, &victims)?;
            deleted += victims.len() as u64;
            // Unless a rebalance moved keys, the next keys are the right
            // sibling's; under the same parent its path is this one's with
            // the next slot, and no descent is needed to find it.
            from = Resume::AfterJudged;
            if !rebalanced
                && right != 0
                && let Some(&(parent, slot)) = path.last()
            {
                let next_is_right = {
                    let pp = tx.page(parent).map_err(BTreeError::from)?;
                    slot < node::ncells(pp.body()) && node::child_at(pp.body(), slot + 1) == right
                };
                if next_is_right {
                    hops += 1;
                    if hops > u64::from(tx.page_count()) {
                        return Err(
                            corrupt(right, "the leaves' right pointers form a cycle").into()
                        );
                    }
                    if let Some(step) = path.last_mut() {
                        step.1 = slot + 1;
                    }
                    from = Resume::Next(right);
                }
            }
        }
    }

    /// Removes cells `victims` (indexes, ascending) of `leaf` (reached by
    /// `path`) and frees their overflow chains; rebalances the leaf if that
    /// left it underfull, and says whether it did.
    fn remove_victims(
        &self,
        tx: &WriteTxn,
        path: &[Step],
        leaf: PageId,
        victims: &[usize],
    ) -> Result<bool> {
        let mut chains = Vec::new();
        let layout;
        let underfull = {
            let mut p = tx.page_mut(leaf)?;
            let body = p.body_mut();
            layout = Layout::new(body.len());
            // From the last, so that the earlier indexes stay valid.
            for &i in victims.iter().rev() {
                let c = cell::leaf(node::cell(body, Kind::Leaf, i), body.len());
                if c.overflow != 0 {
                    chains.push((c.overflow, c.value_len));
                }
                node::remove_cell(body, Kind::Leaf, i);
            }
            is_underfull(body)
        };
        for (head, len) in chains.drain(..) {
            overflow::free_chain(tx, head, len, layout.overflow_data)?;
        }
        if underfull {
            self.rebalance(tx, path, leaf, Kind::Leaf)?;
        }
        Ok(underfull)
    }

    /// Restores the fill invariant at node `id` after a removal, merging or
    /// redistributing with a sibling, and collapsing the root.
    fn rebalance(&self, tx: &WriteTxn, path: &[Step], id: PageId, kind: Kind) -> Result<()> {
        let (mut id, mut kind, mut depth) = (id, kind, path.len());
        loop {
            if depth == 0 {
                return self.collapse_root(tx);
            }
            if !is_underfull(tx.page(id)?.body()) {
                return Ok(());
            }
            let (parent, slot) = path[depth - 1];
            let (n, left_id, right_id, sep_idx) = {
                let pp = tx.page(parent)?;
                let body = pp.body();
                let n = node::ncells(body);
                if n == 0 {
                    (0, 0, 0, 0)
                } else if slot < n {
                    (n, id, node::child_at(body, slot + 1), slot)
                } else {
                    (n, node::child_at(body, slot - 1), id, slot - 1)
                }
            };
            if n == 0 {
                // A parent with a single child: only the root can be that
                // way, and collapsing it is the fix.
                id = parent;
                kind = Kind::Interior;
                depth -= 1;
                continue;
            }
            let sep_key = node::key(tx.page(parent)?.body(), Kind::Interior, sep_idx).to_vec();
            let (lc, l_right, l_left) = {
                let l = tx.page(left_id)?;
                (
                    node::cells(l.body(), kind),
                    node::right(l.body()),
                    node::left(l.body()),
                )
            };
            let (rc, r_right) = {
                let r = tx.page(right_id)?;
                (node::cells(r.body(), kind), node::right(r.body()))
            };
            let body_len = tx.page(left_id)?.body().len();
            let mut combined = lc;
            if kind == Kind::Interior {
                combined.push(cell::interior_cell(l_right, &sep_key));
            }
            combined.extend(rc);

            if node::fits(body_len, &combined) {
                {
                    let mut l = tx.page_mut(left_id)?;
                    write_node(l.body_mut(), kind, &combined, left_id)?;
                    node::set_right(l.body_mut(), r_right);
                    if kind == Kind::Leaf {
                        node::set_left(l.body_mut(), l_left);
                    }
                }
                if kind == Kind::Leaf && r_right != 0 {
                    let mut s = tx.page_mut(r_right)?;
                    node::set_left(s.body_mut(), left_id);
                }
                tx.free(right_id)?;
                {
                    let mut pp = tx.page_mut(parent)?;
                    node::remove_cell(pp.body_mut(), Kind::Interior, sep_idx);
                    node::set_child_at(pp.body_mut(), sep_idx, left_id);
                }
                id = parent;
                kind = Kind::Interior;
                depth -= 1;
                continue;
            }

            let split = split_cells(kind, combined, left_id, Bias::Even)?;
            {
                let mut l = tx.page_mut(left_id)?;
                write_node(l.body_mut(), kind, &split.left, left_id)?;
                match kind {
                    Kind::Leaf => {
                        node::set_left(l.body_mut(), l_left);
                        node::set_right(l.body_mut(), right_id);
                    }
                    Kind::Interior => node::set_right(l.body_mut(), split.middle_child),
                }
            }
            {
                let mut r = tx.page_mut(right_id)?;
                write_node(r.body_mut(), kind, &split.right, right_id)?;
                node::set_right(r.body_mut(), r_right);
                if kind == Kind::Leaf {
                    node::set_left(r.body_mut(), left_id);
                }
            }
            let new_sep = cell::interior_cell(left_id, &split.separator);
            let fitted = {
                let mut pp = tx.page_mut(parent)?;
                node::remove_cell(pp.body_mut(), Kind::Interior, sep_idx);
                node::insert_cell(pp.body_mut(), Kind::Interior, sep_idx, &new_sep)
            };
            if !fitted {
                // A longer separator overflowed the parent: split it.
                self.insert_at(
                    tx,
                    &path[..depth - 1],
                    parent,
                    Kind::Interior,
                    sep_idx,
                    new_sep,
                )?;
            }
            return Ok(());
        }
    }

    /// An interior root with no cells hands its only child's contents up.
    fn collapse_root(&self, tx: &WriteTxn) -> Result<()> {
        loop {
            let child = {
                let r = tx.page(self.root)?;
                if Kind::of(r.page_type()) != Some(Kind::Interior) || node::ncells(r.body()) > 0 {
                    return Ok(());
                }
                node::right(r.body())
            };
            if child == 0 || child == self.root {
                return Err(corrupt(self.root, "interior root without a child"));
            }
            let (image, t) = {
                let c = tx.page(child)?;
                (c.body().to_vec(), c.page_type())
            };
            {
                let mut r = tx.page_mut(self.root)?;
                if let Some(t) = t {
                    r.set_page_type(t);
                }
                r.body_mut().copy_from_slice(&image);
                if Kind::of(t) == Some(Kind::Leaf) {
                    node::set_left(r.body_mut(), 0);
                    node::set_right(r.body_mut(), 0);
                }
            }
            tx.free(child)?;
        }
    }

    /// Frees every page of the tree (overflow chains included), root too.
    pub fn destroy(self, tx: &WriteTxn) -> Result<()> {
        let layout = self.layout(tx)?;
        let mut stack = vec![(self.root, 0usize)];
        while let Some((id, depth)) = stack.pop() {
            if depth > MAX_DEPTH {
                return Err(corrupt(id, "tree deeper than possible (cycle?)"));
            }
            let mut chains = Vec::new();
            {
                let p = tx.page(id)?;
                let body = p.body();
                match node_kind(id, p.page_type())? {
                    Kind::Interior => {
                        for slot in 0..=node::ncells(body) {
                            stack.push((node::child_at(body, slot), depth + 1));
                        }
                    }
                    Kind::Leaf => {
                        for i in 0..node::ncells(body) {
                            let c = cell::leaf(node::cell_from(body, i), body.len());
                            if c.overflow != 0 {
                                chains.push((c.overflow, c.value_len));
                            }
                        }
                    }
                }
            }
            for (head, len) in chains {
                overflow::free_chain(tx, head, len, layout.overflow_data)?;
            }
            tx.free(id)?;
        }
        Ok(())
    }
}

/// How many children of an interior node, from the one at `slot` on,
/// hold keys that start at or below `end` and are consecutive pages (at
/// most `most`): what a walk from `slot` to `end` will read, if it reads
/// them in page order.
fn consecutive_children_to(body: &[u8], slot: usize, end: &[u8], most: usize) -> usize {
    let child = node::child_at(body, slot);
    let mut run = 1;
    while run < most
        && slot + run <= node::ncells(body)
        && node::key_cmp(node::key(body, Kind::Interior, slot + run - 1), end).is_le()
        && node::child_at(body, slot + run) == child.wrapping_add(run as PageId)
    {
        run += 1;
    }
    run
}

/// The node kind of a page, or a corruption error.
pub(crate) fn node_kind(id: PageId, t: Option<PageType>) -> Result<Kind> {
    Kind::of(t).ok_or_else(|| {
        corrupt(
            id,
            format!(
                "expected a tree page, found {}",
                t.map_or("an unknown type", PageType::name)
            ),
        )
    })
}

/// The full value of a leaf cell, following its overflow chain.
pub(crate) fn read_value<S: PageSource + ?Sized>(
    src: &S,
    c: &cell::LeafCell<'_>,
) -> Result<Vec<u8>> {
    let mut v = Vec::with_capacity(c.value_len.min(1 << 30) as usize);
    v.extend_from_slice(c.local);
    if (v.len() as u64) < c.value_len {
        overflow::read_chain(src, c.overflow, c.value_len, &mut v)?;
    }
    Ok(v)
}

/// Whether `key` sorts after `prev` (memcmp order): for two 8-byte keys,
/// a table's rowids, one integer comparison instead of a call to `memcmp`
/// (this runs once per entry of a DELETE's walk).
fn follows(key: &[u8], prev: &[u8]) -> bool {
    match (<[u8; 8]>::try_from(key), <[u8; 8]>::try_from(prev)) {
        (Ok(k), Ok(p)) => u64::from_be_bytes(k) > u64::from_be_bytes(p),
        _ => key > prev,
    }
}

fn is_underfull(body: &[u8]) -> bool {
    node::used_space(body) < node::capacity(body.len()) / 3
}

/// Where a full node splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bias {
    /// Two halves of about equal bytes: the general case, and the
    /// redistribution after a delete.
    Even,
    /// The new cell was appended to the rightmost node: the left node
    /// keeps every old cell (it stays as full as it was) and the right node
    /// starts with the new cell alone. Interior nodes keep one cell fewer,
    /// because one old cell moves up and the right node must keep a cell.
    Append,
}

/// A node's cells divided in two.
struct Split {
    left: Vec<Vec<u8>>,
    right: Vec<Vec<u8>>,
    separator: Vec<u8>,
    /// Interior only: the middle cell's child, the left node's new right
    /// pointer.
    middle_child: PageId,
}

/// Splits cells in two, where `bias` says. Leaves: the separator is a
/// copy of the right half's first key. Interior nodes: the middle cell
/// moves up.
///
/// A node only splits when it is full, and keys are small enough that a
/// full node holds at least two cells (three for an interior node, whose
/// middle cell moves up); fewer means the node's header is damaged.
fn split_cells(kind: Kind, mut cells: Vec<Vec<u8>>, page: PageId, bias: Bias) -> Result<Split> {
    let min_cells = if kind == Kind::Interior { 3 } else { 2 };
    if cells.len() < min_cells {
        return Err(corrupt(
            page,
            format!(
                "a full node with {} cell(s) cannot split: its header is damaged",
                cells.len()
            ),
        ));
    }
    // The right node gets cells[k..]; an interior node's cells[k] moves up,
    // so it needs one more there.
    let min_right = if kind == Kind::Interior { 2 } else { 1 };
    let mut k = match bias {
        Bias::Append => cells.len() - min_right,
        Bias::Even => {
            let total: usize = cells.iter().map(|c| c.len() + 2).sum();
            let mut acc = 0;
            let mut k = 0;
            while k < cells.len() && acc + cells[k].len() + 2 <= total / 2 {
                acc += cells[k].len() + 2;
                k += 1;
            }
            k
        }
    };
    k = k.clamp(1, cells.len().saturating_sub(min_right).max(1));
    match kind {
        Kind::Leaf => {
            let right = cells.split_off(k);
            let separator = right
                .first()
                .map(|c| cell::key_of(c, Kind::Leaf).to_vec())
                .unwrap_or_default();
            Ok(Split {
                left: cells,
                right,
                separator,
                middle_child: 0,
            })
        }
        Kind::Interior => {
            let mut right = cells.split_off(k);
            let middle = right.remove(0);
            Ok(Split {
                left: cells,
                right,
                separator: cell::key_of(&middle, Kind::Interior).to_vec(),
                middle_child: cell::interior_child(&middle),
            })
        }
    }
}

/// Writes `cells` into a node, or reports `page` (where they were read
/// from) as damaged if they cannot fit.
fn write_node(body: &mut [u8], kind: Kind, cells: &[Vec<u8>], page: PageId) -> Result<()> {
    if node::write_cells(body, kind, cells) {
        Ok(())
    } else {
        Err(corrupt(
            page,
            "its cells do not fit in a page: the node's cell count or cell pointers are damaged",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::leaf_cell_inline;
    use proptest::prelude::*;

    proptest! {
        /// Two keys sharing a prefix, each going on with a few bytes
        /// (zeros often: zero padding must not make a prefix look equal).
        #[test]
        fn follows_is_memcmp_order(
            base in prop::collection::vec(any::<u8>(), 0..11),
            (i, j) in (0usize..11, 0usize..11),
            ta in prop::collection::vec(prop_oneof![Just(0u8), any::<u8>()], 0..3),
            tb in prop::collection::vec(prop_oneof![Just(0u8), any::<u8>()], 0..3),
        ) {
            let a = [&base[..i.min(base.len())], &ta[..]].concat();
            let b = [&base[..j.min(base.len())], &tb[..]].concat();
            prop_assert_eq!(follows(&a, &b), a > b);
            prop_assert!(!follows(&a, &a));
        }

        /// Two 8-byte keys (rowids), equal up to a random position.
        #[test]
        fn follows_is_memcmp_order_for_rowid_keys(
            a in any::<[u8; 8]>(),
            other in any::<[u8; 8]>(),
            at in 0usize..8,
        ) {
            let mut b = a;
            b[at..].copy_from_slice(&other[at..]);
            prop_assert_eq!(follows(&a, &b), a > b);
            prop_assert_eq!(follows(&b, &a), b > a);
        }
    }

    fn keys(cells: &[Vec<u8>], kind: Kind) -> Vec<u8> {
        cells.iter().map(|c| cell::key_of(c, kind)[0]).collect()
    }

    #[test]
    fn an_append_split_keeps_every_old_leaf_cell_on_the_left() {
        let layout = Layout::new(1000);
        let cells: Vec<Vec<u8>> = (1..=7u8)
            .map(|k| leaf_cell_inline(&[k], b"value", &layout))
            .collect();
        let even = split_cells(Kind::Leaf, cells.clone(), 9, Bias::Even).expect("split");
        assert_eq!(keys(&even.left, Kind::Leaf), [1, 2, 3]);
        assert_eq!(keys(&even.right, Kind::Leaf), [4, 5, 6, 7]);
        let append = split_cells(Kind::Leaf, cells, 9, Bias::Append).expect("split");
        assert_eq!(keys(&append.left, Kind::Leaf), [1, 2, 3, 4, 5, 6]);
        assert_eq!(keys(&append.right, Kind::Leaf), [7]);
        assert_eq!(append.separator, [7]);
    }

    #[test]
    fn an_append_split_of_an_interior_node_moves_the_last_old_cell_up() {
        // Cell k's child is page 100 + k.
        let cells: Vec<Vec<u8>> = (1..=7u8)
            .map(|k| cell::interior_cell(100 + k as u32, &[k]))
            .collect();
        let s = split_cells(Kind::Interior, cells.clone(), 9, Bias::Append).expect("split");
        assert_eq!(keys(&s.left, Kind::Interior), [1, 2, 3, 4, 5]);
        assert_eq!((s.separator.as_slice(), s.middle_child), (&[6u8][..], 106));
        assert_eq!(keys(&s.right, Kind::Interior), [7]);
        // The smallest node that can split still leaves a cell on each side.
        let s = split_cells(Kind::Interior, cells[..3].to_vec(), 9, Bias::Append).expect("split");
        assert_eq!(keys(&s.left, Kind::Interior), [1]);
        assert_eq!(keys(&s.right, Kind::Interior), [3]);
    }
}
