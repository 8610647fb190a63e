//! `.page N [--hex]`: one page, decoded field by field.
//!
//! Every page starts with the pager's 24-byte header:
//!
//! ```text
//!  0       4      5          8         12         16                      24
//!  +-------+------+----------+---------+----------+-----------------------+
//!  | crc32 | type | reserved | page id | reserved |          LSN          |
//!  +-------+------+----------+---------+----------+-----------------------+
//! ```
//!
//! The view shows these fields, with the CRC32 recomputed from the bytes
//! (`checksum ok`, or `checksum MISMATCH` with both values: the page was
//! damaged after it was written), the type, the page's own number (a page
//! found at the wrong place names another) and its LSN: the number of the
//! commit that last wrote it.
//!
//! The rest, the *body*, is decoded by the type (see
//! `walnut_btree::inspect`):
//!
//! * **header** (page 1): the database header's fields;
//! * **leaf / interior** (B+Tree nodes): the node header (cell count,
//!   where the cell content area starts, fragmented bytes, free space, the
//!   sibling links of a leaf or the right-most child of an interior node),
//!   the slot array (each cell's offset, in key order: the cells
//!   themselves lie packed at the end of the page in any order), and the
//!   cells: a leaf cell's key, its value's length and first bytes and the
//!   overflow page holding the rest of a large value; an interior cell's
//!   child page and separator key (the child holds the keys below it).
//!   Offsets inside a node count from the start of the body: body offset
//!   `b` is page offset `b + 24`;
//! * **overflow**: the next page of the chain and how many value bytes
//!   this page holds;
//! * **freelist trunk**: the next trunk and the free pages it lists.
//!
//! The page is read as it is on disk, from the WAL frame holding its
//! newest committed version or else from the main file (the first line
//! says which), and without the checks a normal read makes, so that a
//! damaged page can be looked at rather than refused. A page on the
//! freelist is marked as such: a free page keeps whatever bytes it last
//! held until it is reused, so its type byte may still say `leaf`.
//!
//! With `--hex` the raw bytes follow, 16 to a line with their offset and
//! ASCII; a run of identical lines is shown once and then `*`, as
//! `hexdump` does.

use super::{Align, Cell, Table, fields, link, plural, wrapped};
use crate::error::{Result, ShellError};
use crate::style::{Color, Style};
use std::fmt::Write as _;
use walnut_btree::inspect::{CellData, Content, Inspected, NodeView, display_key, inspect};
use walnut_btree::node::Kind;
use walnut_btree::printable_key;
use walnut_pager::{PageSource, PageType, Pager, PagerError, RawPage};

/// Value bytes shown after a value's length.
const VALUE_PREFIX: usize = 12;
/// Width that wrapped lists of numbers keep to.
const WIDTH: usize = 78;

/// Page `id` decoded: page header, then the body by type; with `hex`, the
/// raw bytes too.
pub fn page(pager: &Pager, id: u32, hex: bool, style: Style) -> Result<String> {
    let rx = pager.begin_read()?;
    let count = rx.page_count();
    let raw = match rx.page_raw(id) {
        Ok(r) => r,
        Err(PagerError::PageOutOfRange { .. }) => return Err(out_of_range(id, count)),
        Err(e) => return Err(e.into()),
    };
    // Whether the page is a free leaf (the freelist is the authority, not
    // the type byte). A freelist too damaged to walk leaves this unknown.
    let free = rx.freelist().is_ok_and(|f| f.leaves.contains(&id));
    drop(rx);
    let view = inspect(&raw.data);
    let mut out = format!(
        "page {id} of {count}: {}, read from the {}\n",
        type_text(&view),
        source_text(raw.source)
    );
    if free {
        out.push_str(
            "this page is free (listed on a freelist trunk): its bytes are what it last held\n",
        );
    }
    out.push('\n');
    page_header(&mut out, &raw, &view, style);
    out.push('\n');
    body(&mut out, &view, style);
    if !view.problems.is_empty() {
        out.push_str("\nproblems\n");
        for p in &view.problems {
            let _ = writeln!(out, "  {}", style.paint(Color::Red, p));
        }
    }
    if hex {
        out.push_str("\nbytes\n");
        hexdump(&mut out, &raw.data);
    }
    Ok(out)
}

