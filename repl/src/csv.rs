//! A CSV reader (RFC 4180, with the sqlite3 shell's conventions).
//!
//! CSV has one structural rule and one escape:
//!
//! * a file is a sequence of **records** ended by `\n` or `\r\n` (the last
//!   one may end at the end of the file instead); a record is a sequence
//!   of **fields** split by a separator byte (`,` by default);
//! * a field that *starts* with `"` is **quoted**: it runs to the next
//!   lone `"`, and inside it the separator, `\r` and `\n` are ordinary
//!   characters and `""` stands for one `"`. After the closing quote comes
//!   the separator, the end of the record, or the end of the file.
//!
//! ```text
//! name,note              -> ["name", "note"]
//! ann,"says ""hi"", twice" -> ["ann", "says \"hi\", twice"]
//! bob,"two               -> ["bob", "two\nlines"]     (one record, lines 3-4)
//! lines"
//! ```
//!
//! An unquoted field is taken byte for byte (a `"` inside it is an
//! ordinary character); a `\r` just before the `\n` that ends a record is
//! part of the line ending, not of the field.
//!
//! The sqlite3 shell's reader (`csv_read_one_field()` in its `shell.c`)
//! settles the cases RFC 4180 leaves open, and this reader does the same:
//!
//! * a UTF-8 byte order mark (`EF BB BF`) at the start of the file is
//!   skipped;
//! * the final line ending is optional, and after it there is no further
//!   record: `"a\n"` and `"a"` are both one record;
//! * an empty line is a record of one empty field (the importer then
//!   warns that fields are missing, as sqlite3 does);
//! * each record carries the 1-based line on which it starts; a quoted
//!   field with embedded newlines makes the next record start further down.
//!
//! Where sqlite3 only warns and guesses, this reader stops with an error
//! naming the record's first line, so that a damaged file is never
//! half-imported: a quoted field still open at the end of the file
//! (`unterminated "-quoted field`), anything but a separator or a line end
//! after a closing quote (`unescaped " character`), and bytes that are not
//! UTF-8 (walnut's TEXT is UTF-8).
//!
//! The reader pulls bytes from any [`BufRead`] and holds one record at a
//! time, so files of any size stream through it; [`CsvReader::bytes_read`]
//! tells how far it has got, for a progress display.

use std::fmt;
use std::io::BufRead;

/// One record: its fields and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The 1-based line on which the record starts.
    pub line: usize,
    /// The fields, quotes removed and `""` unescaped.
    pub fields: Vec<String>,
}

/// Why a CSV file could not be read.
#[derive(Debug)]
pub enum CsvError {
    /// The text is not valid CSV (or not UTF-8) at the record starting on
    /// `line`.
    Syntax {
        /// The 1-based line where the bad record starts.
        line: usize,
        /// What is wrong, in sqlite3's words where it has them.
        message: String,
    },
    /// The separator cannot be used: it must be one byte other than `"`,
    /// `\r` and `\n`.
    Separator(String),
    /// Reading the input failed.
    Io(std::io::Error),
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvError::Syntax { line, message } => write!(f, "line {line}: {message}"),
            CsvError::Separator(message) => f.write_str(message),
            CsvError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CsvError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CsvError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for CsvError {
    fn from(e: std::io::Error) -> Self {
        CsvError::Io(e)
    }
}

/// The separator byte for a separator given as text, as the sqlite3 shell
/// accepts it for `.import`: exactly one byte, and not `"`, `\r` or `\n`.
pub fn separator_byte(separator: &str) -> Result<u8, CsvError> {
    match separator.as_bytes() {
        [] => Err(CsvError::Separator(
            "non-null column separator required for import".into(),
        )),
        [b'"' | b'\r' | b'\n'] => Err(CsvError::Separator(format!(
            "{separator:?} cannot separate CSV fields"
        ))),
        [b] => Ok(*b),
        _ => Err(CsvError::Separator(
            "multi-character column separators not allowed for import".into(),
        )),
    }
}

/// A streaming CSV reader; see the module documentation.
#[derive(Debug)]
pub struct CsvReader<R> {
    input: R,
    separator: u8,
    /// The line the reader is on (1-based).
    line: usize,
    /// Bytes consumed so far.
    consumed: u64,
    /// Whether the byte order mark check is still to be done.
    at_start: bool,
}

/// How a field ended.
enum FieldEnd {
    Separator,
    Record,
}

impl<R: BufRead> CsvReader<R> {
    /// A reader of `input` with fields split by `separator`.
    pub fn new(input: R, separator: u8) -> Result<CsvReader<R>, CsvError> {
        if matches!(separator, b'"' | b'\r' | b'\n') {
            return Err(CsvError::Separator(format!(
                "{:?} cannot separate CSV fields",
                char::from(separator)
            )));
        }
        Ok(CsvReader {
            input,
            separator,
            line: 1,
            consumed: 0,
            at_start: true,
        })
    }

    /// Bytes of the input consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.consumed
    }

