//! `.pages`: a map of the whole database, one character per page.
//!
//! Page 1 is the top-left character; each line holds 64 pages (in groups
//! of 16) and starts with the number of its first page. Each page is
//! shown by what it is:
//!
//! ```text
//! H  header           page 1: the database header
//! I  interior         a B+Tree interior node (keys and child pointers)
//! L  leaf             a B+Tree leaf (keys and values)
//! O  overflow         the rest of a value too large for its leaf
//! T  freelist trunk   a page listing free pages
//! F  free             a free page, listed on a trunk, waiting for reuse
//! .  unused           never written as anything (type 0)
//! !  unreadable       fails its checksum or page-id check, or cannot be read
//! ```
//!
//! The freelist decides what is free, not the type byte: a freed page
//! keeps its old bytes (it may still say `leaf`) until it is reused. Every
//! other page is classified by the type byte of its page header, read from
//! its newest committed version (in the WAL or the main file), as of the
//! last commit.
//!
//! Reading the map: a table's tree shows as runs of `L` with an `I` here
//! and there, since pages are allocated as the tree grows; large values
//! leave runs of `O`; deletes leave `F`s that later inserts reuse before
//! the file grows.

use super::{Align, Cell, Table, plural};
use crate::error::Result;
use crate::style::{Color, Style};
use std::collections::HashSet;
use walnut_pager::{PageType, Pager, PagerError};

/// Pages per line of the map.
const PER_LINE: usize = 64;
/// Pages per group within a line.
const PER_GROUP: usize = 16;

/// What one page is, as the map shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Header,
    Interior,
    Leaf,
    Overflow,
    Trunk,
    Free,
    Unused,
    Unreadable,
}

const CLASSES: [Class; 8] = [
    Class::Header,
    Class::Interior,
    Class::Leaf,
    Class::Overflow,
    Class::Trunk,
    Class::Free,
    Class::Unused,
    Class::Unreadable,
];

impl Class {
    fn symbol(self) -> char {
        match self {
            Class::Header => 'H',
            Class::Interior => 'I',
            Class::Leaf => 'L',
            Class::Overflow => 'O',
            Class::Trunk => 'T',
            Class::Free => 'F',
            Class::Unused => '.',
            Class::Unreadable => '!',
        }
    }

    fn name(self) -> &'static str {
        match self {
            Class::Header => "header",
            Class::Interior => "interior",
            Class::Leaf => "leaf",
            Class::Overflow => "overflow",
            Class::Trunk => "freelist trunk",
            Class::Free => "free",
            Class::Unused => "unused",
            Class::Unreadable => "unreadable",
        }
    }

    fn color(self) -> Color {
        match self {
            Class::Header => Color::Magenta,
            Class::Interior => Color::Blue,
            Class::Leaf => Color::Green,
            Class::Overflow => Color::Yellow,
            Class::Trunk => Color::Cyan,
            Class::Free | Class::Unused => Color::Grey,
            Class::Unreadable => Color::Red,
        }
    }

    fn of(t: Option<PageType>) -> Class {
        match t {
            Some(PageType::Header) => Class::Header,
            Some(PageType::BTreeInterior) => Class::Interior,
            Some(PageType::BTreeLeaf) => Class::Leaf,
            Some(PageType::Overflow) => Class::Overflow,
            Some(PageType::FreelistTrunk) => Class::Trunk,
            Some(PageType::Unused) => Class::Unused,
            None => Class::Unreadable,
        }
    }
}

/// The map of every page, a legend with counts, and where pages live.
pub fn pages(pager: &Pager, style: Style) -> Result<String> {
    let rx = pager.begin_read()?;
    let count = rx.page_count();
    let (trunks, leaves, freelist_note): (HashSet<u32>, HashSet<u32>, _) = match rx.freelist() {
        Ok(f) => (
            f.trunks.into_iter().collect(),
            f.leaves.into_iter().collect(),
            None,
        ),
        Err(e) => (HashSet::new(), HashSet::new(), Some(e.to_string())),
    };
    let mut classes = Vec::with_capacity(count as usize);
    for id in 1..=count {
        let class = if trunks.contains(&id) {
            Class::Trunk
        } else if leaves.contains(&id) {
            Class::Free
        } else {
            match rx.page_raw(id) {
                Ok(raw) if raw.is_valid() => Class::of(raw.header().page_type),
                Ok(_) | Err(PagerError::CorruptPage { .. }) => Class::Unreadable,
                Err(e) => return Err(e.into()),
            }
        };
        classes.push(class);
    }
    drop(rx);

    let in_file = pager.file_len()? / u64::from(pager.page_size());
    let in_wal = pager.wal_status().pages_in_wal;
    let mut out = format!(
        "{} of {} bytes\nmain file: {}; the WAL holds newer versions of {}\n\n",
        plural(count, "page", "pages"),
        pager.page_size(),
        plural(in_file, "page", "pages"),
        in_wal,
    );
    let num_w = count.to_string().len().max(4);
    for (line, chunk) in classes.chunks(PER_LINE).enumerate() {
        let first = line * PER_LINE + 1;
        out.push_str(&format!("{first:>num_w$}  "));
        for (g, group) in chunk.chunks(PER_GROUP).enumerate() {
            if g > 0 {
                out.push(' ');
            }
            // One colour code per run of the same class, not per page.
            let mut i = 0;
            while i < group.len() {
                let run = group[i..].iter().take_while(|&&c| c == group[i]).count();
                let text: String = std::iter::repeat_n(group[i].symbol(), run).collect();
                out.push_str(&style.paint(group[i].color(), &text));
                i += run;
            }
        }
        out.push('\n');
    }

    out.push('\n');
    let mut table = Table::new(&[
        ("", Align::Left),
        ("kind", Align::Left),
        ("pages", Align::Right),
    ]);
    for class in CLASSES {
        let n = classes.iter().filter(|&&c| c == class).count();
        table.row(vec![
            Cell::colored(class.symbol().to_string(), class.color()),
            Cell::from(class.name()),
            Cell::from(n.to_string()),
        ]);
    }
    table.row(vec![
        Cell::from(""),
        Cell::from("total"),
        Cell::from(classes.len().to_string()),
    ]);
    out.push_str(&table.render("", style));
    if let Some(why) = freelist_note {
        out.push_str(&format!(
            "\nthe freelist cannot be read ({why}); free pages show as what they last held\n"
        ));
    }
    Ok(out)
}
