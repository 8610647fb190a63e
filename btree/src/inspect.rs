//! Decoding any page for display: what its bytes say, field by field.
//!
//! The tree code reads pages to *use* them and stops at the first thing it
//! does not trust. A person looking at a page (the shell's `.page` view)
//! wants the opposite: every field as stored, even on a page that is
//! damaged, with what looks wrong pointed out rather than refused.
//! [`inspect`] takes a whole page image (header included, verified or not)
//! and decodes it by its type byte:
//!
//! * the **header page** (page 1): the database header fields
//!   ([`walnut_pager::header`]);
//! * a **B+Tree node** (leaf or interior): the node header, the slot array
//!   and every cell ([`crate::node`], [`crate::cell`]);
//! * an **overflow page**: its link to the next page of the chain and how
//!   many value bytes it holds (the `overflow` module);
//! * a **freelist trunk**: its link to the next trunk and the free pages it
//!   lists (the layout is the pager's, documented in its `freelist`
//!   module: next trunk u32, count u32, then count page numbers);
//! * an **unused** page (type 0) or an unknown type byte: nothing more to
//!   decode.
//!
//! Offsets inside a node are *body* offsets, as stored: the body starts
//! after the pager's 24-byte page header, so body offset `b` is page
//! offset `b + 24`.
//!
//! Nothing stored is trusted: counts are clamped to what the page can hold,
//! cells are vetted before they are decoded (as the integrity check does),
//! and everything odd found on the way is listed in
//! [`Inspected::problems`]. Decoding never panics, whatever the bytes.

use crate::check::checked_cell;
use crate::node::{self, Kind, NODE_HEADER, get32};
use crate::overflow::OVERFLOW_HEADER;
use walnut_pager::page::PAGE_HEADER_SIZE;
use walnut_pager::{DbHeader, PageHeader, PageId, PageType};

/// A page decoded for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspected {
    /// The 24-byte page header, as stored.
    pub header: PageHeader,
    /// The body, decoded by the page type.
    pub content: Content,
    /// Anything that does not look right (empty for a healthy page).
    pub problems: Vec<String>,
}

/// A page body, decoded by its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Page 1: the database header.
    Header {
        /// The magic bytes at page offset 24 (`WALNUTDB` when intact).
        magic: Vec<u8>,
        /// The header fields.
        fields: DbHeader,
    },
    /// A B+Tree leaf or interior node.
    Node(NodeView),
    /// A page of an overflow chain.
    Overflow {
        /// The next page of the chain (0 = last).
        next: PageId,
        /// The value bytes this page says it holds.
        len: usize,
        /// Those bytes (cut to what the page can hold).
        data: Vec<u8>,
    },
    /// A freelist trunk page.
    FreelistTrunk {
        /// The next trunk (0 = last).
        next: PageId,
        /// The leaf count as stored.
        count: usize,
        /// The free (leaf) pages listed, cut to what the page can hold.
        leaves: Vec<PageId>,
    },
    /// Type 0: a page never written as anything.
    Unused,
    /// A type byte walnut does not know.
    Unknown,
}

/// A B+Tree node: its header, slot array and cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeView {
    /// Leaf or interior.
    pub kind: Kind,
    /// The cell count as stored.
    pub stored_cells: usize,
    /// Where the cell content area begins (body offset).
    pub content_start: usize,
    /// Bytes of holes inside the content area.
    pub fragmented: usize,
    /// Free bytes: the gap between slot array and content, plus fragments.
    pub free_space: usize,
    /// Leaf: the left sibling (0 = none). Interior: 0.
    pub left: PageId,
    /// Leaf: the right sibling (0 = none). Interior: the right-most child.
    pub right: PageId,
    /// The cells in slot order (the slot array is their offsets).
    pub cells: Vec<CellView>,
}

/// One cell of a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellView {
    /// Slot number (0-based, in key order).
    pub index: usize,
    /// Body offset of the cell, as stored in its slot.
    pub offset: usize,
    /// The cell's length in bytes (0 when it is damaged).
    pub len: usize,
    /// The decoded cell, or `None` when its stored lengths do not fit the
    /// page.
    pub data: Option<CellData>,
}

