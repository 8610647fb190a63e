//! SQLite's core scalar functions over [`Value`]s.
//!
//! The reference is <https://sqlite.org/lang_corefunc.html> (and
//! <https://sqlite.org/printf.html> for `printf()`), as implemented in
//! SQLite's `func.c` and `printf.c`. [`Scalar::resolve`] finds a function by
//! name (case-insensitively) and checks the number of arguments like SQLite:
//! "wrong number of arguments to function abs()", "no such function: foo";
//! [`Scalar::call`] runs it ([`call`] does both).
//!
//! Functions provided: `abs`, `char`, `coalesce`, `concat`, `concat_ws`,
//! `format`, `glob`, `hex`, `ifnull`, `instr`, `length`, `like`, `lower`,
//! `ltrim`, `max` and `min` (the scalar forms, two or more arguments),
//! `nullif`, `octet_length`, `printf`, `quote`, `replace`, `round`,
//! `rtrim`, `sign`, `substr`, `substring`, `trim`, `typeof`, `unhex`,
//! `unicode`, `upper`, `zeroblob`.
//!
//! # Conventions SQLite's functions share
//!
//! * A "text" argument is taken as SQLite's `sqlite3_value_text()` gives it:
//!   numbers rendered as `CAST(x AS TEXT)` does, a blob's bytes as they are,
//!   NULL as "no text" (usually making the result NULL).
//! * An "integer" argument is taken like CAST AS INTEGER (text's integer
//!   prefix, REAL truncated); a "real" argument like CAST AS REAL.
//! * Several functions see text as a C string and stop at the first NUL
//!   character: `length()` (but not `octet_length()`), `substr()` on text,
//!   `quote()`, `printf()`'s format and `%s` arguments, `like()`, `glob()`,
//!   `unicode()`, `trim()`'s character set. Kept, since SQLite does it.
//! * `lower()` and `upper()` change ASCII letters only (SQLite without ICU).
//! * Functions that can build text from blob bytes (`lower(x'ff')`,
//!   `char(0xd800)`, `printf('%.1s', 'é')`, ...) produce text that is not
//!   UTF-8 in SQLite; walnut refuses those with [`FuncError::NotUtf8`].
//!
//! `coalesce()` and `ifnull()` are given already-evaluated arguments here;
//! SQLite evaluates their arguments lazily, which only matters for
//! arguments with errors or side effects. That is the executor's concern.

use crate::affinity;
use crate::format::{self, FloatConv, FloatSpec};
use crate::like;
use crate::ops::OpError;
use crate::value::Value;
use std::borrow::Cow;
use thiserror::Error;

/// Why a function call has no result.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FuncError {
    /// There is no function of that name.
    #[error("no such function: {0}")]
    NoSuchFunction(String),
    /// The function exists but not with that many arguments.
    #[error("wrong number of arguments to function {0}()")]
    WrongArgCount(String),
    /// `min(x)` / `max(x)` with one argument are aggregate functions.
    #[error("{0}() with one argument is an aggregate function, not a scalar one")]
    Aggregate(String),
    /// `abs(-9223372036854775808)`.
    #[error("integer overflow")]
    IntegerOverflow,
    /// The result would be longer than SQLite's maximum length.
    #[error("string or blob too big")]
    TooBig,
    /// The result would be TEXT that is not valid UTF-8 (see the module
    /// documentation).
    #[error(
        "the result is not valid UTF-8 text (walnut's TEXT is UTF-8; SQLite would keep the raw bytes)"
    )]
    NotUtf8,
    /// `LIKE ... ESCAPE e` where `e` is not exactly one character.
    #[error("ESCAPE expression must be a single character")]
    BadEscape,
    /// A LIKE or GLOB pattern longer than SQLite's limit (50000 bytes).
    #[error("LIKE or GLOB pattern too complex")]
    PatternTooComplex,
}

impl From<OpError> for FuncError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::NotUtf8 => FuncError::NotUtf8,
            OpError::TooBig => FuncError::TooBig,
        }
    }
}

/// SQLite's default `SQLITE_LIMIT_LIKE_PATTERN_LENGTH`.
pub const MAX_LIKE_PATTERN_LENGTH: usize = 50_000;

/// The arity rule of a function.
#[derive(Debug, Clone, Copy)]
enum Arity {
    Exactly(usize),
    OneOf(usize, usize),
    AtLeast(usize),
    Any,
}

impl Arity {
    fn allows(self, n: usize) -> bool {
        match self {
            Arity::Exactly(k) => n == k,
            Arity::OneOf(a, b) => n == a || n == b,
            Arity::AtLeast(k) => n >= k,
            Arity::Any => true,
        }
    }
}

/// Declares [`Scalar`]: one variant per name, with its arity.
macro_rules! scalars {
    ($($variant:ident $name:literal $arity:expr;)*) => {
        /// A scalar function walnut knows, resolved from its name once,
        /// when a statement is bound ([`Scalar::resolve`]), so that
        /// evaluating a call for every row does not look the name up again.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Scalar {
            $(
                #[doc = concat!("`", $name, "()`")]
                $variant,
            )*
        }

        impl Scalar {
            /// The function named `name` (lower-case), if walnut has it.
            fn named(name: &str) -> Option<Scalar> {
                match name {
                    $($name => Some(Scalar::$variant),)*
                    _ => None,
                }
            }

            /// The function's name, lower-case, as SQL spells it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Scalar::$variant => $name,)*
                }
            }

            fn arity(self) -> Arity {
                #[allow(unused_imports)]
                use Arity::*;
                match self {
                    $(Scalar::$variant => $arity,)*
                }
            }
        }
    };
}

scalars! {
    Abs "abs" Exactly(1);
    Char "char" Any;
    Coalesce "coalesce" AtLeast(2);
    Concat "concat" AtLeast(1);
    ConcatWs "concat_ws" AtLeast(2);
    Format "format" Any;
    Glob "glob" Exactly(2);
    Hex "hex" Exactly(1);
    Ifnull "ifnull" Exactly(2);
    Instr "instr" Exactly(2);
    Length "length" Exactly(1);
    Like "like" OneOf(2, 3);
    Lower "lower" Exactly(1);
    Ltrim "ltrim" OneOf(1, 2);
    Max "max" AtLeast(1);
    Min "min" AtLeast(1);
    Nullif "nullif" Exactly(2);
    OctetLength "octet_length" Exactly(1);
    Printf "printf" Any;
    Quote "quote" Exactly(1);
    Replace "replace" Exactly(3);
    Round "round" OneOf(1, 2);
    Rtrim "rtrim" OneOf(1, 2);
    Sign "sign" Exactly(1);
    Substr "substr" OneOf(2, 3);
    Substring "substring" OneOf(2, 3);
    Trim "trim" OneOf(1, 2);
    Typeof "typeof" Exactly(1);
    Unhex "unhex" OneOf(1, 2);
    Unicode "unicode" Exactly(1);
    Upper "upper" Exactly(1);
    Zeroblob "zeroblob" Exactly(1);
}

