//! The integrity check: does the file hold what the B+Tree code promises?
//!
//! Checksums catch a flipped bit inside one page; they cannot catch a page
//! that is perfectly well-formed but *wrong*: a key in the wrong subtree,
//! a sibling link to the wrong leaf, a page used by two trees at once, a
//! page that nothing uses any more. This module walks everything and
//! reports every such problem it can see, like SQLite's
//! `PRAGMA integrity_check`.
//!
//! ## Two kinds of failure
//!
//! A damaged database is what this code is *for*, so damage is never an
//! error: it becomes a [`Problem`] in the returned list, and the walk goes
//! on elsewhere. A page whose checksum fails is reported by number and
//! skipped (its subtree cannot be seen); a node whose cells overlap is
//! reported and its keys still checked. `Err` is kept for what makes
//! checking itself impossible: the header page cannot be read, the disk
//! fails, the buffer pool is exhausted.
//!
//! Nothing here trusts a length read from a page. The cell decoders in
//! [`crate::cell`] add stored lengths together, so a damaged key length near
//! 2^64 would overflow; every cell is therefore vetted by `checked_cell`
//! before it is decoded (the dump and the statistics use it too).
//!
//! ## One tree: [`check_tree`]
//!
//! A depth-first walk from the root, children in key order, carrying the
//! key range each page must respect. The separators of an interior node
//! split its range: child `i` holds keys `>= key i-1` and `< key i`, the
//! right pointer keys `>=` the last key.
//!
//! ```text
//!                 [ "g" | "p" ]            covers: any key
//!                /      |      \
//!         < "g"    >= "g", < "p"   >= "p"  what each child must hold
//! ```
//!
//! At each page:
//!
//! * it can be read, and it is a tree page (interior or leaf);
//! * it was not reached before (no cycle, no child shared by two parents);
//! * the slotted layout is sane ([`crate::node`]): the pointer array ends
//!   before the content area, every cell lies inside the content area and
//!   inside the page, no two cells overlap, and the content area is exactly
//!   the cells plus the fragmented bytes the header counts;
//! * keys ascend strictly, no key is longer than [`Layout::max_key`], and
//!   every key lies in the page's range;
//! * a leaf's depth equals the first leaf's depth (the tree is balanced);
//! * every large value's overflow chain is made of overflow pages, has no
//!   cycle, and holds exactly the bytes the cell promises.
//!
//! Leaves are met left to right, so after the walk the leaf level is known
//! in key order and every sibling link can be compared with it, in both
//! directions; the first leaf's left link and the last leaf's right link
//! must be 0.
//!
//! ## The whole file: [`check_database`]
//!
//! Every tree is checked: the catalog, each tree it lists, and any extra
//! trees the caller knows of. Each walk also records which pages it used
//! and as what. Then every page `1..=page_count` must have exactly one
//! owner among: the header (page 1), a tree (interior, leaf or overflow
//! page), the freelist (trunks and leaves). A page with no owner is
//! *leaked* (the space is lost until the file is rebuilt); a page with two
//! is *used twice*, the worse problem: writing one owner's data destroys
//! the other's.
//!
//! The catalog is read by its own walk rather than by
//! [`crate::Catalog::list`], so that one unreadable catalog page costs the
//! entries on that page, not the whole check.

use crate::catalog::CatalogEntry;
use crate::cell::{self, Layout};
use crate::dump::short_key;
use crate::error::Result;
use crate::node::{self, Kind, NODE_HEADER, get32};
use crate::overflow::OVERFLOW_HEADER;
use crate::source::PageSource;
use crate::tree::{BTree, MAX_DEPTH};
use std::collections::{HashMap, HashSet};
use std::fmt;
use walnut_pager::page::PAGE_HEADER_SIZE;
use walnut_pager::{DbHeader, PageId, PageRef, PageType, PagerError};

/// One thing wrong with the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The page the problem is on, if it is about one page.
    pub page: Option<PageId>,
    /// What is wrong, in words.
    pub message: String,
}

