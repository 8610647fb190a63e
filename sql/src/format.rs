//! Numbers to text, as SQLite writes them.
//!
//! This module answers "what text does SQLite produce for this value?": the
//! result of `CAST(x AS TEXT)`, of `x || ''`, of the sqlite3 shell's list
//! mode, of `quote(x)`, and of the floating-point conversions of `printf()`
//! (`%f %e %g` and friends; the rest of `printf()` lives in
//! [`crate::func`]).
//!
//! # The rules
//!
//! * An INTEGER is written in plain decimal: `-42`.
//! * A REAL is written with SQLite's `"%!.17g"` rule (SQLite 3.52 and later;
//!   see "SQLITE_DBCONFIG_FP_DIGITS" in <https://sqlite.org/c3ref/c_dbconfig_defensive.html>):
//!   up to 17 significant digits, but *fewer whenever fewer digits still
//!   read back as the very same double*, so `0.1` is written `0.1` and not
//!   `0.10000000000000001`. The `!` flag makes the text always look like a
//!   real: a `.0` is kept (`1.0`, `1.0e+20`) and exponents use at least two
//!   digits (`1.0e-05`). `%g` switches to exponent form when the decimal
//!   exponent is below -4 or at least the precision (17), so `1e16` is
//!   `10000000000000000.0` but `1e17` is `1.0e+17`. Negative zero is written
//!   `0.0`; infinities are `Inf` and `-Inf`.
//!
//!   Before SQLite 3.52 the precision was 15 (`1.0/3` was written
//!   `0.333333333333333`). [`real_to_text_with_digits`] takes the digit
//!   count as a parameter (SQLite's `SQLITE_DBCONFIG_FP_DIGITS`) so both
//!   behaviours are available; [`real_to_text`] uses SQLite's current
//!   default, 17, which is what the bundled SQLite that walnut's tests
//!   compare against does.
//! * TEXT is itself; a BLOB's bytes are taken as text (here: lossily, for
//!   display, since walnut's TEXT is UTF-8); NULL has no text.
//! * `quote()` writes an SQL literal: `NULL`, `42`, a real with `"%!0.17g"`
//!   (the `0` flag writes infinity as `9.0e+999`, a literal that reads back
//!   as infinity), `'it''s'` for text (stopping at the first NUL character,
//!   as SQLite's C-string formatting does), `X'CAFE'` for a blob.
//!
//! # How the digits are found
//!
//! SQLite does not use the C library to turn doubles into decimal. Its own
//! code (`sqlite3FpDecode()` and `sqlite3Fp2Convert10()` in `util.c`)
//! multiplies the binary mantissa by a 96-bit approximation of a power of
//! ten and takes about 18 digits; the other direction
//! (`sqlite3Fp10Convert2()`, used by text-to-real conversion) is adapted from
//! Russ Cox's "fpfmt". Both are approximations that differ from a correctly
//! rounded conversion in rare last-digit cases (SQLite writes `1.0/3` as
//! `0.33333333333333332`, where a correctly rounded 17-digit rendering ends
//! in `1`). To give *exactly* SQLite's answers, this module follows the same
//! algorithm with the same tables, step by step. It is all integer
//! arithmetic, so it behaves the same on every platform.

use crate::value::Value;
use std::borrow::Cow;

/// The longest string or blob SQLite builds by default (`SQLITE_MAX_LENGTH`,
/// <https://sqlite.org/limits.html>): results of this many bytes or more are
/// refused with "string or blob too big".
pub const MAX_LENGTH: usize = 1_000_000_000;

/// SQLite's default number of significant digits when writing a REAL as
/// text (`SQLITE_DBCONFIG_FP_DIGITS`, 17 since SQLite 3.52; it was 15).
pub const DEFAULT_FP_DIGITS: u8 = 17;

/// The text of a value as `CAST(v AS TEXT)` gives it, or `None` for NULL.
///
/// A BLOB's bytes are converted lossily (invalid UTF-8 becomes U+FFFD);
/// this is for display. Code that must reproduce SQLite exactly uses
/// [`text_bytes`] (the raw bytes) or `affinity::cast`, which refuses such
/// blobs instead.
pub fn to_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(i.to_string()),
        Value::Real(r) => Some(real_to_text(*r)),
        Value::Text(s) => Some(s.clone()),
        Value::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
    }
}