    /// The line the reader has reached (1-based).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The next record, or `None` at the end of the input.
    pub fn next_record(&mut self) -> Result<Option<Record>, CsvError> {
        let mut pending = Vec::new();
        if self.at_start {
            self.at_start = false;
            self.skip_bom(&mut pending)?;
        }
        if pending.is_empty() && self.peek()?.is_none() {
            return Ok(None);
        }
        let start = self.line;
        let mut fields = Vec::new();
        loop {
            let mut raw = std::mem::take(&mut pending);
            let end = if raw.is_empty() && self.peek()? == Some(b'"') {
                self.bump();
                self.quoted_field(&mut raw, start)?
            } else {
                self.plain_field(&mut raw)?
            };
            let field = String::from_utf8(raw).map_err(|_| CsvError::Syntax {
                line: start,
                message: format!("field {} is not valid UTF-8", fields.len() + 1),
            })?;
            fields.push(field);
            if let FieldEnd::Record = end {
                return Ok(Some(Record {
                    line: start,
                    fields,
                }));
            }
        }
    }

    /// Skips a UTF-8 byte order mark; bytes that begin like one but are
    /// not go to `pending`, the start of the first field.
    fn skip_bom(&mut self, pending: &mut Vec<u8>) -> Result<(), CsvError> {
        for expected in [0xEF, 0xBB, 0xBF] {
            if self.peek()? != Some(expected) {
                return Ok(());
            }
            self.bump();
            pending.push(expected);
        }
        pending.clear();
        Ok(())
    }

    /// An unquoted field: up to the separator, the line end or the end.
    fn plain_field(&mut self, raw: &mut Vec<u8>) -> Result<FieldEnd, CsvError> {
        let sep = self.separator;
        match self.take_until(raw, |b| b == sep || b == b'\n')? {
            Some(b'\n') => {
                self.bump();
                self.line += 1;
                if raw.last() == Some(&b'\r') {
                    raw.pop();
                }
                Ok(FieldEnd::Record)
            }
            Some(_) => {
                self.bump();
                Ok(FieldEnd::Separator)
            }
            None => Ok(FieldEnd::Record),
        }
    }

    /// A quoted field, its opening quote consumed.
    fn quoted_field(&mut self, raw: &mut Vec<u8>, start: usize) -> Result<FieldEnd, CsvError> {
        loop {
            if self.take_until(raw, |b| b == b'"')?.is_none() {
                return Err(CsvError::Syntax {
                    line: start,
                    message: "unterminated \"-quoted field".into(),
                });
            }
            self.bump();
            if self.peek()? == Some(b'"') {
                self.bump();
                raw.push(b'"');
                continue;
            }
            break;
        }
        match self.peek()? {
            None => Ok(FieldEnd::Record),
            Some(b) if b == self.separator => {
                self.bump();
                Ok(FieldEnd::Separator)
            }
            Some(b'\n') => {
                self.bump();
                self.line += 1;
                Ok(FieldEnd::Record)
            }
            Some(b'\r') => {
                self.bump();
                if self.peek()? == Some(b'\n') {
                    self.bump();
                    self.line += 1;
                    Ok(FieldEnd::Record)
                } else {
                    Err(self.unescaped_quote(start))
                }
            }
            Some(_) => Err(self.unescaped_quote(start)),
        }
    }

    fn unescaped_quote(&self, start: usize) -> CsvError {
        CsvError::Syntax {
            line: start,
            message: "unescaped \" character (a quote inside a quoted field must be doubled)"
                .into(),
        }
    }

    /// Appends bytes to `out` up to (not including) the first byte that
    /// `stop` accepts, and returns that byte, or `None` at the end of the
    /// input. Newlines passed over are counted.
    fn take_until(
        &mut self,
        out: &mut Vec<u8>,
        stop: impl Fn(u8) -> bool,
    ) -> Result<Option<u8>, CsvError> {
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let found = buf.iter().position(|&b| stop(b));
            let run = &buf[..found.unwrap_or(buf.len())];
            out.extend_from_slice(run);
            self.line += run.iter().filter(|&&b| b == b'\n').count();
            let (n, stopped_at) = (run.len(), found.map(|i| buf[i]));
            self.input.consume(n);
            self.consumed += n as u64;
            if stopped_at.is_some() {
                return Ok(stopped_at);
            }
        }
    }

    /// The next byte, not consumed.
    fn peek(&mut self) -> Result<Option<u8>, CsvError> {
        Ok(self.input.fill_buf()?.first().copied())
    }

    /// Consumes the byte [`peek`](Self::peek) returned.
    fn bump(&mut self) {
        self.input.consume(1);
        self.consumed += 1;
    }
}

impl<R: BufRead> Iterator for CsvReader<R> {
    type Item = Result<Record, CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}

/// Every record of a CSV text (a convenience for small inputs and tests).
pub fn parse(text: &str, separator: u8) -> Result<Vec<Record>, CsvError> {
    CsvReader::new(text.as_bytes(), separator)?.collect()
}
