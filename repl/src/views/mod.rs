//! The internals views: what no other shell shows.
//!
//! Each view is a function from the open pager (and its arguments) to the
//! text the shell prints, so that the snapshot tests see exactly what a
//! person at the shell sees.
//!
//! | command     | function      | shows                                              |
//! |-------------|---------------|----------------------------------------------------|
//! | `.pool`     | [`pool()`]    | the buffer pool's frames, the CLOCK hand, hits     |
//! | `.wal`      | [`wal()`]     | the WAL header and frames, readers, recovery       |
//! | `.page N`   | [`page()`]    | one page decoded field by field (and its bytes)    |
//! | `.pages`    | [`pages()`]   | a map of the whole file, one character per page    |
//! | `.btree T`  | [`btree()`]   | the B+Tree of a table or index, as text or DOT     |
//! | `.freelist` | [`freelist()`]| the freelist's trunk pages and the pages they list |
//! | `.dbinfo`   | [`dbinfo()`]  | the header page's fields and file sizes            |
//! | `.stats`    | [`stats()`]   | every pager counter and setting                    |
//!
//! Views read the database through a read transaction of their own (the
//! last committed state: a transaction open in the shell is not visible),
//! and never change it. Every view's text ends with a newline, and
//! colours it only when asked ([`Style`]), so a snapshot of a view is
//! plain text.

mod btree;
mod dbinfo;
mod freelist;
mod page;
mod pages;
mod pool;
mod stats;
mod wal;

pub use btree::btree;
pub use dbinfo::dbinfo;
pub use freelist::freelist;
pub use page::page;
pub use pages::pages;
pub use pool::pool;
pub use stats::stats;
pub use wal::wal;

use crate::style::{Color, Style};

/// `1 page`, `2 pages`.
pub(crate) fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A page link for people: `none` for 0.
pub(crate) fn link(p: u32) -> String {
    if p == 0 {
        "none".to_string()
    } else {
        p.to_string()
    }
}

/// Page numbers as a list wrapped to `width` columns, each line starting
/// with `indent`.
pub(crate) fn wrapped(items: &[String], indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for item in items {
        if !line.is_empty() && indent.len() + line.len() + 1 + item.len() > width {
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(item);
    }
    if !line.is_empty() {
        out.push_str(indent);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// One cell of a [`Table`]: its text and, optionally, its colour.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    text: String,
    color: Option<Color>,
}

impl Cell {
    pub(crate) fn colored(text: impl Into<String>, color: Color) -> Cell {
        Cell {
            text: text.into(),
            color: Some(color),
        }
    }
}

impl<T: Into<String>> From<T> for Cell {
    fn from(text: T) -> Cell {
        Cell {
            text: text.into(),
            color: None,
        }
    }
}

/// A table with aligned columns: widths are measured on the plain text,
/// and colour is added after padding, so coloured and plain output line
/// up the same way.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Row>,
}

#[derive(Debug, Clone)]
enum Row {
    Cells(Vec<Cell>),
    /// A line of its own (e.g. `… 40 more …`), not aligned.
    Note(String),
}

impl Table {
    pub(crate) fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            columns: columns.iter().map(|(h, a)| (h.to_string(), *a)).collect(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(Row::Cells(cells));
    }

    pub(crate) fn note(&mut self, text: impl Into<String>) {
        self.rows.push(Row::Note(text.into()));
    }

    /// The table, two spaces between columns, each line after `indent`.
    pub(crate) fn render(&self, indent: &str, style: Style) -> String {
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = self.columns.iter().map(|(h, _)| width(h)).collect();
        for row in &self.rows {
            if let Row::Cells(cells) = row {
                for (w, c) in widths.iter_mut().zip(cells) {
                    *w = (*w).max(width(&c.text));
                }
            }
        }
        let mut out = String::new();
        let line = |cells: Vec<(String, Option<Color>)>| -> String {
            let mut s = String::from(indent);
            let last = cells.len().saturating_sub(1);
            for (i, ((text, color), ((_, align), w))) in cells
                .into_iter()
                .zip(self.columns.iter().zip(&widths))
                .enumerate()
            {
                let pad = " ".repeat(w.saturating_sub(width(&text)));
                let painted = match color {
                    Some(c) if !text.is_empty() => style.paint(c, &text),
                    _ => text,
                };
                match align {
                    Align::Left if i == last => s.push_str(&painted),
                    Align::Left => {
                        s.push_str(&painted);
                        s.push_str(&pad);
                    }
                    Align::Right => {
                        s.push_str(&pad);
                        s.push_str(&painted);
                    }
                }
                if i != last {
                    s.push_str("  ");
                }
            }
            let trimmed = s.trim_end().len();
            s.truncate(trimmed);
            s.push('\n');
            s
        };
        out.push_str(&line(
            self.columns
                .iter()
                .map(|(h, _)| (h.clone(), Some(Color::Bold)))
                .collect(),
        ));
        for row in &self.rows {
            match row {
                Row::Cells(cells) => out.push_str(&line(
                    cells.iter().map(|c| (c.text.clone(), c.color)).collect(),
                )),
                Row::Note(text) => {
                    out.push_str(indent);
                    out.push_str(text);
                    out.push('\n');
                }
            }
        }
        out
    }
}

/// `name: value` lines with the values lined up, as sqlite3's `.dbinfo`
/// prints them.
pub(crate) fn fields(lines: &[(&str, String)], indent: &str) -> String {
    let w = lines
        .iter()
        .map(|(k, _)| k.chars().count() + 1)
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (k, v) in lines {
        let label = format!("{k}:");
        let line = format!("{indent}{label:<w$}  {v}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