/// The bytes SQLite's `sqlite3_value_text()` gives for a value: numbers
/// rendered as by [`to_text`], text as is, a blob's bytes unchanged, and
/// `None` for NULL. Functions that take "text" arguments see this.
pub fn text_bytes(v: &Value) -> Option<Cow<'_, [u8]>> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(Cow::Owned(i.to_string().into_bytes())),
        Value::Real(r) => Some(Cow::Owned(real_to_text(*r).into_bytes())),
        Value::Text(s) => Some(Cow::Borrowed(s.as_bytes())),
        Value::Blob(b) => Some(Cow::Borrowed(b)),
    }
}

/// A REAL written as SQLite writes it (`"%!.17g"`), e.g. `1.0`, `0.1`,
/// `1.0e+20`, `1.0e-05`, `Inf`.
pub fn real_to_text(r: f64) -> String {
    real_to_text_with_digits(r, DEFAULT_FP_DIGITS)
}

/// A REAL written with `digits` significant digits (`"%!.*g"`), as SQLite
/// does under `SQLITE_DBCONFIG_FP_DIGITS = digits`. `digits` is clamped to
/// SQLite's accepted range 3..=23. With 15 this gives the text of SQLite
/// before 3.52 (`1.0/3` is `0.333333333333333`).
pub fn real_to_text_with_digits(r: f64, digits: u8) -> String {
    let spec = FloatSpec::plain(FloatConv::Generic, i64::from(digits.clamp(3, 23)));
    let mut out = Vec::new();
    // Neither a width nor a big precision is involved: this cannot be too
    // big, and the output is ASCII.
    let _ = render_float(&mut out, r, &spec);
    String::from_utf8_lossy(&out).into_owned()
}

/// The SQL literal for a value, as SQLite's `quote()` writes it.
///
/// Text is quoted with `'` doubled and stops at its first NUL character
/// (SQLite formats it as a C string). A blob becomes `X'..'` in upper-case
/// hex. A real uses 17 significant digits at most (fewer when they read
/// back the same) and writes infinities as `9.0e+999` / `-9.0e+999`.
pub fn quote(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => {
            let spec = FloatSpec {
                zero_pad: true,
                ..FloatSpec::plain(FloatConv::Generic, 17)
            };
            let mut out = Vec::new();
            let _ = render_float(&mut out, *r, &spec);
            String::from_utf8_lossy(&out).into_owned()
        }
        Value::Text(s) => {
            let upto = s.find('\0').unwrap_or(s.len());
            let mut q = String::with_capacity(upto + 2);
            q.push('\'');
            for ch in s[..upto].chars() {
                if ch == '\'' {
                    q.push('\'');
                }
                q.push(ch);
            }
            q.push('\'');
            q
        }
        Value::Blob(b) => {
            let mut q = String::with_capacity(b.len() * 2 + 3);
            q.push_str("X'");
            q.push_str(&hex_upper(b));
            q.push('\'');
            q
        }
    }
}

/// Upper-case hex of bytes, as SQLite's `hex()` writes them.
pub fn hex_upper(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(b.len() * 2);
    for &byte in b {
        s.push(char::from(DIGITS[usize::from(byte >> 4)]));
        s.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    s
}

// ---------------------------------------------------------------------------
// printf's floating-point conversions
// ---------------------------------------------------------------------------

/// Which floating-point conversion of `printf()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FloatConv {
    /// `%f`: fixed point.
    Fixed,
    /// `%e` / `%E`: exponent form.
    Exp,
    /// `%g` / `%G`: the shorter-looking of the two.
    Generic,
}

