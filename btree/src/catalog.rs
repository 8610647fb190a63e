//! The catalog: the tree of trees.
//!
//! One B+Tree, whose root page is recorded in the database header
//! ([`walnut_pager::DbHeader::catalog_root`]), maps each tree's *name*
//! (UTF-8 bytes, compared with memcmp) to a [`CatalogEntry`]: what kind of
//! object the tree stores, its root page, and opaque schema bytes that the
//! layer above defines (the SQL layer keeps its `CREATE` statement there).
//! The catalog is created the first time a tree is created.
//!
//! ## Entry encoding
//!
//! Entries are serialized with serde and bincode 2.0.1 (standard config:
//! little-endian, variable-length integers), pinned because the encoding is
//! part of the file format. A snapshot test prints the exact bytes, so any
//! change in the encoding (a bincode upgrade, a new field) is visible.
//!
//! ```text
//! CatalogEntry { kind: Table, root: 5, schema: b"abc" }
//!   => 00          kind: variant 0 (Table)
//!      05          root: varint 5
//!      03 61 62 63 schema: length 3, then the bytes
//! ```
//!
//! The kinds are Table (0), Index (1), View (2) and Trigger (3). Views and
//! triggers own no tree: their root is 0 and they are only their schema
//! bytes ([`EntryKind::owns_tree`]).

use crate::error::{BTreeError, Result};
use crate::source::PageSource;
use crate::tree::{BTree, InsertMode};
use serde::{Deserialize, Serialize};
use walnut_pager::{PageId, WriteTxn};

/// What a tree holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    /// A table's rows.
    Table,
    /// An index's keys.
    Index,
    /// No tree at all: an object that is only its schema (a SQL view).
    /// Its root is 0.
    View,
    /// No tree either: a SQL trigger, only its schema. Its root is 0.
    Trigger,
}

impl EntryKind {
    /// Whether an entry of this kind has a tree of its own (tables and
    /// indexes do; views and triggers are only their schema, root 0).
    pub fn owns_tree(self) -> bool {
        matches!(self, EntryKind::Table | EntryKind::Index)
    }
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// What the tree holds.
    pub kind: EntryKind,
    /// Its root page.
    pub root: PageId,
    /// Schema bytes, owned by the layer above.
    pub schema: Vec<u8>,
}

impl CatalogEntry {
    /// The entry's bytes as stored in the catalog tree.
    pub fn encode(&self) -> Result<Vec<u8>> {
        bincode::serde::encode_to_vec(self, bincode::config::standard()).map_err(|e| {
            BTreeError::Catalog {
                name: String::new(),
                reason: format!("cannot encode: {e}"),
            }
        })
    }

    /// Decodes stored bytes; `name` is for the error message.
    pub fn decode(bytes: &[u8], name: &str) -> Result<CatalogEntry> {
        let (entry, used) = bincode::serde::decode_from_slice::<CatalogEntry, _>(
            bytes,
            bincode::config::standard(),
        )
        .map_err(|e| BTreeError::Catalog {
            name: name.to_string(),
            reason: format!("cannot decode: {e}"),
        })?;
        if used != bytes.len() {
            return Err(BTreeError::Catalog {
                name: name.to_string(),
                reason: format!("{} trailing bytes after the entry", bytes.len() - used),
            });
        }
        Ok(entry)
    }
}

/// The catalog of a database (a namespace of functions over a transaction).
#[derive(Debug, Clone, Copy)]
pub struct Catalog;

impl Catalog {
    /// The catalog tree, if it exists yet.
    pub fn tree<S: PageSource + ?Sized>(src: &S) -> Result<Option<BTree>> {
        let root = src.db_header()?.catalog_root;
        Ok((root != 0).then(|| BTree::open(root)))
    }

    fn tree_or_create(tx: &WriteTxn) -> Result<BTree> {
        if let Some(t) = Catalog::tree(tx)? {
            return Ok(t);
        }
        let t = BTree::create(tx)?;
        tx.set_catalog_root(t.root())?;
        Ok(t)
    }

    /// Creates an empty tree named `name`.
    pub fn create_tree(tx: &WriteTxn, name: &str, kind: EntryKind, schema: &[u8]) -> Result<BTree> {
        let catalog = Catalog::tree_or_create(tx)?;
        if catalog.contains(tx, name.as_bytes())? {
            return Err(BTreeError::TreeExists(name.to_string()));
        }
        let tree = BTree::create(tx)?;
        let entry = CatalogEntry {
            kind,
            root: tree.root(),
            schema: schema.to_vec(),
        };
        catalog.insert(tx, name.as_bytes(), &entry.encode()?, InsertMode::Reject)?;
        Ok(tree)
    }

    /// Records `name` as an object without a tree (root 0), such as a
    /// view or a trigger.
    pub fn create_entry(tx: &WriteTxn, name: &str, kind: EntryKind, schema: &[u8]) -> Result<()> {
        let catalog = Catalog::tree_or_create(tx)?;
        if catalog.contains(tx, name.as_bytes())? {
            return Err(BTreeError::TreeExists(name.to_string()));
        }
        let entry = CatalogEntry {
            kind,
            root: 0,
            schema: schema.to_vec(),
        };
        catalog.insert(tx, name.as_bytes(), &entry.encode()?, InsertMode::Reject)?;
        Ok(())
    }