/// What a cell holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellData {
    /// A leaf cell: a key and (the start of) its value.
    Leaf {
        /// The key.
        key: Vec<u8>,
        /// The value's total length.
        value_len: u64,
        /// The value bytes kept in the cell.
        local: Vec<u8>,
        /// The first overflow page holding the rest (0 = none).
        overflow: PageId,
    },
    /// An interior cell: the child holding keys below the separator.
    Interior {
        /// The child page.
        child: PageId,
        /// The separator key.
        key: Vec<u8>,
    },
}

impl CellData {
    /// The cell's key.
    pub fn key(&self) -> &[u8] {
        match self {
            CellData::Leaf { key, .. } | CellData::Interior { key, .. } => key,
        }
    }
}

/// A key as the dumps print it: text if printable, else hex, and cut with
/// its length when long.
pub fn display_key(key: &[u8]) -> String {
    crate::dump::short_key(key)
}

/// Decodes a page image (header included) for display. Never fails and
/// never panics: a short or damaged image decodes as far as it goes, with
/// what is wrong listed in [`Inspected::problems`].
pub fn inspect(page: &[u8]) -> Inspected {
    let mut problems = Vec::new();
    let padded;
    let page = if page.len() < PAGE_HEADER_SIZE {
        problems.push(format!(
            "the image is only {} bytes, shorter than a page header",
            page.len()
        ));
        let mut p = page.to_vec();
        p.resize(PAGE_HEADER_SIZE, 0);
        padded = p;
        &padded[..]
    } else {
        page
    };
    let header = PageHeader::decode(page);
    let body = &page[PAGE_HEADER_SIZE..];
    let content = match header.page_type {
        Some(PageType::Header) => header_page(page, &mut problems),
        Some(PageType::BTreeLeaf) => Content::Node(node_view(body, Kind::Leaf, &mut problems)),
        Some(PageType::BTreeInterior) => {
            Content::Node(node_view(body, Kind::Interior, &mut problems))
        }
        Some(PageType::Overflow) => overflow(body, &mut problems),
        Some(PageType::FreelistTrunk) => trunk(body, &mut problems),
        Some(PageType::Unused) => Content::Unused,
        None => {
            problems.push(format!("unknown page type {}", header.type_byte));
            Content::Unknown
        }
    };
    Inspected {
        header,
        content,
        problems,
    }
}

fn header_page(page: &[u8], problems: &mut Vec<String>) -> Content {
    let end = walnut_pager::header::HEADER_FIELDS_END;
    if page.len() < end {
        problems.push(format!(
            "the image is {} bytes, too short for the header fields",
            page.len()
        ));
        return Content::Unknown;
    }
    let magic = page[PAGE_HEADER_SIZE..PAGE_HEADER_SIZE + 8].to_vec();
    if magic.as_slice() != walnut_pager::header::MAGIC {
        problems.push("bad magic bytes (expected \"WALNUTDB\")".to_string());
    }
    Content::Header {
        magic,
        fields: DbHeader::decode(page),
    }
}

fn node_view(body: &[u8], kind: Kind, problems: &mut Vec<String>) -> NodeView {
    let stored = node::stored_ncells(body);
    let n = node::ncells(body);
    if n < stored {
        problems.push(format!(
            "cell count {stored} is more than the page can hold; showing {n}"
        ));
    }
    let content_start = node::content_start(body);
    let slots_end = NODE_HEADER + 2 * n;
    if content_start > body.len() || content_start < slots_end {
        problems.push(format!(
            "content start {content_start} is outside {slots_end}..={}",
            body.len()
        ));
    }
    let mut cells = Vec::with_capacity(n);
    for i in 0..n {
        let offset = node::cell_offset(body, i);
        if offset < slots_end || offset >= body.len() {
            problems.push(format!(
                "cell {i} at offset {offset} lies outside the content area"
            ));
        }
        let cell = checked_cell(body, kind, i);
        let data = cell.map(|c| match kind {
            Kind::Leaf => {
                let l = crate::cell::leaf(c, body.len());
                CellData::Leaf {
                    key: l.key.to_vec(),
                    value_len: l.value_len,
                    local: l.local.to_vec(),
                    overflow: l.overflow,
                }
            }
            Kind::Interior => CellData::Interior {
                child: crate::cell::interior_child(c),
                key: crate::cell::key_of(c, kind).to_vec(),
            },
        });
        let len = cell.map_or(0, <[u8]>::len);
        if data.is_none() {
            problems.push(format!("cell {i}: its stored lengths do not fit the page"));
        }
        cells.push(CellView {
            index: i,
            offset,
            len,
            data,
        });
    }
    let left = node::left(body);
    if kind == Kind::Interior && left != 0 {
        problems.push(format!(
            "interior node has a left link ({left}); it should be 0"
        ));
    }
    NodeView {
        kind,
        stored_cells: stored,
        content_start,
        fragmented: node::fragmented(body),
        free_space: node::free_space(body),
        left,
        right: node::right(body),
        cells,
    }
}