impl Scalar {
    /// The function `name` (any case) called with `n` arguments, checked
    /// as SQLite checks it when it prepares a statement: "no such
    /// function: foo", "wrong number of arguments to function abs()".
    pub fn resolve(name: &str, n: usize) -> Result<Scalar, FuncError> {
        let lname = name.to_ascii_lowercase();
        let f = Scalar::named(&lname).ok_or_else(|| FuncError::NoSuchFunction(name.to_string()))?;
        if !f.arity().allows(n) {
            return Err(FuncError::WrongArgCount(lname));
        }
        Ok(f)
    }

    /// Calls the function on `args`, whose number [`Scalar::resolve`]
    /// checked (a missing argument reads as NULL).
    pub fn call(self, args: &[Value]) -> Result<Value, FuncError> {
        let a = |i: usize| args.get(i).unwrap_or(&Value::Null);
        use Scalar::*;
        match self {
            Abs => abs(a(0)),
            Char => char_fn(args),
            Coalesce | Ifnull => Ok(coalesce(args)),
            Concat => concat(args),
            ConcatWs => concat_ws(a(0), args.get(1..).unwrap_or(&[])),
            Format | Printf => printf(args),
            Glob => glob(a(0), a(1)),
            Hex => Ok(hex(a(0))),
            Instr => Ok(instr(a(0), a(1))),
            Length => Ok(length(a(0))),
            Like => like(a(0), a(1), args.get(2)),
            Lower => lower(a(0)),
            Ltrim => trim(a(0), args.get(1), TrimSide::Left),
            Max | Min => {
                if args.len() == 1 {
                    return Err(FuncError::Aggregate(self.name().to_string()));
                }
                Ok(if self == Max { max(args) } else { min(args) })
            }
            Nullif => Ok(nullif(a(0), a(1))),
            OctetLength => Ok(octet_length(a(0))),
            Quote => Ok(Value::Text(format::quote(a(0)))),
            Replace => replace(a(0), a(1), a(2)),
            Round => Ok(round(a(0), args.get(1))),
            Rtrim => trim(a(0), args.get(1), TrimSide::Right),
            Sign => Ok(sign(a(0))),
            Substr | Substring => substr(a(0), a(1), args.get(2)),
            Trim => trim(a(0), args.get(1), TrimSide::Both),
            Typeof => Ok(Value::Text(a(0).type_name().to_string())),
            Unhex => Ok(unhex(a(0), args.get(1))),
            Unicode => Ok(unicode(a(0))),
            Upper => upper(a(0)),
            Zeroblob => zeroblob(a(0)),
        }
    }
}

/// True if `name` is a scalar function [`call`] knows (any case).
pub fn exists(name: &str) -> bool {
    Scalar::named(&name.to_ascii_lowercase()).is_some()
}

/// Calls the scalar function `name` (case-insensitive) on `args`.
///
/// ```
/// use walnut_sql::{func, Value};
/// assert_eq!(func::call("LENGTH", &[Value::Text("walnut".into())]), Ok(Value::Integer(6)));
/// ```
pub fn call(name: &str, args: &[Value]) -> Result<Value, FuncError> {
    Scalar::resolve(name, args.len())?.call(args)
}

/// Bytes that must become a TEXT value.
fn text_value(bytes: Vec<u8>) -> Result<Value, FuncError> {
    String::from_utf8(bytes)
        .map(Value::Text)
        .map_err(|_| FuncError::NotUtf8)
}

/// The bytes of a text argument up to its first NUL (SQLite's C-string
/// view).
fn c_str(b: &[u8]) -> &[u8] {
    match b.iter().position(|&x| x == 0) {
        Some(p) => &b[..p],
        None => b,
    }
}

/// Steps over one UTF-8 character at `z[i]` (SQLite's `SQLITE_SKIP_UTF8`).
fn skip_utf8(z: &[u8], mut i: usize) -> usize {
    let c = z[i];
    i += 1;
    if c >= 0xc0 {
        while i < z.len() && (z[i] & 0xc0) == 0x80 {
            i += 1;
        }
    }
    i
}

/// `abs(x)`: INTEGER stays INTEGER (error for i64::MIN); anything else
/// non-NULL becomes a REAL (`abs('-5')` is 5.0).
pub fn abs(x: &Value) -> Result<Value, FuncError> {
    Ok(match x {
        Value::Null => Value::Null,
        Value::Integer(i) => Value::Integer(i.checked_abs().ok_or(FuncError::IntegerOverflow)?),
        other => {
            let r = affinity::value_to_f64(other);
            Value::Real(if r < 0.0 { -r } else { r })
        }
    })
}

/// `coalesce(..)` / `ifnull(a, b)`: the first non-NULL argument.
pub fn coalesce(args: &[Value]) -> Value {
    args.iter()
        .find(|v| !matches!(v, Value::Null))
        .cloned()
        .unwrap_or(Value::Null)
}

/// `nullif(a, b)`: NULL if `a` and `b` compare equal (no affinity, BINARY
/// collation; NULL equals NULL here), else `a`.
pub fn nullif(a: &Value, b: &Value) -> Value {
    if a.sort_cmp(b) == std::cmp::Ordering::Equal {
        Value::Null
    } else {
        a.clone()
    }
}

/// `length(x)`: characters of text (up to a NUL), bytes of a blob, the
/// length of a number's text; NULL for NULL.
pub fn length(x: &Value) -> Value {
    match x {
        Value::Null => Value::Null,
        Value::Blob(b) => Value::Integer(b.len() as i64),
        Value::Text(t) if ascii_without_nul(t.as_bytes()) => Value::Integer(t.len() as i64),
        Value::Text(t) => {
            let upto = t.find('\0').unwrap_or(t.len());
            Value::Integer(t[..upto].chars().count() as i64)
        }
        other => Value::Integer(format::text_bytes(other).map_or(0, |b| b.len()) as i64),
    }
}

/// Whether every byte is ASCII and none is NUL (then a text's length is
/// its size), tested eight bytes at a time: the common text, and a third
/// of the cost of finding the NUL and counting characters separately.
fn ascii_without_nul(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = b.chunks_exact(8);
    let mut bad = 0u64;
    for word in &mut words {
        let w = <[u8; 8]>::try_from(word).map_or(HIGH, u64::from_le_bytes);
        // A high bit set, or a zero byte (the borrow of `w - ONES`).
        bad |= w | (w.wrapping_sub(ONES) & !w);
    }
    bad & HIGH == 0 && words.remainder().iter().all(|&c| c != 0 && c < 0x80)
}