impl Problem {
    fn at(page: PageId, message: impl Into<String>) -> Problem {
        Problem {
            page: Some(page),
            message: message.into(),
        }
    }

    fn general(message: impl Into<String>) -> Problem {
        Problem {
            page: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.page {
            Some(p) => write!(f, "page {p}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Checks one tree: its pages, its keys, its leaf links and its overflow
/// chains. Returns every problem found; an empty list means the tree is
/// sound.
///
/// The tree's pages are not compared with the rest of the file (a page
/// also used by another tree, or also on the freelist, is only caught by
/// [`check_database`]).
pub fn check_tree<S: PageSource + ?Sized>(src: &S, tree: BTree) -> Result<Vec<Problem>> {
    let header = src.db_header()?;
    let mut walk = TreeWalk::new(src, layout_of(&header)?, header.page_count, None);
    walk.run(tree.root())?;
    Ok(walk.problems)
}

/// Checks the whole database: the catalog, every tree it lists, the trees
/// in `extra_trees` (those not already listed), and then that every page
/// is used exactly once, by the header, a tree or the freelist.
pub fn check_database<S: PageSource + ?Sized>(
    src: &S,
    extra_trees: &[BTree],
) -> Result<Vec<Problem>> {
    let header = src.db_header()?;
    let layout = layout_of(&header)?;
    let page_count = header.page_count;
    let mut problems = Vec::new();
    {
        // Without a readable header page there is nothing to check against:
        // this error is returned, not reported.
        let p = src.page(1)?;
        if p.page_type() != Some(PageType::Header) {
            problems.push(Problem::at(
                1,
                format!(
                    "the header page has type {}, expected header",
                    type_name(p.page_type())
                ),
            ));
        }
    }
    let mut usage = Usage::new(page_count);
    usage.add(1, Owner::Header);

    // The catalog first: it names the other trees.
    let mut trees: Vec<(String, BTree)> = Vec::new();
    let mut roots = HashSet::new();
    if header.catalog_root != 0 {
        roots.insert(header.catalog_root);
        let label = "the catalog".to_string();
        let mut walk = TreeWalk::new(src, layout, page_count, Some(label.clone()));
        walk.entries = Some(Vec::new());
        walk.run(header.catalog_root)?;
        let entries = walk.entries.take().unwrap_or_default();
        usage.absorb(&label, &mut problems, walk);
        for (key, value) in entries {
            let name = String::from_utf8_lossy(&key).into_owned();
            match value.map(|v| CatalogEntry::decode(&v, &name)) {
                // An object without a tree (a view, a trigger) owns no pages.
                Some(Ok(entry)) if entry.root == 0 && !entry.kind.owns_tree() => {}
                Some(Ok(entry)) => {
                    roots.insert(entry.root);
                    trees.push((format!("tree {name:?}"), BTree::open(entry.root)));
                }
                Some(Err(e)) => {
                    problems.push(Problem::general(format!("{e}; its tree was not checked")))
                }
                None => problems.push(Problem::general(format!(
                    "the catalog entry {name:?} could not be read, so its tree was not checked"
                ))),
            }
        }
    }
    for t in extra_trees {
        if roots.insert(t.root()) {
            trees.push((format!("tree rooted at page {}", t.root()), *t));
        }
    }
    for (label, tree) in trees {
        let mut walk = TreeWalk::new(src, layout, page_count, Some(label.clone()));
        walk.run(tree.root())?;
        usage.absorb(&label, &mut problems, walk);
    }

    // The freelist claims the rest.
    let freelist_known = match src.freelist() {
        Ok(list) => {
            for &t in &list.trunks {
                usage.add(t, Owner::FreelistTrunk);
            }
            for &l in &list.leaves {
                usage.add(l, Owner::FreelistLeaf);
            }
            let listed = list.trunks.len() + list.leaves.len();
            if listed as u64 != u64::from(header.freelist_count) {
                problems.push(Problem::at(
                    1,
                    format!(
                        "the header counts {} free pages, but the freelist holds {listed} \
                         ({} trunks, {} leaves)",
                        header.freelist_count,
                        list.trunks.len(),
                        list.leaves.len()
                    ),
                ));
            }
            true
        }
        Err(e) => {
            let problem = match (&e, read_problem(&e)) {
                (_, Some((page, why))) => {
                    Problem::at(page, format!("freelist page cannot be read: {why}"))
                }
                (PagerError::Corrupt { reason, .. }, None) => {
                    Problem::general(format!("the freelist is damaged: {reason}"))
                }
                _ => return Err(e.into()),
            };
            problems.push(problem);
            false
        }
    };

    usage.report(&mut problems, freelist_known);
    Ok(problems)
}

/// Cell `i` of a node, if its stored lengths make sense: it starts inside
/// the body, its length varints are not absurd, and it ends inside the
/// body. `None` for a damaged cell, which must not be decoded.
pub(crate) fn checked_cell(body: &[u8], kind: Kind, i: usize) -> Option<&[u8]> {
    let rest = body.get(node::cell_offset(body, i)..)?;
    let lengths = match kind {
        Kind::Leaf => rest,
        Kind::Interior => rest.get(4..)?,
    };
    let (key_len, used) = cell::get_varint(lengths);
    if key_len > body.len() as u64 {
        return None;
    }
    if kind == Kind::Leaf {
        // No value can be longer than the largest file could hold.
        let (value_len, _) = cell::get_varint(lengths.get(used..)?);
        if value_len > u64::from(u32::MAX) * body.len() as u64 {
            return None;
        }
    }
    rest.get(..cell::cell_len(rest, kind, body.len()))
}

/// The page and the wording for a read error that is about one page (it
/// becomes a [`Problem`]); `None` for errors that stop the check.
pub(crate) fn read_problem(e: &PagerError) -> Option<(PageId, String)> {
    match e {
        PagerError::ChecksumMismatch {
            page,
            source_of,
            stored,
            computed,
            ..
        } => Some((
            *page,
            format!(
                "checksum mismatch in the {source_of} (stored {stored:#010x}, computed {computed:#010x})"
            ),
        )),
        PagerError::CorruptPage {
            page,
            source_of,
            reason,
            ..
        } => Some((*page, format!("{reason} (in the {source_of})"))),
        PagerError::PageOutOfRange { page, page_count } => Some((
            *page,
            format!("outside the database, which has {page_count} pages"),
        )),
        _ => None,
    }
}

/// A page type as people read it.
pub(crate) fn type_name(t: Option<PageType>) -> &'static str {
    t.map_or("unknown", PageType::name)
}

/// The size rules of the database's pages.
pub(crate) fn layout_of(header: &DbHeader) -> Result<Layout> {
    let size = walnut_pager::page::validate_page_size(u64::from(header.page_size))?;
    Ok(Layout::new(size as usize - PAGE_HEADER_SIZE))
}

/// A key range as the checker words it.
fn describe_range(lo: Option<&[u8]>, hi: Option<&[u8]>) -> String {
    match (lo, hi) {
        (None, None) => "any key".to_string(),
        (Some(l), None) => format!("keys >= {}", short_key(l)),
        (None, Some(h)) => format!("keys < {}", short_key(h)),
        (Some(l), Some(h)) => format!("keys >= {} and < {}", short_key(l), short_key(h)),
    }
}

fn link(p: PageId) -> String {
    if p == 0 {
        "0 (none)".to_string()
    } else {
        format!("page {p}")
    }
}

/// What a tree uses a page as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Interior,
    Leaf,
    Overflow,
    /// Pointed at as a node, but unreadable or not a tree page.
    Node,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Interior => "interior",
            Role::Leaf => "leaf",
            Role::Overflow => "overflow",
            Role::Node => "node",
        }
    }
}

/// A catalog entry as the walk found it: the key (the tree's name) and
/// the value, `None` if the value could not be read whole.
type CatalogRow = (Vec<u8>, Option<Vec<u8>>);

/// A leaf met during the walk, with its sibling links.
#[derive(Debug, Clone, Copy)]
struct LeafLinks {
    id: PageId,
    left: PageId,
    right: PageId,
}

/// A leaf cell whose value continues in an overflow chain.
struct Chain {
    cell: usize,
    key: Vec<u8>,
    head: PageId,
    /// Bytes the chain must hold.
    promised: u64,
    /// Catalog mode: the inline part of the value.
    local: Vec<u8>,
}

/// The walk of one tree and what it found.
struct TreeWalk<'s, S: PageSource + ?Sized> {
    src: &'s S,
    layout: Layout,
    page_count: u32,
    /// Names the tree in messages when several trees are checked.
    context: Option<String>,
    problems: Vec<Problem>,
    /// Every page reached so far, and the page that led to it (0: none).
    reached: HashMap<PageId, PageId>,
    /// The pages this tree uses, in walk order, and as what.
    uses: Vec<(PageId, Role)>,
    /// The leaf level in key order; `None` marks a subtree that could not
    /// be walked (no sibling link is judged across it).
    leaves: Vec<Option<LeafLinks>>,
    /// The first leaf met and its depth (the root is depth 1).
    leaf_depth: Option<(PageId, usize)>,
    /// Pages that could not be read.
    unreadable: usize,
    /// Catalog mode: every entry; the value is `None` if it could not be
    /// read whole.
    entries: Option<Vec<CatalogRow>>,
}