/// A parsed floating-point conversion specification of `printf()`.
#[derive(Debug, Clone)]
pub(crate) struct FloatSpec {
    pub conv: FloatConv,
    /// `%E`/`%G`: upper-case `E`.
    pub upper: bool,
    /// The precision, or -1 for the default (6).
    pub precision: i64,
    /// The minimum field width in bytes.
    pub width: i64,
    /// The `-` flag.
    pub left_justify: bool,
    /// The `+` or ` ` flag.
    pub sign_prefix: Option<u8>,
    /// The `#` flag.
    pub alternate: bool,
    /// SQLite's `!` flag (more digits allowed, keep a `.0`).
    pub alternate2: bool,
    /// The `0` flag.
    pub zero_pad: bool,
    /// SQLite's `,` flag (thousands separators).
    pub thousands: bool,
}

impl FloatSpec {
    /// A conversion with SQLite's `!` flag and nothing else: no width, no
    /// sign or padding flags. What SQLite itself uses to render REALs.
    pub(crate) fn plain(conv: FloatConv, precision: i64) -> FloatSpec {
        FloatSpec {
            conv,
            upper: false,
            precision,
            width: 0,
            left_justify: false,
            sign_prefix: None,
            alternate: false,
            alternate2: true,
            zero_pad: false,
            thousands: false,
        }
    }
}

/// A result would be longer than [`MAX_LENGTH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooBig;

/// SQLite's precision cap for floating-point conversions.
const FP_PRECISION_LIMIT: i64 = 100_000_000;