/// `octet_length(x)`: bytes of the value's text or blob (the whole text,
/// NULs included).
pub fn octet_length(x: &Value) -> Value {
    match format::text_bytes(x) {
        None => Value::Null,
        Some(b) => Value::Integer(b.len() as i64),
    }
}

/// `lower(x)`: ASCII letters to lower case.
pub fn lower(x: &Value) -> Result<Value, FuncError> {
    match format::text_bytes(x) {
        None => Ok(Value::Null),
        Some(b) => text_value(b.to_ascii_lowercase()),
    }
}

/// `upper(x)`: ASCII letters to upper case.
pub fn upper(x: &Value) -> Result<Value, FuncError> {
    match format::text_bytes(x) {
        None => Ok(Value::Null),
        Some(b) => text_value(b.to_ascii_uppercase()),
    }
}

/// `typeof(x)`.
pub fn type_of(x: &Value) -> Value {
    Value::Text(x.type_name().to_string())
}

/// `hex(x)`: upper-case hex of the value's bytes (its text for numbers);
/// `hex(NULL)` is the empty text.
pub fn hex(x: &Value) -> Value {
    match format::text_bytes(x) {
        None => Value::Text(String::new()),
        Some(b) => Value::Text(format::hex_upper(&b)),
    }
}

/// `unhex(x [, ignore])`: the blob whose hex `x` is; characters of `ignore`
/// may appear between (not inside) the pairs; NULL if `x` is not such hex.
pub fn unhex(x: &Value, ignore: Option<&Value>) -> Value {
    let Some(h) = format::text_bytes(x) else {
        return Value::Null;
    };
    let pass: Vec<u32> = match ignore {
        None => Vec::new(),
        Some(v) => match format::text_bytes(v) {
            None => return Value::Null,
            Some(p) => like::decode_utf8(&p),
        },
    };
    let h = c_str(&h);
    let mut out = Vec::with_capacity(h.len() / 2);
    let mut i = 0;
    while i < h.len() {
        let c = h[i];
        if !c.is_ascii_hexdigit() {
            // One (possibly multi-byte) character that must be in `pass`.
            let end = skip_utf8(h, i);
            let ch = like::decode_utf8(&h[i..end]);
            let ch = ch.first().copied().unwrap_or(0);
            if !pass.contains(&ch) {
                return Value::Null;
            }
            i = end;
            continue;
        }
        let Some(&d) = h.get(i + 1) else {
            return Value::Null;
        };
        if !d.is_ascii_hexdigit() {
            return Value::Null;
        }
        out.push((hex_val(c) << 4) | hex_val(d));
        i += 2;
    }
    Value::Blob(out)
}

fn hex_val(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// `unicode(x)`: the code point of the first character, NULL if empty.
pub fn unicode(x: &Value) -> Value {
    match format::text_bytes(x) {
        None => Value::Null,
        Some(b) => match like::decode_utf8(&b).first() {
            None => Value::Null,
            Some(&c) => Value::Integer(i64::from(c)),
        },
    }
}

/// `char(a, b, ...)`: the text of those code points (out-of-range ones are
/// U+FFFD). Surrogate code points give text that is not UTF-8: refused.
pub fn char_fn(args: &[Value]) -> Result<Value, FuncError> {
    let mut s = String::with_capacity(args.len());
    for a in args {
        let x = affinity::value_to_i64(a);
        let x = if !(0..=0x10ffff).contains(&x) {
            0xfffd
        } else {
            x as u32
        };
        s.push(char::from_u32(x).ok_or(FuncError::NotUtf8)?);
    }
    Ok(Value::Text(s))
}

/// `zeroblob(n)`: `n` zero bytes (none if `n` is negative).
pub fn zeroblob(n: &Value) -> Result<Value, FuncError> {
    let n = affinity::value_to_i64(n).max(0);
    if n as u64 > format::MAX_LENGTH as u64 {
        return Err(FuncError::TooBig);
    }
    Ok(Value::Blob(vec![0; n as usize]))
}

/// `sign(x)`: -1, 0 or 1 for numbers and for text that is entirely a
/// number; NULL for anything else (other text, blobs, NULL).
pub fn sign(x: &Value) -> Value {
    let r = match x {
        Value::Integer(i) => *i as f64,
        Value::Real(r) => *r,
        Value::Text(t) => match affinity::apply_numeric_affinity(t.as_bytes(), false) {
            Some(v) => affinity::value_to_f64(&v),
            None => return Value::Null,
        },
        _ => return Value::Null,
    };
    Value::Integer(if r < 0.0 {
        -1
    } else if r > 0.0 {
        1
    } else {
        0
    })
}

/// `instr(haystack, needle)`: 1-based character position of the first
/// occurrence (byte position if both are blobs), 0 if none, 1 for an empty
/// needle; NULL if either is NULL.
pub fn instr(haystack: &Value, needle: &Value) -> Value {
    let (Some(h), Some(n)) = (format::text_bytes(haystack), format::text_bytes(needle)) else {
        return Value::Null;
    };
    if n.is_empty() {
        return Value::Integer(1);
    }
    let is_text = !(matches!(haystack, Value::Blob(_)) && matches!(needle, Value::Blob(_)));
    let mut pos = 1i64;
    let mut i = 0usize;
    loop {
        if h.len() - i < n.len() {
            return Value::Integer(0);
        }
        if h[i..].starts_with(&n) {
            return Value::Integer(pos);
        }
        pos += 1;
        i += 1;
        while is_text && i < h.len() && (h[i] & 0xc0) == 0x80 {
            i += 1;
        }
    }
}

/// `substr(x, start [, len])`: SQLite's 1-based substring with its rules
/// for zero and negative arguments; characters for text (stopping at a
/// NUL), bytes for blobs. NULL if any argument is NULL, and (as in SQLite)
/// for an empty blob.
pub fn substr(x: &Value, start: &Value, len: Option<&Value>) -> Result<Value, FuncError> {
    let is_blob = matches!(x, Value::Blob(_));
    let Some(bytes) = format::text_bytes(x) else {
        return Ok(Value::Null);
    };
    if is_blob && bytes.is_empty() {
        // Surprising but SQLite: sqlite3_value_blob() of an empty blob is a
        // NULL pointer, and substr() then returns NULL.
        return Ok(Value::Null);
    }
    let mut p1 = affinity::value_to_i64(start);
    let mut p2 = match len {
        Some(l) => {
            if matches!(l, Value::Null) {
                return Ok(Value::Null);
            }
            affinity::value_to_i64(l)
        }
        None => i64::MAX,
    };
    let z: &[u8] = if is_blob { &bytes } else { c_str(&bytes) };
    let total: i64 = if is_blob {
        z.len() as i64
    } else if p1 < 0 {
        count_chars(z)
    } else {
        0
    };
    if p1 == 0 && matches!(start, Value::Null) {
        return Ok(Value::Null);
    }
    if p1 < 0 {
        p1 = p1.wrapping_add(total);
        if p1 < 0 {
            p2 = if p2 < 0 { 0 } else { p2.wrapping_add(p1) };
            p1 = 0;
        }
    } else if p1 > 0 {
        p1 -= 1;
    } else if p2 > 0 {
        p2 -= 1;
    }
    if p2 < 0 {
        if p2 < p1.wrapping_neg() {
            p2 = p1;
        } else {
            p2 = p2.wrapping_neg();
        }
        p1 = p1.wrapping_sub(p2);
    }
    if is_blob {
        let len = z.len() as i64;
        // (p1 and p2 are never negative here; the clamps only keep slicing
        // panic-free should that reasoning ever be wrong.)
        let (from, n) = if p1 >= len {
            (0, 0)
        } else {
            (p1.max(0), p2.clamp(0, len - p1.max(0)))
        };
        return Ok(Value::Blob(z[from as usize..(from + n) as usize].to_vec()));
    }
    let mut i = 0usize;
    let mut k = p1;
    while k > 0 && i < z.len() {
        i = skip_utf8(z, i);
        k -= 1;
    }
    let from = i;
    let mut k = p2;
    while k > 0 && i < z.len() {
        i = skip_utf8(z, i);
        k -= 1;
    }
    text_value(z[from..i].to_vec())
}

fn count_chars(z: &[u8]) -> i64 {
    let mut n = 0;
    let mut i = 0;
    while i < z.len() {
        i = skip_utf8(z, i);
        n += 1;
    }
    n
}

/// Which end(s) `trim()` works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrimSide {
    /// `ltrim()`
    Left,
    /// `rtrim()`
    Right,
    /// `trim()`
    Both,
}