fn overflow(body: &[u8], problems: &mut Vec<String>) -> Content {
    let next = get32(body, 0);
    let len = get32(body, 4) as usize;
    let room = body.len().saturating_sub(OVERFLOW_HEADER);
    if len > room {
        problems.push(format!(
            "claims {len} bytes but an overflow page holds at most {room}"
        ));
    }
    let data = body
        .get(OVERFLOW_HEADER..OVERFLOW_HEADER + len.min(room))
        .unwrap_or(&[])
        .to_vec();
    Content::Overflow { next, len, data }
}

fn trunk(body: &[u8], problems: &mut Vec<String>) -> Content {
    let next = get32(body, 0);
    let count = get32(body, 4) as usize;
    let room = body.len().saturating_sub(8) / 4;
    if count > room {
        problems.push(format!(
            "leaf count {count} is more than a trunk holds ({room})"
        ));
    }
    let leaves = (0..count.min(room))
        .map(|i| get32(body, 8 + 4 * i))
        .collect();
    Content::FreelistTrunk {
        next,
        count,
        leaves,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::{Layout, leaf_cell, local_len};

    fn page_of(t: PageType) -> Vec<u8> {
        let mut p = vec![0u8; 1024];
        p[4] = t as u8;
        p
    }

    #[test]
    fn a_leaf_decodes_cell_by_cell() {
        let mut p = page_of(PageType::BTreeLeaf);
        let body = &mut p[PAGE_HEADER_SIZE..];
        node::init(body);
        let layout = Layout::new(body.len());
        let local = local_len(3, 5000, &layout);
        let big = leaf_cell(b"big", 5000, &vec![b'x'; local], 77);
        let small = leaf_cell(b"abc", 2, b"hi", 0);
        assert!(node::insert_cell(body, Kind::Leaf, 0, &small));
        assert!(node::insert_cell(body, Kind::Leaf, 1, &big));
        node::set_right(body, 9);
        let v = inspect(&p);
        assert!(v.problems.is_empty(), "{:?}", v.problems);
        let Content::Node(n) = v.content else {
            panic!("not a node: {v:?}")
        };
        assert_eq!(
            (n.kind, n.stored_cells, n.right, n.left),
            (Kind::Leaf, 2, 9, 0)
        );
        assert_eq!(n.cells[0].len, small.len());
        assert_eq!(
            n.cells[1].data,
            Some(CellData::Leaf {
                key: b"big".to_vec(),
                value_len: 5000,
                local: vec![b'x'; local],
                overflow: 77
            })
        );
    }

    #[test]
    fn damage_is_reported_not_refused() {
        let mut p = page_of(PageType::BTreeLeaf);
        let body = &mut p[PAGE_HEADER_SIZE..];
        node::init(body);
        assert!(node::insert_cell(
            body,
            Kind::Leaf,
            0,
            &leaf_cell(b"k", 1, b"v", 0)
        ));
        // A key length far beyond the page.
        let off = node::cell_offset(body, 0);
        body[off] = 0xff;
        body[off + 1] = 0x7f;
        body[0] = 0xff; // cell count 0xff01
        let v = inspect(&p);
        assert!(v.problems.iter().any(|s| s.contains("cell count")), "{v:?}");
        assert!(v.problems.iter().any(|s| s.contains("cell 0:")), "{v:?}");

        let mut t = page_of(PageType::FreelistTrunk);
        t[PAGE_HEADER_SIZE + 4..PAGE_HEADER_SIZE + 8].copy_from_slice(&u32::MAX.to_be_bytes());
        let v = inspect(&t);
        let Content::FreelistTrunk { leaves, .. } = &v.content else {
            panic!("{v:?}")
        };
        assert_eq!(leaves.len(), (1000 - 8) / 4);
        assert_eq!(v.problems.len(), 1);

        let v = inspect(&[9u8; 10]);
        assert_eq!(v.content, Content::Unknown);
        assert_eq!(v.problems.len(), 2);
    }
}