impl<'s, S: PageSource + ?Sized> TreeWalk<'s, S> {
    fn new(src: &'s S, layout: Layout, page_count: u32, context: Option<String>) -> Self {
        TreeWalk {
            src,
            layout,
            page_count,
            context,
            problems: Vec::new(),
            reached: HashMap::new(),
            uses: Vec::new(),
            leaves: Vec::new(),
            leaf_depth: None,
            unreadable: 0,
            entries: None,
        }
    }

    fn report(&mut self, page: Option<PageId>, message: impl Into<String>) {
        let mut message = message.into();
        if let Some(c) = &self.context {
            message.push_str(&format!(" (in {c})"));
        }
        self.problems.push(Problem { page, message });
    }

    /// Reads a page; a damaged page is reported and comes back as `None`.
    fn read(&mut self, id: PageId) -> Result<Option<PageRef<'s>>> {
        match self.src.page(id) {
            Ok(p) => Ok(Some(p)),
            Err(e) => match read_problem(&e) {
                Some((page, why)) => {
                    self.unreadable += 1;
                    self.report(Some(page), format!("cannot be read: {why}"));
                    Ok(None)
                }
                None => Err(e.into()),
            },
        }
    }

    fn run(&mut self, root: PageId) -> Result<()> {
        if root == 0 || root > self.page_count {
            self.report(
                None,
                format!(
                    "the root page {root} is outside the database (pages 1 to {})",
                    self.page_count
                ),
            );
            return Ok(());
        }
        self.visit(root, 0, 1, None, None)?;
        self.check_leaf_level();
        Ok(())
    }

    /// Checks page `id` (reached from `parent`, 0 for the root) and its
    /// subtree, whose keys must lie in `lo..hi`.
    fn visit(
        &mut self,
        id: PageId,
        parent: PageId,
        depth: usize,
        lo: Option<&[u8]>,
        hi: Option<&[u8]>,
    ) -> Result<()> {
        if let Some(&first) = self.reached.get(&id) {
            self.report(
                Some(id),
                format!(
                    "reached a second time (from page {parent}, first from {}): \
                     a cycle, or two parents sharing a child",
                    if first == 0 {
                        "the root pointer".to_string()
                    } else {
                        format!("page {first}")
                    }
                ),
            );
            self.leaves.push(None);
            return Ok(());
        }
        self.reached.insert(id, parent);
        if depth > MAX_DEPTH {
            self.report(
                Some(id),
                format!("more than {MAX_DEPTH} levels below the root; no real tree is that deep"),
            );
            self.uses.push((id, Role::Node));
            self.leaves.push(None);
            return Ok(());
        }
        let Some(page) = self.read(id)? else {
            self.uses.push((id, Role::Node));
            self.leaves.push(None);
            return Ok(());
        };
        let Some(kind) = Kind::of(page.page_type()) else {
            let from = if parent == 0 {
                "the root of the tree".to_string()
            } else {
                format!("a child of page {parent}")
            };
            self.report(
                Some(id),
                format!(
                    "expected a tree page ({from}), found a {} page",
                    type_name(page.page_type())
                ),
            );
            self.uses.push((id, Role::Node));
            self.leaves.push(None);
            return Ok(());
        };
        let body = page.body();
        self.check_structure(id, body, kind);
        let keys = self.check_keys(id, body, kind, lo, hi);
        match kind {
            Kind::Leaf => {
                self.uses.push((id, Role::Leaf));
                let (left, right) = (node::left(body), node::right(body));
                let mut chains = Vec::new();
                for i in 0..node::ncells(body) {
                    let Some(bytes) = checked_cell(body, Kind::Leaf, i) else {
                        continue;
                    };
                    let c = cell::leaf(bytes, body.len());
                    if c.value_len > c.local.len() as u64 {
                        if c.overflow == 0 {
                            self.report(
                                Some(id),
                                format!(
                                    "the value of {} (cell {i}) is {} bytes and keeps {} inline, \
                                     but the cell names no overflow page for the rest",
                                    short_key(c.key),
                                    c.value_len,
                                    c.local.len()
                                ),
                            );
                            if let Some(e) = self.entries.as_mut() {
                                e.push((c.key.to_vec(), None));
                            }
                        } else {
                            chains.push(Chain {
                                cell: i,
                                key: c.key.to_vec(),
                                head: c.overflow,
                                promised: c.value_len - c.local.len() as u64,
                                local: if self.entries.is_some() {
                                    c.local.to_vec()
                                } else {
                                    Vec::new()
                                },
                            });
                        }
                    } else if let Some(e) = self.entries.as_mut() {
                        e.push((c.key.to_vec(), Some(c.local.to_vec())));
                    }
                }
                drop(page);
                match self.leaf_depth {
                    None => self.leaf_depth = Some((id, depth)),
                    Some((first, d)) if d != depth => self.report(
                        Some(id),
                        format!(
                            "leaf at depth {depth}, but leaf page {first} is at depth {d}: \
                             all leaves must be at the same depth"
                        ),
                    ),
                    Some(_) => {}
                }
                self.leaves.push(Some(LeafLinks { id, left, right }));
                for chain in chains {
                    let mut value = chain.local;
                    let whole = self.check_chain(
                        id,
                        &chain.key,
                        chain.cell,
                        chain.head,
                        chain.promised,
                        &mut value,
                    )?;
                    if let Some(e) = self.entries.as_mut() {
                        e.push((chain.key, whole.then_some(value)));
                    }
                }
            }
            Kind::Interior => {
                self.uses.push((id, Role::Interior));
                if node::left(body) != 0 {
                    self.report(
                        Some(id),
                        format!(
                            "interior page has a left sibling link ({}); only leaves have siblings",
                            node::left(body)
                        ),
                    );
                }
                let n = node::ncells(body);
                let children: Vec<PageId> = (0..=n)
                    .map(|slot| {
                        if slot < n {
                            checked_cell(body, Kind::Interior, slot).map_or(0, cell::interior_child)
                        } else {
                            node::right(body)
                        }
                    })
                    .collect();
                drop(page);
                for (slot, &child) in children.iter().enumerate() {
                    // Child `slot` holds keys from the separator on its left
                    // up to the one on its right; an unreadable separator
                    // widens the range to the next readable one.
                    let child_lo = keys[..slot].iter().rev().find_map(|k| k.as_deref()).or(lo);
                    let child_hi = keys[slot..].iter().find_map(|k| k.as_deref()).or(hi);
                    let which = if slot < n {
                        format!("child pointer of cell {slot}")
                    } else {
                        "right pointer".to_string()
                    };
                    if child == 0 || child > self.page_count {
                        self.report(
                            Some(id),
                            format!(
                                "the {which} is page {child}, outside the database (pages 1 to {})",
                                self.page_count
                            ),
                        );
                        self.leaves.push(None);
                        continue;
                    }
                    self.visit(child, id, depth + 1, child_lo, child_hi)?;
                }
            }
        }
        Ok(())
    }

    /// The slotted-page layout: header fields, pointers, cells.
    fn check_structure(&mut self, id: PageId, body: &[u8], kind: Kind) {
        let len = body.len();
        let stored = node::stored_ncells(body);
        let n = node::ncells(body);
        let start = node::content_start(body);
        let pointers_end = NODE_HEADER + 2 * stored;
        if pointers_end > len {
            self.report(
                Some(id),
                format!(
                    "claims {stored} cells, but their pointers alone would need {pointers_end} \
                     bytes of a {len}-byte body"
                ),
            );
        } else if start < pointers_end {
            self.report(
                Some(id),
                format!(
                    "the cell pointer array ({stored} cells, up to body offset {pointers_end}) \
                     runs into the content area, which starts at {start}"
                ),
            );
        }
        if start > len {
            self.report(
                Some(id),
                format!("content start {start} is past the end of the {len}-byte body"),
            );
        }
        let area_start = start.max(pointers_end.min(len)).min(len);
        let mut spans = Vec::with_capacity(n);
        let mut sane = pointers_end <= start && start <= len;
        for i in 0..n {
            let off = node::cell_offset(body, i);
            if off < area_start || off >= len {
                self.report(
                    Some(id),
                    format!(
                        "cell {i} starts at body offset {off}, outside the content area \
                         ({area_start} to {len})"
                    ),
                );
                sane = false;
                continue;
            }
            let Some(c) = checked_cell(body, kind, i) else {
                self.report(
                    Some(id),
                    format!("cell {i} (at body offset {off}) is damaged: its lengths run past the end of the page"),
                );
                sane = false;
                continue;
            };
            if c.len() > self.layout.max_cell {
                self.report(
                    Some(id),
                    format!(
                        "cell {i} is {} bytes, more than the largest cell allowed ({})",
                        c.len(),
                        self.layout.max_cell
                    ),
                );
            }
            spans.push((off, off + c.len(), i));
        }
        spans.sort_unstable();
        for w in spans.windows(2) {
            let ((a_start, a_end, a), (b_start, b_end, b)) = (w[0], w[1]);
            if b_start < a_end {
                self.report(
                    Some(id),
                    format!(
                        "cells {a} and {b} overlap (body bytes {a_start}..{a_end} and {b_start}..{b_end})"
                    ),
                );
                sane = false;
            }
        }
        if sane {
            // The content area is exactly the cells plus the holes that
            // removals left, which the fragment counter counts.
            let area = len - start;
            let in_cells: usize = spans.iter().map(|(s, e, _)| e - s).sum();
            let frag = node::fragmented(body);
            if in_cells + frag != area {
                self.report(
                    Some(id),
                    format!(
                        "the content area has {area} bytes and cells use {in_cells} of them, \
                         so {} should be fragments, but the fragment counter says {frag}",
                        area.saturating_sub(in_cells)
                    ),
                );
            }
        }
    }

    /// Key order, key length and key range. Returns the keys (`None` for
    /// a damaged cell).
    fn check_keys(
        &mut self,
        id: PageId,
        body: &[u8],
        kind: Kind,
        lo: Option<&[u8]>,
        hi: Option<&[u8]>,
    ) -> Vec<Option<Vec<u8>>> {
        let n = node::ncells(body);
        let mut keys: Vec<Option<Vec<u8>>> = Vec::with_capacity(n);
        let mut prev: Option<(usize, &[u8])> = None;
        let mut outside: Vec<(usize, &[u8])> = Vec::new();
        let what = match kind {
            Kind::Leaf => "key",
            Kind::Interior => "separator",
        };
        for i in 0..n {
            let Some(c) = checked_cell(body, kind, i) else {
                keys.push(None);
                continue;
            };
            let key = cell::key_of(c, kind);
            if key.len() > self.layout.max_key {
                self.report(
                    Some(id),
                    format!(
                        "{what} of {} bytes (cell {i}) is longer than the {}-byte maximum",
                        key.len(),
                        self.layout.max_key
                    ),
                );
            }
            if let Some((j, p)) = prev {
                if key == p {
                    self.report(
                        Some(id),
                        format!("duplicate key {} in cells {j} and {i}", short_key(key)),
                    );
                } else if key < p {
                    self.report(
                        Some(id),
                        format!(
                            "keys out of order: cell {j} is {} but cell {i} is {}",
                            short_key(p),
                            short_key(key)
                        ),
                    );
                }
            }
            // A leaf key must be below `hi`; a separator may equal it (its
            // right-hand child is then empty, which the leaves would show).
            let below_hi = hi.is_none_or(|h| match kind {
                Kind::Leaf => key < h,
                Kind::Interior => key <= h,
            });
            if lo.is_some_and(|l| key < l) || !below_hi {
                outside.push((i, key));
            }
            prev = Some((i, key));
            keys.push(Some(key.to_vec()));
        }
        // One problem per page, however many keys stray: a bad separator
        // above puts a whole run of keys out of range at once.
        let allowed = describe_range(lo, hi);
        match outside.as_slice() {
            [] => {}
            [(i, key)] => self.report(
                Some(id),
                format!(
                    "{what} {} (cell {i}) is outside this page's range: \
                     the separators above allow {allowed}",
                    short_key(key)
                ),
            ),
            [(i, first), .., (j, last)] => self.report(
                Some(id),
                format!(
                    "{} {what}s, from {} (cell {i}) to {} (cell {j}), are outside this \
                     page's range: the separators above allow {allowed}",
                    outside.len(),
                    short_key(first),
                    short_key(last)
                ),
            ),
        }
        keys
    }

    /// Walks the overflow chain of cell `cell_index` of `leaf` and checks
    /// that it holds `promised` bytes; the bytes are appended to `out` in
    /// catalog mode. Returns whether the chain was whole.
    fn check_chain(
        &mut self,
        leaf: PageId,
        key: &[u8],
        cell_index: usize,
        head: PageId,
        promised: u64,
        out: &mut Vec<u8>,
    ) -> Result<bool> {
        let what = format!(
            "the overflow chain of {} (leaf page {leaf}, cell {cell_index})",
            short_key(key)
        );
        let collect = self.entries.is_some();
        let (mut page, mut prev, mut total) = (head, leaf, 0u64);
        while page != 0 {
            if page > self.page_count {
                self.report(
                    Some(prev),
                    format!(
                        "{what} goes on to page {page}, outside the database (pages 1 to {})",
                        self.page_count
                    ),
                );
                return Ok(false);
            }
            if let Some(&first) = self.reached.get(&page) {
                self.report(
                    Some(page),
                    format!(
                        "{what} reaches this page a second time (first from page {first}): \
                         a cycle, or a page shared"
                    ),
                );
                return Ok(false);
            }
            self.reached.insert(page, prev);
            self.uses.push((page, Role::Overflow));
            let Some(p) = self.read(page)? else {
                return Ok(false);
            };
            if p.page_type() != Some(PageType::Overflow) {
                self.report(
                    Some(page),
                    format!(
                        "expected an overflow page ({what}), found a {} page",
                        type_name(p.page_type())
                    ),
                );
                return Ok(false);
            }
            let body = p.body();
            let mut n = get32(body, 4) as usize;
            if n > self.layout.overflow_data {
                self.report(
                    Some(page),
                    format!(
                        "overflow page claims {n} bytes of value data, but one holds at most {}",
                        self.layout.overflow_data
                    ),
                );
                n = self.layout.overflow_data;
            }
            if collect {
                out.extend_from_slice(
                    body.get(OVERFLOW_HEADER..OVERFLOW_HEADER + n)
                        .unwrap_or(&[]),
                );
            }
            total += n as u64;
            prev = page;
            page = get32(body, 0);
        }
        if total != promised {
            self.report(
                Some(leaf),
                format!("{what} holds {total} bytes, but the cell promises {promised}"),
            );
            return Ok(false);
        }
        Ok(true)
    }

    /// Compares every sibling link with the leaf order the walk saw.
    fn check_leaf_level(&mut self) {
        let leaves = std::mem::take(&mut self.leaves);
        if let Some(Some(first)) = leaves.first()
            && first.left != 0
        {
            self.report(
                Some(first.id),
                format!(
                    "the first leaf has a left sibling link to page {}; it should be 0",
                    first.left
                ),
            );
        }
        if let Some(Some(last)) = leaves.last()
            && last.right != 0
        {
            self.report(
                Some(last.id),
                format!(
                    "the last leaf has a right sibling link to page {}; it should be 0",
                    last.right
                ),
            );
        }
        for pair in leaves.windows(2) {
            if let [Some(a), Some(b)] = pair {
                if a.right != b.id {
                    self.report(
                        Some(a.id),
                        format!(
                            "right sibling link is {}, but the next leaf in key order is page {}",
                            link(a.right),
                            b.id
                        ),
                    );
                }
                if b.left != a.id {
                    self.report(
                        Some(b.id),
                        format!(
                            "left sibling link is {}, but the previous leaf in key order is page {}",
                            link(b.left),
                            a.id
                        ),
                    );
                }
            }
        }
    }
}