/// `trim(x [, chars])` and friends: removes characters of `chars` (default
/// a space) from the chosen end(s). NULL if `x` or `chars` is NULL.
pub fn trim(x: &Value, chars: Option<&Value>, side: TrimSide) -> Result<Value, FuncError> {
    let Some(input) = format::text_bytes(x) else {
        return Ok(Value::Null);
    };
    let set: Vec<Vec<u8>> = match chars {
        None => vec![b" ".to_vec()],
        Some(c) => match format::text_bytes(c) {
            None => return Ok(Value::Null),
            Some(cb) => {
                let cb = c_str(&cb);
                let mut v = Vec::new();
                let mut i = 0;
                while i < cb.len() {
                    let e = skip_utf8(cb, i);
                    v.push(cb[i..e].to_vec());
                    i = e;
                }
                v
            }
        },
    };
    let mut z: &[u8] = &input;
    if !set.is_empty() {
        if side != TrimSide::Right {
            while !z.is_empty() {
                match set.iter().find(|c| z.starts_with(c)) {
                    Some(c) => z = &z[c.len()..],
                    None => break,
                }
            }
        }
        if side != TrimSide::Left {
            while !z.is_empty() {
                match set.iter().find(|c| z.ends_with(c)) {
                    Some(c) => z = &z[..z.len() - c.len()],
                    None => break,
                }
            }
        }
    }
    text_value(z.to_vec())
}

