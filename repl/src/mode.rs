//! Output modes: how a result set is written, as sqlite3 writes it.
//!
//! | mode    | looks like                                   |
//! |---------|----------------------------------------------|
//! | `list`  | `1|ann` (the default; `.separator` between columns) |
//! | `csv`   | `1,"a, b"` (RFC 4180 quoting)                 |
//! | `line`  | one `name = value` line per column, a blank line between rows |
//! | `json`  | `[{"id":1,"name":"ann"}]`                     |
//! | `box`   | a table drawn with box characters            |
//! | `table` | the same drawn with `+`, `-` and `|`         |
//!
//! `list` and `csv` stream: each row is written as it comes. `box` and
//! `table` must see every row first to size their columns. Every mode
//! writes bytes, not `String`s, because a BLOB printed in list mode is its
//! raw bytes (see [`crate::render`]).
//!
//! The details follow the sqlite3 shell (3.40), checked against it: CSV
//! quotes a field that is empty or holds a character below `!`, a `"`,
//! a `'`, a byte above 0x7e, or the separator, and `.mode csv` ends rows
//! with CRLF; JSON prints REALs with 20 digits (infinities as `1e999`) and
//! a BLOB's whole bytes as a string; box and table centre the headers,
//! left-align every value, expand tabs to 8-column stops and give each line
//! of a multi-line value its own line in the row; an empty result prints
//! nothing in any mode.

use crate::render::{JSON_REAL_DIGITS, field_bytes, field_text};
use std::io::{self, Write};
use walnut_sql::Value;
use walnut_sql::format::real_to_text_with_digits;

/// An output mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Values separated by `.separator` (default `|`), no quoting.
    List,
    /// Comma-separated values with RFC 4180 quoting.
    Csv,
    /// `column = value`, one per line.
    Line,
    /// A JSON array of objects.
    Json,
    /// A table drawn with Unicode box characters.
    Box,
    /// A table drawn with ASCII characters.
    Table,
}

impl Mode {
    /// Every mode, in `.help`'s order.
    pub const ALL: [Mode; 6] = [
        Mode::List,
        Mode::Csv,
        Mode::Line,
        Mode::Json,
        Mode::Box,
        Mode::Table,
    ];

    /// The mode's name, as `.mode` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Mode::List => "list",
            Mode::Csv => "csv",
            Mode::Line => "line",
            Mode::Json => "json",
            Mode::Box => "box",
            Mode::Table => "table",
        }
    }

    /// The mode called `name`, if any.
    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }
}

/// The settings every mode reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// The mode.
    pub mode: Mode,
    /// Print a header line of column names (list and csv; box and table
    /// always have one).
    pub headers: bool,
    /// What NULL prints as.
    pub null_value: String,
    /// Between columns (list and csv).
    pub col_sep: String,
    /// After each row (list and csv).
    pub row_sep: String,
}

impl Default for Format {
    fn default() -> Self {
        Format {
            mode: Mode::List,
            headers: false,
            null_value: String::new(),
            col_sep: "|".into(),
            row_sep: "\n".into(),
        }
    }
}