/// Who uses a page.
#[derive(Debug, Clone)]
enum Owner {
    Header,
    Tree(String, Role),
    FreelistTrunk,
    FreelistLeaf,
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::Header => f.write_str("the database header"),
            Owner::Tree(label, role) => write!(f, "{label} ({})", role.name()),
            Owner::FreelistTrunk => f.write_str("the freelist (trunk)"),
            Owner::FreelistLeaf => f.write_str("the freelist"),
        }
    }
}

/// The owners of every page of the file.
struct Usage {
    /// Index = page number (entry 0 unused).
    owners: Vec<Vec<Owner>>,
    /// Pages some tree could not read.
    unreadable: usize,
}

impl Usage {
    fn new(page_count: u32) -> Usage {
        Usage {
            owners: vec![Vec::new(); page_count as usize + 1],
            unreadable: 0,
        }
    }

    fn add(&mut self, page: PageId, owner: Owner) {
        if let Some(o) = self.owners.get_mut(page as usize) {
            o.push(owner);
        }
    }

    /// Takes a finished tree walk's problems and page uses.
    fn absorb<S: PageSource + ?Sized>(
        &mut self,
        label: &str,
        problems: &mut Vec<Problem>,
        walk: TreeWalk<'_, S>,
    ) {
        problems.extend(walk.problems);
        for (page, role) in walk.uses {
            self.add(page, Owner::Tree(label.to_string(), role));
        }
        self.unreadable += walk.unreadable;
    }