/// `replace(x, from, to)`: every occurrence of `from` replaced by `to`
/// (byte-exact). An empty `from` returns `x` (as text); NULL if any
/// argument is NULL.
pub fn replace(x: &Value, from: &Value, to: &Value) -> Result<Value, FuncError> {
    let Some(s) = format::text_bytes(x) else {
        return Ok(Value::Null);
    };
    let Some(pat) = format::text_bytes(from) else {
        return Ok(Value::Null);
    };
    if pat.first().is_none_or(|&b| b == 0) {
        return text_value(s.into_owned());
    }
    let Some(rep) = format::text_bytes(to) else {
        return Ok(Value::Null);
    };
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(&pat) {
            out.extend_from_slice(&rep);
            if out.len() > format::MAX_LENGTH {
                return Err(FuncError::TooBig);
            }
            i += pat.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    text_value(out)
}

/// `round(x [, digits])`: a REAL rounded half away from zero to `digits`
/// (0..=30) decimal places, using SQLite's decimal conversion. NULL if
/// either argument is NULL.
pub fn round(x: &Value, digits: Option<&Value>) -> Value {
    let mut n: i64 = 0;
    if let Some(d) = digits {
        if matches!(d, Value::Null) {
            return Value::Null;
        }
        n = affinity::value_to_i64(d).clamp(0, 30);
    }
    if matches!(x, Value::Null) {
        return Value::Null;
    }
    let mut r = affinity::value_to_f64(x);
    if !(-4_503_599_627_370_496.0..=4_503_599_627_370_496.0).contains(&r) {
        // No fractional part: nothing to round.
    } else if n == 0 {
        r = ((r + if r < 0.0 { -0.5 } else { 0.5 }) as i64) as f64;
    } else {
        let spec = FloatSpec::plain(FloatConv::Fixed, n);
        let mut buf = Vec::new();
        if format::render_float(&mut buf, r, &spec).is_ok() {
            r = affinity::atof(&buf).value;
        }
    }
    Value::real(r)
}

/// `min(a, b, ...)` (scalar): the smallest argument in SQLite's cross-type
/// order, NULL if any argument is NULL. Among equal arguments the last one
/// wins (`min(1, 1.0)` is 1.0), as in SQLite.
pub fn min(args: &[Value]) -> Value {
    minmax(args, false)
}

/// `max(a, b, ...)` (scalar): the largest argument, NULL if any is NULL.
/// Among equal arguments the first one wins (`max(1, 1.0)` is 1).
pub fn max(args: &[Value]) -> Value {
    minmax(args, true)
}

fn minmax(args: &[Value], want_max: bool) -> Value {
    let mut best = 0usize;
    if args.iter().any(|v| matches!(v, Value::Null)) || args.is_empty() {
        return Value::Null;
    }
    for i in 1..args.len() {
        let c = args[best].sort_cmp(&args[i]);
        let take = if want_max {
            c == std::cmp::Ordering::Less
        } else {
            c != std::cmp::Ordering::Less
        };
        if take {
            best = i;
        }
    }
    args[best].clone()
}

/// `concat(a, ...)`: the texts of the non-NULL arguments, joined.
pub fn concat(args: &[Value]) -> Result<Value, FuncError> {
    join(args, b"")
}

/// `concat_ws(sep, a, ...)`: the non-NULL arguments joined with `sep`;
/// NULL if `sep` is NULL.
pub fn concat_ws(sep: &Value, args: &[Value]) -> Result<Value, FuncError> {
    match format::text_bytes(sep) {
        None => Ok(Value::Null),
        Some(s) => join(args, &s),
    }
}

fn join(args: &[Value], sep: &[u8]) -> Result<Value, FuncError> {
    let mut out = Vec::new();
    let mut first = true;
    for a in args {
        if let Some(b) = format::text_bytes(a) {
            if !first {
                out.extend_from_slice(sep);
            }
            out.extend_from_slice(&b);
            first = false;
            if out.len() > format::MAX_LENGTH {
                return Err(FuncError::TooBig);
            }
        }
    }
    text_value(out)
}

/// `like(pattern, text [, escape])`, i.e. `text LIKE pattern [ESCAPE e]`:
/// 1, 0, or NULL if an argument is NULL.
pub fn like(pattern: &Value, text: &Value, escape: Option<&Value>) -> Result<Value, FuncError> {
    let pat_len = format::text_bytes(pattern).map_or(0, |p| p.len());
    if pat_len > MAX_LIKE_PATTERN_LENGTH {
        return Err(FuncError::PatternTooComplex);
    }
    let esc = match escape {
        None => None,
        Some(e) => {
            let Some(eb) = format::text_bytes(e) else {
                return Ok(Value::Null);
            };
            let cps = like::decode_utf8(&eb);
            if cps.len() != 1 {
                return Err(FuncError::BadEscape);
            }
            Some(cps[0])
        }
    };
    let (Some(p), Some(t)) = (format::text_bytes(pattern), format::text_bytes(text)) else {
        return Ok(Value::Null);
    };
    Ok(Value::Integer(i64::from(like::like_bytes(&p, &t, esc))))
}

/// `glob(pattern, text)`, i.e. `text GLOB pattern`.
pub fn glob(pattern: &Value, text: &Value) -> Result<Value, FuncError> {
    let pat_len = format::text_bytes(pattern).map_or(0, |p| p.len());
    if pat_len > MAX_LIKE_PATTERN_LENGTH {
        return Err(FuncError::PatternTooComplex);
    }
    let (Some(p), Some(t)) = (format::text_bytes(pattern), format::text_bytes(text)) else {
        return Ok(Value::Null);
    };
    Ok(Value::Integer(i64::from(like::glob_bytes(&p, &t))))
}

// ---------------------------------------------------------------------------
// printf
// ---------------------------------------------------------------------------

/// `printf(format, ...)` / `format(format, ...)`.
///
/// Supports SQLite's conversions: `%d %i %u %x %X %o %c %s %z %q %Q %w %f
/// %e %E %g %G %r %p %j %J %n %%`, the flags `- + space # 0 ! ,`, a width
/// and a precision (either may be `*`, taken from the next argument). As in
/// SQLite: missing arguments read as 0 / 0.0 / NULL; an unknown conversion
/// (or `%T`, `%S`) ends the output right there; a `%` at the very end is
/// written as is. Width and precision count bytes, or characters with `!`.
/// NULL if there are no arguments or the format is NULL.
pub fn printf(args: &[Value]) -> Result<Value, FuncError> {
    let Some(fmt_val) = args.first() else {
        return Ok(Value::Null);
    };
    let Some(fmt) = format::text_bytes(fmt_val) else {
        return Ok(Value::Null);
    };
    let mut out = Vec::new();
    let mut a = PrintfArgs {
        args: &args[1..],
        used: 0,
    };
    format_into(&mut out, c_str(&fmt), &mut a)?;
    text_value(out)
}

/// Arguments consumed in order by a format string.
struct PrintfArgs<'a> {
    args: &'a [Value],
    used: usize,
}

impl PrintfArgs<'_> {
    fn next(&mut self) -> Option<&Value> {
        let v = self.args.get(self.used);
        if v.is_some() {
            self.used += 1;
        }
        v
    }
    fn int(&mut self) -> i64 {
        self.next().map_or(0, affinity::value_to_i64)
    }
    fn real(&mut self) -> f64 {
        self.next().map_or(0.0, affinity::value_to_f64)
    }
    fn text(&mut self) -> Option<Cow<'_, [u8]>> {
        self.next().and_then(format::text_bytes)
    }
}

fn check_len(out: &[u8], extra: i64) -> Result<(), FuncError> {
    if (out.len() as i64).saturating_add(extra) >= format::MAX_LENGTH as i64 {
        Err(FuncError::TooBig)
    } else {
        Ok(())
    }
}

fn push_repeat(out: &mut Vec<u8>, n: i64, c: u8) -> Result<(), FuncError> {
    if n > 0 {
        check_len(out, n)?;
        out.extend(std::iter::repeat_n(c, n as usize));
    }
    Ok(())
}

/// Pads `body` to `width` (bytes) with spaces, SQLite's generic field
/// output.
fn emit(out: &mut Vec<u8>, body: &[u8], width: i64, left: bool) -> Result<(), FuncError> {
    let pad = width - body.len() as i64;
    check_len(out, body.len() as i64 + pad.max(0))?;
    if pad > 0 && !left {
        push_repeat(out, pad, b' ')?;
    }
    out.extend_from_slice(body);
    if pad > 0 && left {
        push_repeat(out, pad, b' ')?;
    }
    Ok(())
}