    /// The entry named `name`.
    pub fn get<S: PageSource + ?Sized>(src: &S, name: &str) -> Result<Option<CatalogEntry>> {
        let Some(catalog) = Catalog::tree(src)? else {
            return Ok(None);
        };
        match catalog.get(src, name.as_bytes())? {
            Some(bytes) => Ok(Some(CatalogEntry::decode(&bytes, name)?)),
            None => Ok(None),
        }
    }

    /// The tree named `name`, or [`BTreeError::NoSuchTree`].
    pub fn open<S: PageSource + ?Sized>(src: &S, name: &str) -> Result<BTree> {
        Catalog::get(src, name)?
            .map(|e| BTree::open(e.root))
            .ok_or_else(|| BTreeError::NoSuchTree(name.to_string()))
    }

    /// Every entry, by name.
    pub fn list<S: PageSource + ?Sized>(src: &S) -> Result<Vec<(String, CatalogEntry)>> {
        let Some(catalog) = Catalog::tree(src)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for kv in catalog.iter(src)? {
            let (k, v) = kv?;
            let name = String::from_utf8_lossy(&k).into_owned();
            let entry = CatalogEntry::decode(&v, &name)?;
            out.push((name, entry));
        }
        Ok(out)
    }

    /// Replaces the schema bytes of `name`.
    pub fn set_schema(tx: &WriteTxn, name: &str, schema: &[u8]) -> Result<()> {
        let catalog = Catalog::tree(tx)?.ok_or_else(|| BTreeError::NoSuchTree(name.to_string()))?;
        let mut entry =
            Catalog::get(tx, name)?.ok_or_else(|| BTreeError::NoSuchTree(name.to_string()))?;
        entry.schema = schema.to_vec();
        catalog.insert(tx, name.as_bytes(), &entry.encode()?, InsertMode::Upsert)?;
        Ok(())
    }

    /// Renames an entry (the tree itself does not move).
    pub fn rename(tx: &WriteTxn, from: &str, to: &str) -> Result<()> {
        let catalog = Catalog::tree(tx)?.ok_or_else(|| BTreeError::NoSuchTree(from.to_string()))?;
        let entry =
            Catalog::get(tx, from)?.ok_or_else(|| BTreeError::NoSuchTree(from.to_string()))?;
        if catalog.contains(tx, to.as_bytes())? {
            return Err(BTreeError::TreeExists(to.to_string()));
        }
        catalog.delete(tx, from.as_bytes())?;
        catalog.insert(tx, to.as_bytes(), &entry.encode()?, InsertMode::Reject)?;
        Ok(())
    }

    /// Drops the tree named `name`: every page it used (overflow pages
    /// included) goes back to the freelist.
    pub fn drop_tree(tx: &WriteTxn, name: &str) -> Result<()> {
        let catalog = Catalog::tree(tx)?.ok_or_else(|| BTreeError::NoSuchTree(name.to_string()))?;
        let entry =
            Catalog::get(tx, name)?.ok_or_else(|| BTreeError::NoSuchTree(name.to_string()))?;
        if entry.root != 0 {
            BTree::open(entry.root).destroy(tx)?;
        }
        catalog.delete(tx, name.as_bytes())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_encoding_is_pinned() {
        let e = CatalogEntry {
            kind: EntryKind::Table,
            root: 5,
            schema: b"abc".to_vec(),
        };
        let bytes = e.encode().expect("encode");
        insta::assert_snapshot!(format!("{bytes:02x?}"), @"[00, 05, 03, 61, 62, 63]");
        let e2 = CatalogEntry {
            kind: EntryKind::Index,
            root: 70000,
            schema: Vec::new(),
        };
        let bytes2 = e2.encode().expect("encode");
        insta::assert_snapshot!(format!("{bytes2:02x?}"), @"[01, fc, 70, 11, 01, 00, 00]");
        assert_eq!(CatalogEntry::decode(&bytes, "t").expect("decode"), e);
        assert_eq!(CatalogEntry::decode(&bytes2, "i").expect("decode"), e2);
        assert!(CatalogEntry::decode(&[7, 7], "bad").is_err());
        let view = CatalogEntry {
            kind: EntryKind::View,
            root: 0,
            schema: b"v".to_vec(),
        };
        let bytes3 = view.encode().expect("encode");
        insta::assert_snapshot!(format!("{bytes3:02x?}"), @"[02, 00, 01, 76]");
        let trigger = CatalogEntry {
            kind: EntryKind::Trigger,
            root: 0,
            schema: b"r".to_vec(),
        };
        let bytes4 = trigger.encode().expect("encode");
        insta::assert_snapshot!(format!("{bytes4:02x?}"), @"[03, 00, 01, 72]");
        assert_eq!(CatalogEntry::decode(&bytes4, "r").expect("decode"), trigger);
        assert!(!EntryKind::Trigger.owns_tree() && !EntryKind::View.owns_tree());
        assert!(EntryKind::Table.owns_tree() && EntryKind::Index.owns_tree());
    }
}
