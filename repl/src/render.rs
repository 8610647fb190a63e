//! A value as the sqlite3 shell prints it.
//!
//! The sqlite3 shell does not print values itself: it asks SQLite for each
//! column's text (`sqlite3_column_text`) and prints that C string. Three
//! consequences, all reproduced here, make walnut's list mode byte for byte
//! the same as sqlite3's:
//!
//! * a REAL is printed with 15 significant digits (`"%!.15g"`: `1.0`,
//!   `0.333333333333333`, `1.0e+20`, `Inf`), where SQL's `CAST(x AS TEXT)`
//!   in a recent SQLite gives 17;
//! * a BLOB is printed as its raw bytes, not as hex;
//! * text and blobs stop at their first NUL byte (`x'00ff'` prints nothing).
//!
//! NULL has no text: each output mode decides (list mode prints the
//! `.nullvalue`, empty by default).
//!
//! ```
//! use walnut_repl::render::field_bytes;
//! use walnut_sql::Value;
//!
//! assert_eq!(field_bytes(&Value::Real(1.0)).as_deref(), Some(&b"1.0"[..]));
//! assert_eq!(field_bytes(&Value::Real(1.0 / 3.0)).as_deref(), Some(&b"0.333333333333333"[..]));
//! assert_eq!(field_bytes(&Value::Blob(vec![0x41, 0, 0x42])).as_deref(), Some(&b"A"[..]));
//! assert_eq!(field_bytes(&Value::Null), None);
//! ```

use std::borrow::Cow;
use walnut_sql::Value;
use walnut_sql::format::real_to_text_with_digits;

/// Significant digits of a REAL in the shell's text modes.
pub const SHELL_REAL_DIGITS: u8 = 15;
/// Significant digits of a REAL in JSON mode (`"%!.20g"` in sqlite3).
pub const JSON_REAL_DIGITS: u8 = 20;

/// The bytes sqlite3 prints for a value, or `None` for NULL.
pub fn field_bytes(v: &Value) -> Option<Cow<'_, [u8]>> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(Cow::Owned(i.to_string().into_bytes())),
        Value::Real(r) => Some(Cow::Owned(
            real_to_text_with_digits(*r, SHELL_REAL_DIGITS).into_bytes(),
        )),
        Value::Text(s) => Some(Cow::Borrowed(up_to_nul(s.as_bytes()))),
        Value::Blob(b) => Some(Cow::Borrowed(up_to_nul(b))),
    }
}

/// The printed text as a `String` (invalid UTF-8 replaced), for the modes
/// that measure or escape characters (box, table, line, JSON).
pub fn field_text(v: &Value) -> Option<String> {
    field_bytes(v).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// A C string's view of bytes: everything before the first NUL.
fn up_to_nul(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    &b[..end]
}