/// The body of SQLite's `sqlite3_str_vappendf()` for SQL functions.
fn format_into(out: &mut Vec<u8>, fmt: &[u8], args: &mut PrintfArgs) -> Result<(), FuncError> {
    let at = |i: usize| -> u8 { fmt.get(i).copied().unwrap_or(0) };
    let mut i = 0usize;
    while i < fmt.len() {
        if fmt[i] != b'%' {
            let end = fmt[i..]
                .iter()
                .position(|&b| b == b'%')
                .map_or(fmt.len(), |p| i + p);
            check_len(out, (end - i) as i64)?;
            out.extend_from_slice(&fmt[i..end]);
            i = end;
            continue;
        }
        // fmt[i] == '%'
        i += 1;
        let mut c = at(i);
        if c == 0 {
            out.push(b'%');
            break;
        }
        let mut left = false;
        let mut prefix_flag: Option<u8> = None;
        let mut alt = false;
        let mut alt2 = false;
        let mut zeropad = false;
        let mut thousands = false;
        let mut width: i64 = 0;
        let mut precision: i64 = -1;
        // Flags, width, precision, as SQLite's do/while loop reads them.
        loop {
            let mut done = false;
            match c {
                b'-' => left = true,
                b'+' => prefix_flag = Some(b'+'),
                b' ' => prefix_flag = Some(b' '),
                b'#' => alt = true,
                b'!' => alt2 = true,
                b'0' => zeropad = true,
                b',' => thousands = true,
                b'l' => {
                    i += 1;
                    c = at(i);
                    if c == b'l' {
                        i += 1;
                        c = at(i);
                    }
                    done = true;
                }
                b'1'..=b'9' => {
                    let mut wx: u32 = u32::from(c - b'0');
                    i += 1;
                    c = at(i);
                    while c.is_ascii_digit() {
                        wx = wx.wrapping_mul(10).wrapping_add(u32::from(c - b'0'));
                        i += 1;
                        c = at(i);
                    }
                    width = i64::from(wx & 0x7fff_ffff);
                    if c != b'.' && c != b'l' {
                        done = true;
                    } else {
                        i -= 1;
                    }
                }
                b'*' => {
                    width = i64::from(args.int() as i32);
                    if width < 0 {
                        left = true;
                        width = if width >= -2_147_483_647 { -width } else { 0 };
                    }
                    let nx = at(i + 1);
                    if nx != b'.' && nx != b'l' {
                        i += 1;
                        c = at(i);
                        done = true;
                    }
                }
                b'.' => {
                    i += 1;
                    c = at(i);
                    if c == b'*' {
                        precision = i64::from(args.int() as i32);
                        if precision < 0 {
                            precision = if precision >= -2_147_483_647 {
                                -precision
                            } else {
                                -1
                            };
                        }
                        i += 1;
                        c = at(i);
                    } else {
                        let mut px: u32 = 0;
                        while c.is_ascii_digit() {
                            px = px.wrapping_mul(10).wrapping_add(u32::from(c - b'0'));
                            i += 1;
                            c = at(i);
                        }
                        precision = i64::from(px & 0x7fff_ffff);
                    }
                    if c == b'l' {
                        i -= 1;
                    } else {
                        done = true;
                    }
                }
                _ => done = true,
            }
            if done {
                break;
            }
            i += 1;
            c = at(i);
            if c == 0 {
                break;
            }
        }
        // `c` (at fmt[i]) is the conversion character; the next loop
        // iteration starts after it.
        i += 1;
        match c {
            b'd' | b'i' | b'u' | b'x' | b'X' | b'o' | b'p' | b'r' => {
                let (base, upper, signed) = match c {
                    b'd' | b'i' | b'r' => (10u64, false, true),
                    b'u' => (10, false, false),
                    b'x' => (16, false, false),
                    b'X' | b'p' => (16, true, false),
                    _ => (8, false, false),
                };
                let thousands = thousands && matches!(c, b'd' | b'i' | b'u');
                let raw = args.int();
                let (mut value, prefix): (u64, Option<u8>) = if signed && raw < 0 {
                    ((raw as u64).wrapping_neg(), Some(b'-'))
                } else if signed {
                    (raw as u64, prefix_flag)
                } else {
                    (raw as u64, None)
                };
                let mut alt = alt;
                if value == 0 {
                    alt = false;
                }
                if zeropad && precision < width - i64::from(prefix.is_some()) {
                    precision = width - i64::from(prefix.is_some());
                }
                if precision >= 37 {
                    let mut need = precision + 10;
                    if thousands {
                        need += precision / 3;
                    }
                    if need > format::MAX_LENGTH as i64 {
                        return Err(FuncError::TooBig);
                    }
                }
                let mut digits: Vec<u8> = Vec::new();
                if c == b'r' {
                    const ORD: &[u8; 8] = b"thstndrd";
                    let mut x = (value % 10) as usize;
                    if x >= 4 || (value / 10) % 10 == 1 {
                        x = 0;
                    }
                    digits.push(ORD[x * 2 + 1]);
                    digits.push(ORD[x * 2]);
                }
                let set: &[u8; 16] = if upper {
                    b"0123456789ABCDEF"
                } else {
                    b"0123456789abcdef"
                };
                loop {
                    digits.push(set[(value % base) as usize]);
                    value /= base;
                    if value == 0 {
                        break;
                    }
                }
                // `digits` is reversed (least significant first).
                let mut length = digits.len() as i64;
                if precision > length {
                    check_len(out, precision)?;
                    digits.extend(std::iter::repeat_n(b'0', (precision - length) as usize));
                    length = precision;
                }
                let mut body: Vec<u8> = digits.iter().rev().copied().collect();
                if thousands && length > 0 {
                    let mut with = Vec::with_capacity(body.len() + body.len() / 3);
                    let n = body.len();
                    for (k, d) in body.iter().enumerate() {
                        with.push(*d);
                        let rest = n - 1 - k;
                        if rest > 0 && rest.is_multiple_of(3) {
                            with.push(b',');
                        }
                    }
                    body = with;
                }
                let mut head = Vec::new();
                if alt {
                    match c {
                        b'o' => head.push(b'0'),
                        b'x' | b'p' => head.extend_from_slice(b"0x"),
                        b'X' => head.extend_from_slice(b"0X"),
                        _ => {}
                    }
                }
                let mut full = Vec::with_capacity(body.len() + 3);
                if let Some(p) = prefix {
                    full.push(p);
                }
                // SQLite puts "0x" in front of the sign (never both: the
                // radix conversions are unsigned).
                let mut field = head;
                field.extend_from_slice(&full);
                field.extend_from_slice(&body);
                emit(out, &field, width, left)?;
            }
            b'f' | b'e' | b'E' | b'g' | b'G' => {
                let spec = FloatSpec {
                    conv: match c {
                        b'f' => FloatConv::Fixed,
                        b'e' | b'E' => FloatConv::Exp,
                        _ => FloatConv::Generic,
                    },
                    upper: c == b'E' || c == b'G',
                    precision,
                    width,
                    left_justify: left,
                    sign_prefix: prefix_flag,
                    alternate: alt,
                    alternate2: alt2,
                    zero_pad: zeropad,
                    thousands,
                };
                let r = args.real();
                format::render_float(out, r, &spec).map_err(|_| FuncError::TooBig)?;
            }
            b'n' => {}
            b'%' => emit(out, b"%", width, left)?,
            b'c' => {
                let text = args.text().map(|t| t.into_owned());
                let mut ch: Vec<u8> = Vec::with_capacity(4);
                match &text {
                    None => ch.push(0),
                    Some(t) => {
                        let c0 = t.first().copied().unwrap_or(0);
                        ch.push(c0);
                        if c0 & 0xc0 == 0xc0 {
                            let mut k = 1;
                            while ch.len() < 4 && k < t.len() && t[k] & 0xc0 == 0x80 {
                                ch.push(t[k]);
                                k += 1;
                            }
                        }
                    }
                }
                let mut width = width;
                if precision > 1 {
                    width -= precision - 1;
                    if width > 1 && !left {
                        push_repeat(out, width - 1, b' ')?;
                        width = 0;
                    }
                    check_len(out, (precision - 1).saturating_mul(ch.len() as i64))?;
                    for _ in 0..precision - 1 {
                        out.extend_from_slice(&ch);
                    }
                }
                if width > 0 {
                    width += ch.iter().filter(|&&b| b & 0xc0 == 0x80).count() as i64;
                }
                emit(out, &ch, width, left)?;
            }
            b's' | b'z' => {
                let text = args.text().map(|t| t.into_owned()).unwrap_or_default();
                let s = c_str(&text);
                let length = if precision >= 0 {
                    if alt2 {
                        let mut k = 0usize;
                        let mut p = precision;
                        while p > 0 && k < s.len() {
                            k = skip_utf8(s, k);
                            p -= 1;
                        }
                        k
                    } else {
                        (precision as usize).min(s.len())
                    }
                } else {
                    s.len()
                };
                let body = &s[..length];
                let width = utf8_width(body, width, alt2);
                emit(out, body, width, left)?;
            }
            b'q' | b'Q' | b'w' => {
                let text = args.text().map(|t| t.into_owned());
                let body = escape_quoted(c, text.as_deref(), precision, alt, alt2);
                let width = utf8_width(&body, width, alt2);
                emit(out, &body, width, left)?;
            }
            b'j' | b'J' => {
                let text = args.text().map(|t| t.into_owned());
                json_string(
                    out,
                    c == b'J',
                    text.as_deref(),
                    precision,
                    width,
                    left,
                    alt2,
                )?;
            }
            _ => {
                // Unknown conversion (and %T, %S which SQL cannot use):
                // SQLite stops formatting here.
                return Ok(());
            }
        }
    }
    Ok(())
}