fn out_of_range(id: u32, count: u32) -> ShellError {
    if id == 0 {
        ShellError::NotFound("there is no page 0: pages are numbered from 1".to_string())
    } else {
        ShellError::NotFound(format!(
            "page {id} is past the end of the file ({})",
            plural(count, "page", "pages")
        ))
    }
}

fn source_text(source: PageSource) -> String {
    match source {
        PageSource::MainFile => "main file".to_string(),
        PageSource::WalFrame(n) => format!("WAL (frame {n})"),
    }
}

fn type_text(view: &Inspected) -> String {
    match view.header.page_type {
        Some(PageType::FreelistTrunk) => "freelist trunk".to_string(),
        Some(t) => t.name().to_string(),
        None => format!("unknown type {}", view.header.type_byte),
    }
}

fn page_header(out: &mut String, raw: &RawPage, view: &Inspected, style: Style) {
    let h = &view.header;
    let computed = raw.computed_checksum();
    let checksum = if h.checksum == computed {
        format!(
            "{:#010x}  {}",
            h.checksum,
            style.paint(Color::Green, "checksum ok")
        )
    } else {
        format!(
            "{:#010x}  {}",
            h.checksum,
            style.paint(
                Color::Red,
                &format!(
                    "checksum MISMATCH (stored {:#010x}, computed {computed:#010x})",
                    h.checksum
                )
            )
        )
    };
    let id = if h.page_id == raw.id {
        h.page_id.to_string()
    } else {
        format!(
            "{}  {}",
            h.page_id,
            style.paint(
                Color::Red,
                &format!("WRONG: this is page {} (a misdirected write?)", raw.id)
            )
        )
    };
    out.push_str("page header (page bytes 0-23)\n");
    out.push_str(&fields(
        &[
            ("crc32", checksum),
            ("type", format!("{} ({})", h.type_byte, type_text(view))),
            ("page id", id),
            ("LSN", format!("{} (the commit that last wrote it)", h.lsn)),
        ],
        "  ",
    ));
}

fn body(out: &mut String, view: &Inspected, style: Style) {
    match &view.content {
        Content::Header { magic, fields: f } => {
            out.push_str("database header (page bytes 24-67)\n");
            out.push_str(&fields(
                &[
                    ("magic", printable_key(magic)),
                    ("format version", f.version.to_string()),
                    ("page size", f.page_size.to_string()),
                    ("page count", f.page_count.to_string()),
                    ("freelist head", link(f.freelist_head)),
                    ("freelist count", f.freelist_count.to_string()),
                    ("catalog root", link(f.catalog_root)),
                    ("change counter", f.change_counter.to_string()),
                    ("schema cookie", f.schema_cookie.to_string()),
                ],
                "  ",
            ));
        }
        Content::Node(n) => node(out, n, style),
        Content::Overflow { next, len, data } => {
            out.push_str("overflow page (body bytes 0-7, then the value bytes)\n");
            out.push_str(&fields(
                &[
                    ("next page", link(*next)),
                    ("value bytes", len.to_string()),
                    ("first bytes", prefix(data, *len as u64)),
                ],
                "  ",
            ));
        }
        Content::FreelistTrunk {
            next,
            count,
            leaves,
        } => {
            out.push_str("freelist trunk (body bytes 0-7, then 4 bytes per free page)\n");
            out.push_str(&fields(
                &[
                    ("next trunk", link(*next)),
                    ("free pages listed", count.to_string()),
                ],
                "  ",
            ));
            let items: Vec<String> = leaves.iter().map(|p| p.to_string()).collect();
            out.push_str(&wrapped(&items, "    ", WIDTH));
        }
        Content::Unused => {
            out.push_str("type 0: a page never written as anything; nothing to decode\n");
        }
        Content::Unknown => {
            out.push_str("an unknown page type: nothing to decode\n");
        }
    }
}