impl Format {
    /// Switches mode as `.mode` does: list and csv bring their own
    /// separators.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        // sqlite3's `.mode csv` ends rows with CRLF (RFC 4180); its `-csv`
        // option, oddly, keeps `\n` (see `run.rs`).
        match mode {
            Mode::List => {
                self.col_sep = "|".into();
                self.row_sep = "\n".into();
            }
            Mode::Csv => {
                self.col_sep = ",".into();
                self.row_sep = "\r\n".into();
            }
            _ => {}
        }
    }

    /// Writes one result set.
    pub fn write_rows(
        &self,
        out: &mut dyn Write,
        columns: &[String],
        rows: impl Iterator<Item = Vec<Value>>,
    ) -> io::Result<()> {
        match self.mode {
            Mode::List => self.write_delimited(out, columns, rows, <[u8]>::to_vec),
            Mode::Csv => self.write_delimited(out, columns, rows, |b| self.csv_field(b)),
            Mode::Line => self.write_line(out, columns, rows),
            Mode::Json => self.write_json(out, columns, rows),
            Mode::Box => self.write_grid(out, columns, rows, &BOX),
            Mode::Table => self.write_grid(out, columns, rows, &ASCII),
        }
    }

    /// List and CSV: fields between separators, each encoded by `field`
    /// (as is for list, quoted as needed for CSV); NULL is `.nullvalue`.
    fn write_delimited(
        &self,
        out: &mut dyn Write,
        columns: &[String],
        rows: impl Iterator<Item = Vec<Value>>,
        field: impl Fn(&[u8]) -> Vec<u8>,
    ) -> io::Result<()> {
        let mut first = true;
        for row in rows {
            if first && self.headers {
                let names: Vec<Vec<u8>> = columns.iter().map(|c| field(c.as_bytes())).collect();
                self.write_separated(out, &names)?;
            }
            first = false;
            let fields: Vec<Vec<u8>> = row
                .iter()
                .map(|v| match field_bytes(v) {
                    Some(b) => field(&b),
                    None => self.null_value.as_bytes().to_vec(),
                })
                .collect();
            self.write_separated(out, &fields)?;
        }
        Ok(())
    }

    fn write_separated(&self, out: &mut dyn Write, fields: &[Vec<u8>]) -> io::Result<()> {
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.write_all(self.col_sep.as_bytes())?;
            }
            out.write_all(f)?;
        }
        out.write_all(self.row_sep.as_bytes())
    }

    /// A field quoted as sqlite3's CSV mode quotes it.
    fn csv_field(&self, b: &[u8]) -> Vec<u8> {
        let needs_quote = b.is_empty()
            || b.iter()
                .any(|&c| c <= b' ' || c == b'"' || c == b'\'' || c >= 0x7f)
            || (!self.col_sep.is_empty()
                && b.windows(self.col_sep.len())
                    .any(|w| w == self.col_sep.as_bytes()));
        if !needs_quote {
            return b.to_vec();
        }
        let mut q = Vec::with_capacity(b.len() + 2);
        q.push(b'"');
        for &c in b {
            if c == b'"' {
                q.push(b'"');
            }
            q.push(c);
        }
        q.push(b'"');
        q
    }

    fn write_line(
        &self,
        out: &mut dyn Write,
        columns: &[String],
        rows: impl Iterator<Item = Vec<Value>>,
    ) -> io::Result<()> {
        let width = columns.iter().map(|c| c.chars().count()).max().unwrap_or(0);
        for (n, row) in rows.enumerate() {
            if n > 0 {
                out.write_all(b"\n")?;
            }
            for (name, v) in columns.iter().zip(&row) {
                let pad = width.saturating_sub(name.chars().count());
                write!(out, "{}{name} = ", " ".repeat(pad))?;
                match field_bytes(v) {
                    Some(b) => out.write_all(&b)?,
                    None => out.write_all(self.null_value.as_bytes())?,
                }
                out.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    fn write_json(
        &self,
        out: &mut dyn Write,
        columns: &[String],
        rows: impl Iterator<Item = Vec<Value>>,
    ) -> io::Result<()> {
        let mut any = false;
        for row in rows {
            out.write_all(if any { b",\n{" } else { b"[{" })?;
            any = true;
            for (i, (name, v)) in columns.iter().zip(&row).enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                out.write_all(&json_string(name.as_bytes()))?;
                out.write_all(b":")?;
                let text = match v {
                    Value::Null => b"null".to_vec(),
                    Value::Integer(i) => i.to_string().into_bytes(),
                    Value::Real(r) if r.is_infinite() => {
                        (if *r > 0.0 { "1e999" } else { "-1e999" }).into()
                    }
                    Value::Real(r) => real_to_text_with_digits(*r, JSON_REAL_DIGITS).into_bytes(),
                    Value::Text(s) => {
                        json_string(s.as_bytes().split(|&c| c == 0).next().unwrap_or_default())
                    }
                    Value::Blob(b) => json_string(b),
                };
                out.write_all(&text)?;
            }
            out.write_all(b"}")?;
        }
        if any {
            out.write_all(b"]\n")?;
        }
        Ok(())
    }

    fn write_grid(
        &self,
        out: &mut dyn Write,
        columns: &[String],
        rows: impl Iterator<Item = Vec<Value>>,
        chars: &GridChars,
    ) -> io::Result<()> {
        // Each cell as its lines, tabs expanded: a row is as tall as its
        // tallest cell.
        let cells: Vec<Vec<Vec<String>>> = rows
            .map(|row| {
                row.iter()
                    .map(|v| field_text(v).unwrap_or_else(|| self.null_value.clone()))
                    .map(|s| s.split('\n').map(expand_tabs).collect())
                    .collect()
            })
            .collect();
        if cells.is_empty() {
            return Ok(());
        }
        let mut widths: Vec<usize> = columns.iter().map(|c| display_width(c)).collect();
        for row in &cells {
            for (w, lines) in widths.iter_mut().zip(row) {
                for l in lines {
                    *w = (*w).max(display_width(l));
                }
            }
        }
        let rule = |left: &str, mid: &str, right: &str| -> String {
            let mut s = String::from(left);
            for (i, w) in widths.iter().enumerate() {
                if i > 0 {
                    s.push_str(mid);
                }
                s.push_str(&chars.horizontal.repeat(w + 2));
            }
            s.push_str(right);
            s.push('\n');
            s
        };
        out.write_all(rule(chars.top[0], chars.top[1], chars.top[2]).as_bytes())?;
        let mut line = String::from(chars.vertical);
        for (name, w) in columns.iter().zip(&widths) {
            let space = w - display_width(name);
            let left = space / 2;
            line.push_str(&format!(
                " {}{name}{} {}",
                " ".repeat(left),
                " ".repeat(space - left),
                chars.vertical
            ));
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        out.write_all(rule(chars.middle[0], chars.middle[1], chars.middle[2]).as_bytes())?;
        for row in &cells {
            let height = row.iter().map(Vec::len).max().unwrap_or(1);
            for i in 0..height {
                let mut line = String::from(chars.vertical);
                for (lines, w) in row.iter().zip(&widths) {
                    let c = lines.get(i).map_or("", String::as_str);
                    let pad = w - display_width(c);
                    line.push_str(&format!(" {c}{} {}", " ".repeat(pad), chars.vertical));
                }
                line.push('\n');
                out.write_all(line.as_bytes())?;
            }
        }
        out.write_all(rule(chars.bottom[0], chars.bottom[1], chars.bottom[2]).as_bytes())
    }
}

/// The characters that draw a grid.
struct GridChars {
    horizontal: &'static str,
    vertical: &'static str,
    top: [&'static str; 3],
    middle: [&'static str; 3],
    bottom: [&'static str; 3],
}

const BOX: GridChars = GridChars {
    horizontal: "─",
    vertical: "│",
    top: ["┌", "┬", "┐"],
    middle: ["├", "┼", "┤"],
    bottom: ["└", "┴", "┘"],
};

const ASCII: GridChars = GridChars {
    horizontal: "-",
    vertical: "|",
    top: ["+", "+", "+"],
    middle: ["+", "+", "+"],
    bottom: ["+", "+", "+"],
};

/// A line with each tab replaced by spaces up to the next multiple of 8
/// columns, and other control characters (a stray `\r`) by a space.
fn expand_tabs(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut col = 0;
    for ch in line.chars() {
        match ch {
            '\t' => {
                let next = (col / 8 + 1) * 8;
                out.push_str(&" ".repeat(next - col));
                col = next;
            }
            c if c.is_control() => {
                out.push(' ');
                col += 1;
            }
            c => {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

/// Columns a string takes on a terminal: one per character (wide East
/// Asian characters are counted as one, as sqlite3 3.40 does).
fn display_width(s: &str) -> usize {
    s.chars().count()
}

/// A JSON string literal for bytes, escaped as sqlite3 escapes it: `"`,
/// `\` and control characters; every other byte is written as it is
/// (sqlite3 does not validate UTF-8 here either).
pub fn json_string(b: &[u8]) -> Vec<u8> {
    let mut q = Vec::with_capacity(b.len() + 2);
    q.push(b'"');
    for &c in b {
        match c {
            b'"' => q.extend_from_slice(b"\\\""),
            b'\\' => q.extend_from_slice(b"\\\\"),
            b'\n' => q.extend_from_slice(b"\\n"),
            b'\r' => q.extend_from_slice(b"\\r"),
            b'\t' => q.extend_from_slice(b"\\t"),
            0x08 => q.extend_from_slice(b"\\b"),
            0x0c => q.extend_from_slice(b"\\f"),
            c if c < 0x20 => q.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            c => q.push(c),
        }
    }
    q.push(b'"');
    q
}