/// With the `!` flag, widths count characters: add one per continuation
/// byte.
fn utf8_width(body: &[u8], width: i64, alt2: bool) -> i64 {
    if alt2 && width > 0 {
        width + body.iter().filter(|&&b| b & 0xc0 == 0x80).count() as i64
    } else {
        width
    }
}

/// `%q`, `%Q`, `%w` (and their `#` forms).
fn escape_quoted(conv: u8, text: Option<&[u8]>, precision: i64, alt: bool, alt2: bool) -> Vec<u8> {
    let (arg, mut need_quote): (&[u8], u8) = match text {
        None => (if conv == b'Q' { b"NULL" } else { b"(NULL)" }, 0),
        Some(t) => (c_str(t), u8::from(conv == b'Q')),
    };
    let q = if conv == b'w' { b'"' } else { b'\'' };
    let mut alt = alt && conv != b'w';
    // How many bytes of the argument to use.
    let mut k = precision;
    let mut i = 0usize;
    while k != 0 && i < arg.len() {
        if alt2 && arg[i] & 0xc0 == 0xc0 {
            while i + 1 < arg.len() && arg[i + 1] & 0xc0 == 0x80 {
                i += 1;
            }
        }
        i += 1;
        k -= 1;
    }
    let used = &arg[..i];
    if alt {
        let n_ctrl = used.iter().filter(|&&b| b <= 0x1f).count();
        if n_ctrl > 0 || conv == b'q' {
            if conv == b'Q' {
                need_quote = 2;
            }
        } else {
            alt = false;
        }
    }
    let mut out = Vec::with_capacity(used.len() + 8);
    match need_quote {
        2 => out.extend_from_slice(b"unistr('"),
        1 => out.push(b'\''),
        _ => {}
    }
    for &ch in used {
        if alt {
            if ch == q {
                out.push(ch);
                out.push(ch);
            } else if ch == b'\\' {
                out.extend_from_slice(b"\\\\");
            } else if ch <= 0x1f {
                out.extend_from_slice(b"\\u00");
                out.push(if ch >= 0x10 { b'1' } else { b'0' });
                out.push(b"0123456789abcdef"[usize::from(ch & 0xf)]);
            } else {
                out.push(ch);
            }
        } else {
            out.push(ch);
            if ch == q {
                out.push(ch);
            }
        }
    }
    match need_quote {
        2 => out.extend_from_slice(b"')"),
        1 => out.push(b'\''),
        _ => {}
    }
    out
}