fn node(out: &mut String, n: &NodeView, style: Style) {
    out.push_str("node header (body bytes 0-15; body offset b is page offset b+24)\n");
    let mut lines = vec![
        ("cells", n.stored_cells.to_string()),
        ("content start", n.content_start.to_string()),
        ("fragmented bytes", n.fragmented.to_string()),
        ("free space", plural(n.free_space as u64, "byte", "bytes")),
    ];
    match n.kind {
        Kind::Leaf => {
            lines.push(("left sibling", link(n.left)));
            lines.push(("right sibling", link(n.right)));
        }
        Kind::Interior => {
            lines.push(("right-most child", link(n.right)));
        }
    }
    out.push_str(&fields(&lines, "  "));

    let slots_end = 16 + 2 * n.cells.len();
    if n.cells.is_empty() {
        out.push_str("\nslot array: empty (no cells)\n");
        return;
    }
    let _ = writeln!(
        out,
        "\nslot array (body bytes 16-{}): cell offsets in key order",
        slots_end - 1
    );
    let offsets: Vec<String> = n.cells.iter().map(|c| c.offset.to_string()).collect();
    out.push_str(&wrapped(&offsets, "  ", WIDTH));

    out.push_str("\ncells\n");
    let mut table = match n.kind {
        Kind::Leaf => Table::new(&[
            ("slot", Align::Right),
            ("offset", Align::Right),
            ("len", Align::Right),
            ("key", Align::Left),
            ("value", Align::Right),
            ("first bytes", Align::Left),
            ("overflow", Align::Left),
        ]),
        Kind::Interior => Table::new(&[
            ("slot", Align::Right),
            ("offset", Align::Right),
            ("len", Align::Right),
            ("child", Align::Right),
            ("key (the child holds keys below it)", Align::Left),
        ]),
    };
    for c in &n.cells {
        let mut row: Vec<Cell> = vec![
            c.index.to_string().into(),
            c.offset.to_string().into(),
            c.len.to_string().into(),
        ];
        match &c.data {
            None => match n.kind {
                Kind::Leaf => row.push("✗ damaged cell".into()),
                Kind::Interior => {
                    row.push("?".into());
                    row.push("✗ damaged cell".into());
                }
            },
            Some(CellData::Leaf {
                key,
                value_len,
                local,
                overflow,
            }) => {
                row.push(display_key(key).into());
                row.push(value_len.to_string().into());
                row.push(prefix(local, *value_len).into());
                if *overflow != 0 {
                    row.push(format!("page {overflow} ({} bytes inline)", local.len()).into());
                }
            }
            Some(CellData::Interior { child, key }) => {
                row.push(child.to_string().into());
                row.push(display_key(key).into());
            }
        }
        table.row(row);
    }
    out.push_str(&table.render("  ", style));
    if n.kind == Kind::Interior {
        let _ = writeln!(
            out,
            "  right-most child {} holds the keys from the last key up",
            link(n.right)
        );
    }
}

/// The first bytes of a value, marked `…` when there is more.
fn prefix(bytes: &[u8], total: u64) -> String {
    if total == 0 {
        return String::new();
    }
    let shown = &bytes[..bytes.len().min(VALUE_PREFIX)];
    let more = if (shown.len() as u64) < total {
        "…"
    } else {
        ""
    };
    format!("{}{more}", printable_key(shown))
}

/// `hexdump -C` style: offset, 16 bytes in hex, the same as ASCII; a run
/// of identical lines is shown once, then `*`.
fn hexdump(out: &mut String, data: &[u8]) {
    let mut previous: Option<&[u8]> = None;
    let mut starred = false;
    for (i, chunk) in data.chunks(16).enumerate() {
        if previous == Some(chunk) {
            if !starred {
                out.push_str("*\n");
                starred = true;
            }
            continue;
        }
        previous = Some(chunk);
        starred = false;
        let _ = write!(out, "{:08x}  ", i * 16);
        for (j, b) in chunk.iter().enumerate() {
            let _ = write!(out, "{b:02x} ");
            if j == 7 {
                out.push(' ');
            }
        }
        for j in chunk.len()..16 {
            out.push_str("   ");
            if j == 7 {
                out.push(' ');
            }
        }
        out.push_str(" |");
        for &b in chunk {
            out.push(if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            });
        }
        out.push_str("|\n");
    }
    let _ = writeln!(out, "{:08x}", data.len());
}