/// Appends `r` formatted by `spec` to `out`, following the `etFLOAT`,
/// `etEXP` and `etGENERIC` branch of SQLite's `sqlite3_str_vappendf()`.
pub(crate) fn render_float(out: &mut Vec<u8>, r: f64, spec: &FloatSpec) -> Result<(), TooBig> {
    let mut precision = if spec.precision < 0 {
        6
    } else {
        spec.precision.min(FP_PRECISION_LIMIT)
    };
    let width = spec.width;
    let mut conv = spec.conv;
    let i_round: i64 = match conv {
        FloatConv::Fixed => -precision,
        FloatConv::Generic => {
            if precision == 0 {
                precision = 1;
            }
            precision
        }
        FloatConv::Exp => precision + 1,
    };
    let mut s = fp_decode(r, clamp_i32(i_round), if spec.alternate2 { 20 } else { 16 });
    if s.special != 0 {
        if s.special == 2 {
            // NaN (never stored by walnut, but printf's code handles it).
            let text: &[u8] = if spec.zero_pad { b"null" } else { b"NaN" };
            return pad_plain(out, text, width, spec.left_justify);
        } else if spec.zero_pad {
            // Infinity as a huge literal that reads back as infinity.
            s.set_digits(b"9", 1000);
        } else {
            let text: Vec<u8> = if s.sign == b'-' {
                b"-Inf".to_vec()
            } else if let Some(p) = spec.sign_prefix {
                let mut t = vec![p];
                t.extend_from_slice(b"Inf");
                t
            } else {
                b"Inf".to_vec()
            };
            return pad_plain(out, &text, width, spec.left_justify);
        }
    }
    let prefix: Option<u8> = if s.sign == b'-' {
        // "%#f" hides the minus sign of a value that displays as zero.
        if spec.alternate
            && spec.sign_prefix.is_none()
            && conv == FloatConv::Fixed
            && i64::from(s.idp) <= i_round
        {
            None
        } else {
            Some(b'-')
        }
    } else {
        spec.sign_prefix
    };

    let exp = i64::from(s.idp) - 1;
    let flag_rtz;
    if conv == FloatConv::Generic {
        precision -= 1;
        flag_rtz = !spec.alternate;
        if exp < -4 || exp > precision {
            conv = FloatConv::Exp;
        } else {
            precision -= exp;
            conv = FloatConv::Fixed;
        }
    } else {
        flag_rtz = spec.alternate2;
    }
    let mut e2: i64 = if conv == FloatConv::Exp {
        0
    } else {
        i64::from(s.idp) - 1
    };

    let mut needed = e2.max(0) + precision + width + 10;
    if spec.thousands && e2 > 0 {
        needed += (e2 + 2) / 3;
    }
    if needed.saturating_add(out.len() as i64) >= MAX_LENGTH as i64 {
        return Err(TooBig);
    }

    let digits = s.digits().to_vec();
    let n = digits.len() as i64;
    let mut buf: Vec<u8> = Vec::with_capacity(usize::try_from(needed).unwrap_or(0).min(4096));
    let flag_dp = precision > 0 || spec.alternate || spec.alternate2;
    if let Some(p) = prefix {
        buf.push(p);
    }
    // Digits before the decimal point.
    let mut j: i64 = 0;
    if e2 < 0 {
        buf.push(b'0');
    } else if spec.thousands {
        while e2 >= 0 {
            if j < n {
                buf.push(digits[j as usize]);
                j += 1;
            } else {
                buf.push(b'0');
            }
            if e2 % 3 == 0 && e2 > 1 {
                buf.push(b',');
            }
            e2 -= 1;
        }
    } else {
        j = (e2 + 1).min(n);
        buf.extend_from_slice(&digits[..j as usize]);
        e2 -= j;
        if e2 >= 0 {
            buf.extend(std::iter::repeat_n(b'0', (e2 + 1) as usize));
            e2 = -1;
        }
    }
    if flag_dp {
        buf.push(b'.');
    }
    // Zeros between the decimal point and the first significant digit.
    if e2 < -1 && precision > 0 {
        let nn = (-1 - e2).min(precision);
        buf.extend(std::iter::repeat_n(b'0', nn as usize));
        precision -= nn;
    }
    // Significant digits after the decimal point.
    if precision > 0 {
        let nn = (n - j).min(precision);
        if nn > 0 {
            buf.extend_from_slice(&digits[j as usize..(j + nn) as usize]);
            precision -= nn;
        }
        if precision > 0 && !flag_rtz {
            buf.extend(std::iter::repeat_n(b'0', precision as usize));
        }
    }
    // Trailing zeros, and a "." with nothing after it.
    if flag_rtz && flag_dp {
        while buf.last() == Some(&b'0') {
            buf.pop();
        }
        if buf.last() == Some(&b'.') {
            if spec.alternate2 {
                buf.push(b'0');
            } else {
                buf.pop();
            }
        }
    }
    if conv == FloatConv::Exp {
        let mut exp = i64::from(s.idp) - 1;
        buf.push(if spec.upper { b'E' } else { b'e' });
        if exp < 0 {
            buf.push(b'-');
            exp = -exp;
        } else {
            buf.push(b'+');
        }
        if exp >= 100 {
            buf.push(b'0' + (exp / 100) as u8);
            exp %= 100;
        }
        buf.push(b'0' + (exp / 10) as u8);
        buf.push(b'0' + (exp % 10) as u8);
    }
    let length = buf.len() as i64;
    if length < width {
        let npad = (width - length) as usize;
        if spec.left_justify {
            out.extend_from_slice(&buf);
            out.extend(std::iter::repeat_n(b' ', npad));
        } else if !spec.zero_pad {
            out.extend(std::iter::repeat_n(b' ', npad));
            out.extend_from_slice(&buf);
        } else {
            let adj = usize::from(prefix.is_some());
            out.extend_from_slice(&buf[..adj]);
            out.extend(std::iter::repeat_n(b'0', npad));
            out.extend_from_slice(&buf[adj..]);
        }
    } else {
        out.extend_from_slice(&buf);
    }
    Ok(())
}

/// Appends `text` padded with spaces to `width` (the generic padding of
/// SQLite's printf).
fn pad_plain(out: &mut Vec<u8>, text: &[u8], width: i64, left: bool) -> Result<(), TooBig> {
    let pad = (width - text.len() as i64).max(0) as usize;
    if out.len() + text.len() + pad >= MAX_LENGTH {
        return Err(TooBig);
    }
    if !left {
        out.extend(std::iter::repeat_n(b' ', pad));
    }
    out.extend_from_slice(text);
    if left {
        out.extend(std::iter::repeat_n(b' ', pad));
    }
    Ok(())
}