/// `%j` / `%J`: a JSON string literal (without / with the quotes).
fn json_string(
    out: &mut Vec<u8>,
    quoted: bool,
    text: Option<&[u8]>,
    precision: i64,
    width: i64,
    left: bool,
    alt2: bool,
) -> Result<(), FuncError> {
    let start = out.len();
    match text {
        None => {
            if quoted {
                out.extend_from_slice(b"null");
            }
        }
        Some(t) => {
            if quoted {
                out.push(b'"');
            }
            let mut px: i64 = if precision < 0 {
                0x7fff_ffff
            } else {
                precision
            };
            let at = |k: i64| -> u8 {
                usize::try_from(k)
                    .ok()
                    .and_then(|k| t.get(k))
                    .copied()
                    .unwrap_or(0)
            };
            if precision >= 0 && alt2 {
                // Precision counts characters: convert it to bytes.
                let mut k: i64 = 0;
                while k < px && at(k) != 0 {
                    if at(k) & 0xc0 == 0x80 {
                        px += 1;
                    }
                    k += 1;
                }
                if k == px {
                    while at(px) & 0xc0 == 0x80 {
                        px += 1;
                    }
                }
            }
            let mut k: i64 = 0;
            while k < px {
                let ch = at(k);
                if ch <= 0x1f || ch == b'"' || ch == b'\\' {
                    if ch == 0 {
                        break;
                    }
                    out.push(b'\\');
                    if ch > 0x1f {
                        out.push(ch);
                    } else if (1u32 << ch) & 0x3700 != 0 {
                        out.push(b"btn?fr"[usize::from(ch - 8)]);
                    } else {
                        out.extend_from_slice(b"u00");
                        out.push(b"0123456789abcdef"[usize::from(ch >> 4)]);
                        out.push(b"0123456789abcdef"[usize::from(ch & 0xf)]);
                    }
                } else {
                    out.push(ch);
                }
                k += 1;
            }
            if quoted {
                out.push(b'"');
            }
        }
    }
    if width > 0 {
        let n = (out.len() - start) as i64;
        let mut len = n;
        if alt2 && n > 0 {
            len -= out[start..].iter().filter(|&&b| b & 0xc0 == 0x80).count() as i64;
        }
        if width > len {
            let sp = width - len;
            check_len(out, sp)?;
            if left || n == 0 {
                out.extend(std::iter::repeat_n(b' ', sp as usize));
            } else {
                let body = out.split_off(start);
                out.extend(std::iter::repeat_n(b' ', sp as usize));
                out.extend_from_slice(&body);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Value::{Blob as B, Integer as I, Null, Real as R};

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn ok(name: &str, args: &[Value]) -> Value {
        call(name, args).unwrap()
    }

    proptest::proptest! {
        /// `length` of text counts characters up to the first NUL, for any
        /// text: multibyte characters and NULs anywhere.
        #[test]
        fn length_counts_characters_before_the_first_nul(
            s in "[a\\u{0}\\u{e9}\\u{20ac}\\u{1f600}z]{0,40}|[a\\u{e9}\\u{20ac}]{200,400}\\u{0}?[a\\u{e9}]{0,20}|[a-z]{0,100}|[a-z]{0,30}[\\u{0}\\u{7f}\\u{80}]?[a-z]{0,30}"
        ) {
            let want = s.split('\0').next().unwrap_or("").chars().count();
            proptest::prop_assert_eq!(length(&t(&s)), I(want as i64));
            let ascii = s.bytes().all(|c| c != 0 && c < 0x80);
            proptest::prop_assert_eq!(ascii_without_nul(s.as_bytes()), ascii);
        }
    }

    #[test]
    fn dispatch_and_errors() {
        assert_eq!(ok("ABS", &[I(-3)]), I(3));
        assert_eq!(
            call("abs", &[]).unwrap_err().to_string(),
            "wrong number of arguments to function abs()"
        );
        assert_eq!(
            call("foo", &[]).unwrap_err().to_string(),
            "no such function: foo"
        );
        assert_eq!(call("abs", &[I(i64::MIN)]), Err(FuncError::IntegerOverflow));
        assert_eq!(
            call("min", &[I(1)]),
            Err(FuncError::Aggregate("min".into()))
        );
        assert_eq!(
            call("coalesce", &[I(1)]),
            Err(FuncError::WrongArgCount("coalesce".into()))
        );
    }

    #[test]
    fn scalar_functions() {
        assert_eq!(ok("abs", &[t("-5")]), R(5.0));
        assert_eq!(ok("coalesce", &[Null, Null, I(3)]), I(3));
        assert_eq!(ok("nullif", &[I(1), R(1.0)]), Null);
        assert_eq!(ok("length", &[t("héllo")]), I(5));
        assert_eq!(ok("length", &[B(vec![1, 2])]), I(2));
        assert_eq!(ok("length", &[t("a\0b")]), I(1));
        assert_eq!(ok("upper", &[t("héllo")]), t("HéLLO"));
        assert_eq!(ok("substr", &[t("hello"), I(2), I(3)]), t("ell"));
        assert_eq!(ok("substr", &[t("hello"), I(-3)]), t("llo"));
        assert_eq!(ok("substr", &[t("hello"), I(0), I(2)]), t("h"));
        assert_eq!(ok("substr", &[t("hello"), I(3), I(-2)]), t("he"));
        assert_eq!(ok("substr", &[B(vec![1, 2, 3]), I(2)]), B(vec![2, 3]));
        assert_eq!(ok("trim", &[t("  a  ")]), t("a"));
        assert_eq!(ok("ltrim", &[t("xxaxx"), t("x")]), t("axx"));
        assert_eq!(
            ok("replace", &[t("abcabc"), t("b"), t("XY")]),
            t("aXYcaXYc")
        );
        assert_eq!(ok("instr", &[t("héllo"), t("l")]), I(3));
        assert_eq!(ok("round", &[R(2.5)]), R(3.0));
        assert_eq!(ok("round", &[R(-2.5)]), R(-3.0));
        assert_eq!(ok("round", &[R(1.005), I(2)]), R(1.0));
        assert_eq!(ok("min", &[I(1), R(1.0)]), R(1.0));
        assert_eq!(ok("max", &[I(1), R(1.0)]), I(1));
        assert_eq!(ok("max", &[I(1), Null]), Null);
        assert_eq!(ok("hex", &[R(1.5)]), t("312E35"));
        assert_eq!(ok("hex", &[Null]), t(""));
        assert_eq!(ok("quote", &[t("it's")]), t("'it''s'"));
        assert_eq!(ok("typeof", &[R(1.0)]), t("real"));
        assert_eq!(ok("sign", &[t("12abc")]), Null);
        assert_eq!(ok("char", &[I(104), I(105)]), t("hi"));
        assert_eq!(call("char", &[I(0xd800)]), Err(FuncError::NotUtf8));
    }

    #[test]
    fn printf_conversions() {
        let p = |args: &[Value]| ok("printf", args);
        assert_eq!(
            p(&[
                t("%d %s %f %e %g %x %X %o %c %%"),
                I(42),
                t("hi"),
                R(1.23456),
                R(31415.9),
                R(0.0001),
                I(255),
                I(255),
                I(8),
                t("xyz")
            ]),
            t("42 hi 1.234560 3.141590e+04 0.0001 ff FF 10 x %")
        );
        assert_eq!(
            p(&[
                t("%10.4f|%-10d|%+d|% d|%05d|%,d"),
                R(1.23456),
                I(42),
                I(5),
                I(5),
                I(-42),
                I(1234567)
            ]),
            t("    1.2346|42        |+5| 5|-0042|1,234,567")
        );
        assert_eq!(p(&[t("%y %d"), I(1)]), t(""));
        assert_eq!(p(&[t("abc%")]), t("abc%"));
        assert_eq!(p(&[t("%.3s|%!.3s"), t("héllo"), t("héllo")]), t("hé|hél"));
        assert_eq!(
            p(&[t("%#x %#o %#X"), I(255), I(8), I(255)]),
            t("0xff 010 0XFF")
        );
        assert_eq!(
            p(&[t("%.0f %.0f %.0f"), R(0.5), R(1.5), R(2.5)]),
            t("1 2 3")
        );
        assert_eq!(
            p(&[t("%r %r %r %r"), I(1), I(2), I(11), I(23)]),
            t("1st 2nd 11th 23rd")
        );
        assert_eq!(p(&[t("%5.3c|"), t("é")]), t("  ééé|"));
        assert_eq!(
            p(&[t("%Q %q %w"), Null, t("a'b"), t("a\"b")]),
            t("NULL a''b a\"\"b")
        );
        assert_eq!(p(&[t("%d")]), t("0"));
        assert_eq!(p(&[Null]), Null);
        assert_eq!(call("printf", &[]), Ok(Null));
        assert_eq!(
            call("printf", &[t("%.1s"), t("é")]),
            Err(FuncError::NotUtf8)
        );
        assert_eq!(
            call("printf", &[t("%2000000000d"), I(1)]),
            Err(FuncError::TooBig)
        );
    }
}
