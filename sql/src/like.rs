//! Pattern matching: `LIKE` and `GLOB`, as SQLite does them.
//!
//! The rules are those of <https://sqlite.org/lang_expr.html#like> and
//! SQLite's `patternCompare()` in `func.c`.
//!
//! # LIKE
//!
//! * `%` matches any sequence of zero or more characters, `_` exactly one
//!   character.
//! * Matching ignores case for ASCII letters only (`'a' LIKE 'A'` is true,
//!   `'é' LIKE 'É'` is false): SQLite without ICU knows no other case.
//! * With `ESCAPE e`, `e` followed by any character matches that character
//!   literally (`%`, `_` and `e` itself included). An escape character at the
//!   very end of the pattern makes the pattern match nothing. If the escape
//!   character is `%` or `_`, that wildcard loses its meaning.
//! * Without `ESCAPE`, there is no escape character (SQLite has no default).
//!
//! # GLOB
//!
//! * Case-sensitive; `*` matches any sequence, `?` exactly one character.
//! * `[...]` matches one character from the set; `[^...]` one character not
//!   in it. A range `a-z` matches characters between the two code points; a
//!   `]` right after `[` or `[^` is a member, and a `-` first or last is
//!   literal. A set with no closing `]` makes the pattern match nothing.
//!
//! Both work on Unicode characters (code points), and like SQLite they stop
//! at a NUL character in either the pattern or the text (SQLite sees C
//! strings). Blob arguments are matched on their bytes read as UTF-8 in
//! SQLite's lenient way (see [`like_bytes`]).
//!
//! # How it matches
//!
//! SQLite's matcher is recursive at each `%`/`*`, but once the part after a
//! wildcard fails to match at every position the whole match fails; it is
//! therefore equivalent to the classic iterative matcher that only ever
//! backtracks to the most recent wildcard. That is what is used here: time
//! O(pattern × text) at worst, no recursion, so no stack overflow on long
//! patterns.

/// `text LIKE pattern [ESCAPE escape]`: SQLite's LIKE (ASCII
/// case-insensitive, `%` and `_`, optional escape character).
pub fn like(pattern: &str, text: &str, escape: Option<char>) -> bool {
    like_bytes(pattern.as_bytes(), text.as_bytes(), escape.map(u32::from))
}

/// `text GLOB pattern`: SQLite's GLOB (case-sensitive, `*`, `?`, `[...]`).
pub fn glob(pattern: &str, text: &str) -> bool {
    glob_bytes(pattern.as_bytes(), text.as_bytes())
}

/// [`like`] over raw bytes (as SQLite sees blob arguments); the escape is a
/// code point.
pub fn like_bytes(pattern: &[u8], text: &[u8], escape: Option<u32>) -> bool {
    let p = decode_utf8(pattern);
    let s = decode_utf8(text);
    let tokens = parse(&p, Syntax::Like { escape });
    run(&tokens, &s, true)
}

/// [`glob`] over raw bytes.
pub fn glob_bytes(pattern: &[u8], text: &[u8]) -> bool {
    let p = decode_utf8(pattern);
    let s = decode_utf8(text);
    let tokens = parse(&p, Syntax::Glob);
    run(&tokens, &s, false)
}

/// Decodes bytes into code points up to the first NUL, the way SQLite's
/// `sqlite3Utf8Read()` does: a lead byte collects all following
/// continuation bytes; overlong encodings of ASCII and surrogates become
/// U+FFFD; a stray continuation byte is taken as the character with that
/// value.
pub fn decode_utf8(b: &[u8]) -> Vec<u32> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() && b[i] != 0 {
        let c0 = b[i];
        i += 1;
        let mut c = u32::from(c0);
        if c0 >= 0xc0 {
            c = utf8_trans1(c0);
            while i < b.len() && (b[i] & 0xc0) == 0x80 {
                c = (c << 6).wrapping_add(u32::from(b[i] & 0x3f));
                i += 1;
            }
            if c < 0x80 || (c & 0xffff_f800) == 0xd800 {
                c = 0xfffd;
            }
        }
        out.push(c);
    }
    out
}

/// The payload bits of a UTF-8 lead byte (SQLite's `sqlite3Utf8Trans1[]`).
fn utf8_trans1(c: u8) -> u32 {
    let c = u32::from(c);
    match c {
        0xc0..=0xdf => c & 0x1f,
        0xe0..=0xef => c & 0x0f,
        0xf0..=0xf7 => c & 0x07,
        0xf8..=0xfb => c & 0x03,
        0xfc..=0xfd => c & 0x01,
        _ => 0,
    }
}

#[derive(Debug, Clone, Copy)]
enum Syntax {
    Like { escape: Option<u32> },
    Glob,
}

/// One element of a parsed pattern.
#[derive(Debug, Clone)]
enum Token {
    /// `%` / `*`
    Any,
    /// `_` / `?`
    One,
    /// A character matched literally (case-insensitively for LIKE).
    Lit(u32),
    /// A GLOB set: invert flag, single members, ranges.
    Set {
        invert: bool,
        members: Vec<u32>,
        ranges: Vec<(u32, u32)>,
    },
    /// A trailing escape or an unclosed set: matches nothing.
    Never,
}