    /// Reports pages used twice, and pages used by nothing.
    fn report(&self, problems: &mut Vec<Problem>, freelist_known: bool) {
        let mut unowned = 0;
        for (page, owners) in self.owners.iter().enumerate().skip(1) {
            let page = page as PageId;
            match owners.len() {
                0 => {
                    unowned += 1;
                    if !freelist_known {
                        continue;
                    }
                    let msg = if self.unreadable == 0 {
                        "not used by anything (leaked)"
                    } else {
                        "not used by anything that could be read \
                         (leaked, or used by an unreadable page)"
                    };
                    problems.push(Problem::at(page, msg));
                }
                1 => {}
                n => {
                    let times = if n == 2 {
                        "twice".to_string()
                    } else {
                        format!("{n} times")
                    };
                    let by: Vec<String> = owners.iter().map(|o| format!("by {o}")).collect();
                    let (last, rest) = by.split_last().map_or(("", &[][..]), |(l, r)| (l, r));
                    problems.push(Problem::at(
                        page,
                        format!("used {times}: {} and {last}", rest.join(", ")),
                    ));
                }
            }
        }
        if !freelist_known && unowned > 0 {
            problems.push(Problem::general(format!(
                "{unowned} pages are used by no tree; they may be free, but the freelist \
                 could not be read to tell"
            )));
        }
    }
}