fn clamp_i32(v: i64) -> i32 {
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

// ---------------------------------------------------------------------------
// Binary <-> decimal, following SQLite's util.c
// ---------------------------------------------------------------------------

/// The significant digits of a double, as `sqlite3FpDecode()` finds them.
#[derive(Debug, Clone)]
pub(crate) struct FpDecode {
    /// `b'-'` or `b'+'`.
    pub sign: u8,
    /// 0 for a finite number, 1 for infinity, 2 for NaN.
    pub special: u8,
    /// Where the decimal point goes: the value is `0.DIGITS * 10^idp`.
    pub idp: i32,
    /// Digits, right-aligned, with room in front for a carry.
    buf: [u8; 24],
    start: usize,
    n: usize,
}

impl FpDecode {
    /// The significant digits (ASCII), without trailing zeros.
    pub fn digits(&self) -> &[u8] {
        &self.buf[self.start..self.start + self.n]
    }

    fn set_digits(&mut self, d: &[u8], idp: i32) {
        self.buf[..d.len()].copy_from_slice(d);
        self.start = 0;
        self.n = d.len();
        self.idp = idp;
    }
}

/// Decodes `r` into decimal digits (`sqlite3FpDecode()`).
///
/// If `i_round <= 0`, rounds to `-i_round` digits after the decimal point;
/// if `i_round > 0`, to `min(i_round, mx_round)` significant digits. With
/// exactly 17 digits (only reachable with the `!` flag) it first tries to
/// use fewer digits if they read back as the same double.
pub(crate) fn fp_decode(r: f64, i_round: i32, mx_round: i32) -> FpDecode {
    let mut p = FpDecode {
        sign: b'+',
        special: 0,
        idp: 0,
        buf: [0; 24],
        start: 0,
        n: 0,
    };
    let mut r = r;
    if r < 0.0 {
        p.sign = b'-';
        r = -r;
    } else if r == 0.0 {
        p.set_digits(b"0", 1);
        return p;
    }
    let bits = r.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i32;
    if e == 0x7ff {
        p.special = 1 + u8::from(bits != 0x7ff0_0000_0000_0000);
        return p;
    }
    let mut v = bits & 0x000f_ffff_ffff_ffff;
    if e == 0 {
        let nn = v.leading_zeros() as i32;
        v = v.wrapping_shl(nn as u32);
        e = -1074 - nn;
    } else {
        v = (v << 11) | (1u64 << 63);
        e -= 1086;
    }
    let want = if i_round <= 0 || i_round >= 18 {
        18
    } else {
        i_round + 1
    };
    let (mut v, exp) = fp2_convert10(v, e, want);

    // Digits of v, right-aligned in buf (at most 20 of them, so at least
    // four free bytes stay in front for the carries below).
    let mut i = 24usize;
    if v == 0 {
        // Cannot happen for a nonzero double; keep a digit so that the code
        // below always has one.
        i -= 1;
        p.buf[i] = b'0';
    }
    while v > 0 && i > 0 {
        i -= 1;
        p.buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let mut n = (24 - i) as i32;
    p.idp = n + exp;
    let mut i_round = i_round;
    if i_round <= 0 {
        i_round = p.idp.saturating_sub(i_round);
        if i_round == 0 && p.buf[i] >= b'5' {
            i_round = 1;
            i -= 1;
            p.buf[i] = b'0';
            n += 1;
            p.idp += 1;
        }
    }
    let mut z = i; // index of the first digit
    if i_round > 0 && (i_round < n || n > mx_round) {
        if i_round > mx_round {
            i_round = mx_round;
        }
        if i_round == 17 {
            // Try fewer digits if they round-trip to the same double, so
            // that 49.47 is written "49.47", not "49.469999999999999".
            let d = |k: usize| p.buf[z + k];
            if d(15) == b'9' && d(14) == b'9' {
                let mut jj = 14usize;
                while jj > 0 && d(jj - 1) == b'9' {
                    jj -= 1;
                }
                let v2 = if jj == 0 {
                    1
                } else {
                    digits_value(&p.buf[z..z + jj]).wrapping_add(1)
                };
                if r == fp10_convert2(v2, exp + n - jj as i32) {
                    i_round = jj as i32 + 1;
                }
            } else if p.idp >= n || (d(15) == b'0' && d(14) == b'0' && d(13) == b'0') {
                let mut jj = 13usize;
                while jj > 1 && d(jj - 1) == b'0' {
                    jj -= 1;
                }
                let v2 = digits_value(&p.buf[z..z + jj]);
                if r == fp10_convert2(v2, exp + n - jj as i32) {
                    i_round = jj as i32 + 1;
                }
            }
        }
        n = i_round;
        if p.buf[z + i_round as usize] >= b'5' {
            let mut j = i_round as usize - 1;
            loop {
                p.buf[z + j] += 1;
                if p.buf[z + j] <= b'9' {
                    break;
                }
                p.buf[z + j] = b'0';
                if j == 0 {
                    z -= 1;
                    p.buf[z] = b'1';
                    n += 1;
                    p.idp += 1;
                    break;
                }
                j -= 1;
            }
        }
    }
    let mut n = n.max(1) as usize;
    while n > 1 && p.buf[z + n - 1] == b'0' {
        n -= 1;
    }
    p.start = z;
    p.n = n;
    p
}

fn digits_value(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |acc, &c| {
        acc.wrapping_mul(10).wrapping_add(u64::from(c - b'0'))
    })
}

/// `floor(log2(10^p))`, approximately (`pwr10to2()`).
fn pwr10to2(p: i32) -> i32 {
    p.wrapping_mul(108_853) >> 15
}

/// `floor(log10(2^p))`, approximately (`pwr2to10()`).
fn pwr2to10(p: i32) -> i32 {
    p.wrapping_mul(78_913) >> 18
}

/// The most significant 64 bits of `a * b`, and the low 64 bits.
fn multiply128(a: u64, b: u64) -> (u64, u64) {
    let r = u128::from(a) * u128::from(b);
    ((r >> 64) as u64, r as u64)
}

/// `A = (a << 32) + a_lo` times `b`: the upper 64 bits of the 160-bit
/// product, and the next 32 bits.
fn multiply160(a: u64, a_lo: u32, b: u64) -> (u64, u32) {
    let mut r = u128::from(a) * u128::from(b);
    r = r.wrapping_add((u128::from(a_lo) * u128::from(b)) >> 32);
    ((r >> 64) as u64, ((r >> 32) & 0xffff_ffff) as u32)
}

const POWERS_OF_10_FIRST: i32 = -348;
const POWERS_OF_10_LAST: i32 = 347;

/// `10^p << k` for `p` in 0..=26, normalized so the top bit is set
/// (SQLite's `aBase[]`).
const POW10_BASE: [u64; 27] = [
    0x8000000000000000,
    0xa000000000000000,
    0xc800000000000000,
    0xfa00000000000000,
    0x9c40000000000000,
    0xc350000000000000,
    0xf424000000000000,
    0x9896800000000000,
    0xbebc200000000000,
    0xee6b280000000000,
    0x9502f90000000000,
    0xba43b74000000000,
    0xe8d4a51000000000,
    0x9184e72a00000000,
    0xb5e620f480000000,
    0xe35fa931a0000000,
    0x8e1bc9bf04000000,
    0xb1a2bc2ec5000000,
    0xde0b6b3a76400000,
    0x8ac7230489e80000,
    0xad78ebc5ac620000,
    0xd8d726b7177a8000,
    0x878678326eac9000,
    0xa968163f0a57b400,
    0xd3c21bcecceda100,
    0x84595161401484a0,
    0xa56fa5b99019a5c8,
];

/// The top 64 bits of `10^(27 * (k - 13))` (k = 13 is the special case
/// `10^-1`), SQLite's `aScale[]`.
const POW10_SCALE: [u64; 26] = [
    0x8049a4ac0c5811ae,
    0xcf42894a5dce35ea,
    0xa76c582338ed2621,
    0x873e4f75e2224e68,
    0xda7f5bf590966848,
    0xb080392cc4349dec,
    0x8e938662882af53e,
    0xe65829b3046b0afa,
    0xba121a4650e4ddeb,
    0x964e858c91ba2655,
    0xf2d56790ab41c2a2,
    0xc428d05aa4751e4c,
    0x9e74d1b791e07e48,
    0xcccccccccccccccc,
    0xcecb8f27f4200f3a,
    0xa70c3c40a64e6c51,
    0x86f0ac99b4e8dafd,
    0xda01ee641a708de9,
    0xb01ae745b101e9e4,
    0x8e41ade9fbebc27d,
    0xe5d3ef282a242e81,
    0xb9a74a0637ce2ee1,
    0x95f83d0a1fb69cd9,
    0xf24a01a73cf2dccf,
    0xc3b8358109e84f07,
    0x9e19db92b4e31ba9,
];

/// The next 32 bits of each [`POW10_SCALE`] entry (SQLite's `aScaleLo[]`).
const POW10_SCALE_LO: [u32; 26] = [
    0x205b896d, 0x52064cad, 0xaf2af2b8, 0x5a7744a7, 0xaf39a475, 0xbd8d794e, 0x547eb47b, 0x0cb4a5a3,
    0x92f34d62, 0x3a6a07f9, 0xfae27299, 0xaa97e14c, 0x775ea265, 0xcccccccc, 0x00000000, 0x999090b6,
    0x69a028bb, 0xe80e6f48, 0x5ec05dd0, 0x14588f14, 0x8f1668c9, 0x6d953e2c, 0x4abdaf10, 0xbc633b39,
    0x0a862f81, 0x6c07a2c2,
];

/// The most significant 64 bits of `10^p` (normalized), and the next 32
/// (`powerOfTen()`), for `p` in -348..=347.
fn power_of_ten(p: i32) -> (u64, u32) {
    let p = p.clamp(POWERS_OF_10_FIRST, POWERS_OF_10_LAST);
    let (g, n);
    if p < 0 {
        if p == -1 {
            return (POW10_SCALE[13], POW10_SCALE_LO[13]);
        }
        let mut gg = p / 27;
        let mut nn = p % 27;
        if nn != 0 {
            gg -= 1;
            nn += 27;
        }
        g = gg;
        n = nn;
    } else if p < 27 {
        return (POW10_BASE[p as usize], 0);
    } else {
        g = p / 27;
        n = p % 27;
    }
    let k = (g + 13) as usize;
    let s = POW10_SCALE[k];
    if n == 0 {
        return (s, POW10_SCALE_LO[k]);
    }
    let (mut x, mut lo) = multiply160(s, POW10_SCALE_LO[k], POW10_BASE[n as usize]);
    if x & (1u64 << 63) == 0 {
        x = (x << 1) | u64::from((lo >> 31) & 1);
        lo = (lo << 1) | 1;
    }
    (x, lo)
}

/// `m * 2^e` (with `m`'s top bit set) as `d * 10^p` with at least `n`
/// significant digits in `d` (`sqlite3Fp2Convert10()`); returns `(d, p)`.
fn fp2_convert10(m: u64, e: i32, n: i32) -> (u64, i32) {
    let p = n - 1 - pwr2to10(e + 63);
    let (mut h, _lo) = multiply128(m, power_of_ten(p).0);
    let d = if n == 18 {
        let shift = -(e + pwr10to2(p) + 2);
        h = h.wrapping_shr(shift as u32);
        (h.wrapping_add((h << 1) & 2)) >> 1
    } else {
        let shift = -(e + pwr10to2(p) + 1);
        h.wrapping_shr(shift as u32)
    };
    (d, -p)
}

/// The double nearest (as SQLite computes it) to `d * 10^p`
/// (`sqlite3Fp10Convert2()`). `d` must be nonzero.
pub(crate) fn fp10_convert2(d: u64, p: i32) -> f64 {
    if p < POWERS_OF_10_FIRST {
        return 0.0;
    }
    if p > POWERS_OF_10_LAST {
        return f64::INFINITY;
    }
    if d == 0 {
        return 0.0;
    }
    let b = 64 - d.leading_zeros() as i32;
    let lp = pwr10to2(p);
    let mut e = 53 - b - lp;
    if e > 1074 {
        if e >= 1130 {
            return 0.0;
        }
        e = 1074;
    }
    let s = -(e - (64 - b) + lp + 3);
    let (mut pwr10h, mut pwr10l) = power_of_ten(p);
    if pwr10l != 0 {
        pwr10h = pwr10h.wrapping_add(1);
        pwr10l = !pwr10l;
    }
    let x = d.wrapping_shl((64 - b) as u32);
    let (mut hi, lo) = multiply128(x, pwr10h);
    let mid1 = (lo >> 32) as u32;
    let mut sticky: u64 = 1;
    let mask = 1u64.wrapping_shl(s as u32).wrapping_sub(1);
    if hi & mask == 0 {
        let (h2, _) = multiply128(x, u64::from(pwr10l) << 32);
        let mid2 = (h2 >> 32) as u32;
        sticky = u64::from(mid1.wrapping_sub(mid2) > 1);
        hi = hi.wrapping_sub(u64::from(mid1 < mid2));
    }
    let mut u = hi.wrapping_shr(s as u32) | sticky;
    let adj = i32::from(u >= (1u64 << 55) - 2);
    if adj != 0 {
        u = (u >> 1) | (u & 1);
        e -= adj;
    }
    let mut m = u.wrapping_add(1 + ((u >> 2) & 1)) >> 2;
    if e <= -972 {
        return f64::INFINITY;
    }
    if m & (1u64 << 52) != 0 {
        m = (m & !(1u64 << 52)) | (((1075 - e) as u64) << 52);
    }
    f64::from_bits(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reals_as_sqlite_writes_them() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.33333333333333332"),
            (1e20, "1.0e+20"),
            (1e-5, "1.0e-05"),
            (-0.0, "0.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (f64::INFINITY, "Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (1e15, "1000000000000000.0"),
            (1e16, "10000000000000000.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e-4, "0.0001"),
            (4.9e-324, "4.9406564584124654e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (-2.5, "-2.5"),
            (100.0, "100.0"),
        ];
        for &(r, want) in cases {
            assert_eq!(real_to_text(r), want, "{r:?}");
        }
    }

    #[test]
    fn legacy_fifteen_digits() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.333333333333333"),
            (1e20, "1.0e+20"),
            (1e-5, "1.0e-05"),
            (-0.0, "0.0"),
            (123456789012345680.0, "1.23456789012346e+17"),
            (f64::INFINITY, "Inf"),
        ];
        for &(r, want) in cases {
            assert_eq!(real_to_text_with_digits(r, 15), want, "{r:?}");
        }
    }

    #[test]
    fn to_text_of_each_class() {
        assert_eq!(to_text(&Value::Null), None);
        assert_eq!(
            to_text(&Value::Integer(i64::MIN)).as_deref(),
            Some("-9223372036854775808")
        );
        assert_eq!(to_text(&Value::Text("é".into())).as_deref(), Some("é"));
        assert_eq!(to_text(&Value::Blob(b"ab".to_vec())).as_deref(), Some("ab"));
    }

    #[test]
    fn quote_literals() {
        assert_eq!(quote(&Value::Null), "NULL");
        assert_eq!(quote(&Value::Text("it's".into())), "'it''s'");
        assert_eq!(quote(&Value::Text("a\0b".into())), "'a'");
        assert_eq!(quote(&Value::Blob(vec![0xca, 0xfe])), "X'CAFE'");
        assert_eq!(quote(&Value::Real(f64::INFINITY)), "9.0e+999");
        assert_eq!(quote(&Value::Real(f64::NEG_INFINITY)), "-9.0e+999");
        assert_eq!(quote(&Value::Real(0.1)), "0.1");
    }

    #[test]
    fn decimal_to_binary_matches_rust_on_easy_cases() {
        assert_eq!(fp10_convert2(1, 0), 1.0);
        assert_eq!(fp10_convert2(15, -1), 1.5);
        assert_eq!(fp10_convert2(1, 308), 1e308);
        assert_eq!(fp10_convert2(1, 400), f64::INFINITY);
        assert_eq!(fp10_convert2(1, -400), 0.0);
        assert_eq!(fp10_convert2(123456789, -4), 12345.6789);
    }
}