fn parse(p: &[u32], syntax: Syntax) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    let (match_all, match_one) = match syntax {
        Syntax::Like { escape } => {
            let pct = u32::from(b'%');
            let und = u32::from(b'_');
            // An escape character equal to a wildcard disables the wildcard.
            (
                if escape == Some(pct) { None } else { Some(pct) },
                if escape == Some(und) { None } else { Some(und) },
            )
        }
        Syntax::Glob => (Some(u32::from(b'*')), Some(u32::from(b'?'))),
    };
    while i < p.len() {
        let c = p[i];
        i += 1;
        if Some(c) == match_all {
            // Collapse runs of wildcards (purely an optimization).
            if !matches!(tokens.last(), Some(Token::Any)) {
                tokens.push(Token::Any);
            }
            continue;
        }
        if Some(c) == match_one {
            tokens.push(Token::One);
            continue;
        }
        match syntax {
            Syntax::Like { escape } if Some(c) == escape => {
                if i < p.len() {
                    tokens.push(Token::Lit(p[i]));
                    i += 1;
                } else {
                    tokens.push(Token::Never);
                }
            }
            Syntax::Glob if c == u32::from(b'[') => {
                let (tok, next) = parse_set(p, i);
                tokens.push(tok);
                i = next;
            }
            _ => tokens.push(Token::Lit(c)),
        }
    }
    tokens
}

/// Parses a GLOB set whose `[` was just before `p[i]`; returns the token
/// and the index after the closing `]`.
fn parse_set(p: &[u32], mut i: usize) -> (Token, usize) {
    let rbracket = u32::from(b']');
    let dash = u32::from(b'-');
    let mut invert = false;
    let mut members = Vec::new();
    let mut ranges = Vec::new();
    let next = |i: &mut usize| -> Option<u32> {
        let c = p.get(*i).copied();
        if c.is_some() {
            *i += 1;
        }
        c
    };
    let mut c2 = next(&mut i);
    if c2 == Some(u32::from(b'^')) {
        invert = true;
        c2 = next(&mut i);
    }
    if c2 == Some(rbracket) {
        members.push(rbracket);
        c2 = next(&mut i);
    }
    let mut prior: u32 = 0;
    loop {
        match c2 {
            None => return (Token::Never, i),
            Some(c) if c == rbracket => break,
            Some(c) => {
                let following = p.get(i).copied();
                if c == dash && following.is_some() && following != Some(rbracket) && prior > 0 {
                    let hi = next(&mut i).unwrap_or(0);
                    ranges.push((prior, hi));
                    prior = 0;
                } else {
                    members.push(c);
                    prior = c;
                }
            }
        }
        c2 = next(&mut i);
    }
    (
        Token::Set {
            invert,
            members,
            ranges,
        },
        i,
    )
}

fn lit_matches(p: u32, s: u32, nocase: bool) -> bool {
    if p == s {
        return true;
    }
    nocase && p < 0x80 && s < 0x80 && ascii_lower(p) == ascii_lower(s)
}

fn ascii_lower(c: u32) -> u32 {
    if (u32::from(b'A')..=u32::from(b'Z')).contains(&c) {
        c + 32
    } else {
        c
    }
}

fn token_matches(tok: &Token, s: u32, nocase: bool) -> bool {
    match tok {
        Token::Any => true,
        Token::One => true,
        Token::Lit(p) => lit_matches(*p, s, nocase),
        Token::Set {
            invert,
            members,
            ranges,
        } => {
            let seen = members.contains(&s) || ranges.iter().any(|&(lo, hi)| s >= lo && s <= hi);
            seen != *invert
        }
        Token::Never => false,
    }
}

/// The iterative wildcard matcher with backtracking to the last `Any`.
fn run(tokens: &[Token], s: &[u32], nocase: bool) -> bool {
    let mut ti = 0usize;
    let mut si = 0usize;
    // (token index after the last Any, text index it is currently tried at)
    let mut star: Option<(usize, usize)> = None;
    loop {
        if ti < tokens.len() {
            if matches!(tokens[ti], Token::Any) {
                star = Some((ti + 1, si));
                ti += 1;
                continue;
            }
            if si < s.len() && token_matches(&tokens[ti], s[si], nocase) {
                ti += 1;
                si += 1;
                continue;
            }
        } else if si == s.len() {
            return true;
        }
        match star {
            Some((st, ss)) if ss < s.len() => {
                star = Some((st, ss + 1));
                ti = st;
                si = ss + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_basics() {
        assert!(like("a%", "abc", None));
        assert!(like("A_C", "abc", None));
        assert!(!like("a_c", "abbc", None));
        assert!(like("%", "", None));
        assert!(!like("_", "", None));
        assert!(like("%b%", "abc", None));
        assert!(!like("é", "É", None));
        assert!(like("é", "é", None));
        assert!(like("a\\%", "a%", Some('\\')));
        assert!(!like("a\\%", "ab", Some('\\')));
        assert!(!like("a\\", "a", Some('\\')));
        assert!(like("a%%b", "a%b", Some('%')));
        assert!(!like("a%%b", "axb", Some('%')));
        assert!(like("%a%b%c%", "xxaxxbxxcxx", None));
        assert!(!like("%a%b%c%", "xxaxxcxxbxx", None));
        assert!(like("ab", "ab\0cd", None));
    }

    #[test]
    fn glob_basics() {
        assert!(glob("a*", "abc"));
        assert!(!glob("A*", "abc"));
        assert!(glob("a?c", "abc"));
        assert!(glob("[a-c]x", "bx"));
        assert!(!glob("[^a-c]x", "bx"));
        assert!(glob("[]]", "]"));
        assert!(glob("[a-]", "-"));
        assert!(glob("[-a]", "-"));
        assert!(!glob("[abc", "a"));
        assert!(glob("*[0-9]", "abc7"));
        assert!(glob("[]-a]", "-"));
        assert!(!glob("[]-a]", "b"));
    }

    #[test]
    fn long_patterns_do_not_recurse() {
        let pattern = "%a".repeat(20_000);
        let text = "a".repeat(20_000);
        assert!(like(&pattern, &text, None));
        assert!(!like(&(pattern + "b"), &text, None));
    }
}
