//! `.btree NAME [--dot]`: the B+Tree of a table or an index.
//!
//! Every table and index is a B+Tree of its own, named in the *catalog*
//! (itself a B+Tree, whose root page the header page records) under its
//! lower-cased name. A table's tree maps rowids (8 bytes, big-endian, the
//! sign bit flipped so that byte order is numeric order) to the row's
//! record; an index's tree holds the indexed values followed by the rowid
//! as its keys, with empty values. `sqlite_master`, `sqlite_schema` or
//! `catalog` name the catalog tree itself (a table that really is called
//! `catalog` comes first).
//!
//! The text view draws one line per page, children indented under their
//! parent:
//!
//! ```text
//! page 2  interior  1 key  1% full
//! ├── page 3  leaf  2 entries  4% full  ← none  → 4
//! │       x'8000000000000001'  12 bytes  x'03...'
//! │ ┈┈┈ x'8000000000000003' ┈┈┈
//! └── page 4  leaf  3 entries  6% full  ← 3  → none
//! ```
//!
//! Between two children is the *separator* key of their parent: the keys
//! above it are smaller, those below it greater or equal. A leaf lists its
//! entries (the first and last few of a long list: key, value length,
//! first bytes, and the overflow pages holding the rest of a large value)
//! and its sibling links, which chain the leaves in key order for scans.
//! A damaged page is drawn as `✗` with the reason, and the rest of the
//! tree is still shown.
//!
//! With `--dot` the view is a Graphviz graph instead: render it with
//! `dot -Tsvg tree.dot > tree.svg`.

use crate::error::{Result, ShellError};
use walnut_btree::{BTree, Catalog, EntryKind, dump_dot, dump_text};
use walnut_pager::Pager;
use walnut_sql::schema::{StoredObject, is_master_name, key};

/// The tree of table or index `name` (or of the catalog) as text, or as
/// Graphviz DOT when `dot` is set.
pub fn btree(pager: &Pager, name: &str, dot: bool) -> Result<String> {
    let rx = pager.begin_read()?;
    let entry = if is_master_name(name) {
        None
    } else {
        Catalog::get(&rx, &key(name))?
    };
    let (title, tree) = match entry {
        Some(e) if e.kind == EntryKind::View => {
            return Err(ShellError::NotFound(format!(
                "{name} is a view: it is a stored SELECT, with no B+Tree of its own"
            )));
        }
        Some(e) if e.kind == EntryKind::Trigger => {
            return Err(ShellError::NotFound(format!(
                "{name} is a trigger: it is a stored program, with no B+Tree of its own"
            )));
        }
        Some(e) => {
            let kind = match e.kind {
                EntryKind::Table => "table",
                EntryKind::Index => "index",
                EntryKind::View => "view",
                EntryKind::Trigger => "trigger",
            };
            // The name as created (the catalog key is lower-cased).
            let shown =
                StoredObject::decode(&e.schema, &key(name)).map_or_else(|_| key(name), |o| o.name);
            (format!("{kind} {shown}"), BTree::open(e.root))
        }
        None if is_master_name(name) || name.eq_ignore_ascii_case("catalog") => {
            match Catalog::tree(&rx)? {
                Some(t) => ("the catalog (sqlite_master)".to_string(), t),
                None => {
                    return Err(ShellError::NotFound(
                        "the catalog is empty: no table or index has been created yet".to_string(),
                    ));
                }
            }
        }
        None => {
            return Err(ShellError::NotFound(format!(
                "no such table or index: {name}"
            )));
        }
    };
    if dot {
        Ok(dump_dot(&rx, tree)?)
    } else {
        Ok(format!("{title}\n{}", dump_text(&rx, tree)?))
    }
}
