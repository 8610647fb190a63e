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
//!               the key is greater than its last key, the value needs no
//!               overflow page, and the cell fits: insert it as the leaf's
//!               last cell (one page fetch)
//!   otherwise   BTree::insert (the walk from the root, any split, which
//!               is an append split: see `tree`), then follow the right
//!               pointers down to the rightmost leaf and remember it
//! ```
//!
//! So the walk from the root happens once per leaf filled rather than once
//! per key. A key that is not greater than every key in the tree takes the
//! general path, with the same result as [`BTree::insert`]: an appender
//! is only ever faster, never different.
//!
//! **The contract:** while an appender lives, the tree changes only
//! through it. Another insert or delete could split, merge or free the
//! remembered leaf; the checks above catch a split (the leaf gains a right
//! sibling) and a leaf freed (no longer a leaf page), but not a freed leaf
//! reused as the rightmost leaf of another tree. Holding the appender for
//! one bulk operation and nothing else, as `CREATE INDEX` does, keeps it.

use crate::cell::{self, Layout};
use crate::error::{Result, corrupt};
use crate::node::{self, Kind};
use crate::tree::{BTree, InsertMode, MAX_DEPTH, node_kind};
use walnut_pager::{PageId, WriteTxn};

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
}

impl BTree {
    /// An [`Appender`] for this tree in `tx`.
    pub fn appender(self, tx: &WriteTxn) -> Appender<'_> {
        Appender {
            tree: self,
            tx,
            leaf: None,
        }
    }
}

impl Appender<'_> {
    /// Inserts `key` -> `value` exactly as [`BTree::insert`] does, and
    /// returns what it returns.
    pub fn insert(&mut self, key: &[u8], value: &[u8], mode: InsertMode) -> Result<bool> {
        if let Some(leaf) = self.leaf
            && self.append_to(leaf, key, value)?
        {
            return Ok(false);
        }
        // Forgotten first, so that after an error the next call walks.
        self.leaf = None;
        let replaced = self.tree.insert(self.tx, key, value, mode)?;
        self.leaf = Some(self.rightmost_leaf()?);
        Ok(replaced)
    }

    /// The fast path: puts the cell at the end of `leaf` if the module
    /// doc's conditions hold, and says whether it did (changing nothing
    /// if not).
    fn append_to(&self, leaf: PageId, key: &[u8], value: &[u8]) -> Result<bool> {
        let mut p = self.tx.page_mut(leaf)?;
        if Kind::of(p.page_type()) != Some(Kind::Leaf) || node::right(p.body()) != 0 {
            return Ok(false);
        }
        let body = p.body_mut();
        let n = node::ncells(body);
        if n == 0 || node::key(body, Kind::Leaf, n - 1) >= key {
            return Ok(false);
        }
        let layout = Layout::new(body.len());
        if key.len() > layout.max_key
            || cell::local_len(key.len(), value.len() as u64, &layout) < value.len()
        {
            return Ok(false);
        }
        let c = cell::leaf_cell(key, value.len() as u64, value, 0);
        Ok(node::insert_cell(body, Kind::Leaf, n, &c))
    }

    /// The leaf at the end of the right pointers from the root.
    fn rightmost_leaf(&self) -> Result<PageId> {
        let mut id = self.tree.root();
        for _ in 0..=MAX_DEPTH {
            let p = self.tx.page(id)?;
            match node_kind(id, p.page_type())? {
                Kind::Leaf => return Ok(id),
                Kind::Interior => {
                    let child = node::right(p.body());
                    if child == 0 {
                        return Err(corrupt(id, "interior node without a right pointer"));
                    }
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
