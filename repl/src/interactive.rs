//! The terminal: line editing, history and completion (rustyline).
//!
//! The prompt is `walnut> `; while a statement is unfinished (no `;` yet)
//! each further line gets the continuation prompt `   ...> `, as in
//! sqlite3. Keys:
//!
//! * **Ctrl-C** cancels what has been typed of the current statement and
//!   gives a fresh prompt (it never exits, as in sqlite3);
//! * **Ctrl-D** on an empty line exits;
//! * **Tab** completes SQL keywords, table, index and column names of the
//!   open database, and dot-command names;
//! * history persists in `~/.walnut_history` (or the file named by the
//!   `WALNUT_HISTORY` environment variable; set it empty for none).

use crate::dot::COMMANDS;
use crate::dump::KEYWORDS;
use crate::input::LineBuffer;
use crate::shell::{Flow, Shell};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Config, Context, Editor, Helper};
use std::path::PathBuf;

/// The prompt.
pub const PROMPT: &str = "walnut> ";
/// The prompt while a statement is unfinished.
pub const CONTINUATION: &str = "   ...> ";

/// Completion of keywords, names and dot-commands.
#[derive(Debug, Default)]
pub struct ShellHelper {
    /// Table, index and column names of the open database.
    pub names: Vec<String>,
}

impl ShellHelper {
    /// Candidates for the word ending at `pos`: (start of the word, words).
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = line.get(..pos).unwrap_or(line);
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |i| i + 1);
        let word = &before[start..];
        if start == 0 && word.starts_with('.') {
            let w = word.trim_start_matches('.').to_ascii_lowercase();
            let found = COMMANDS
                .iter()
                .filter(|c| c.name.starts_with(&w))
                .map(|c| format!(".{}", c.name))
                .collect();
            return (0, found);
        }
        // After a dot inside a word (t.col), complete the part after it.
        let (start, word) = match word.rfind('.') {
            Some(i) => (start + i + 1, &word[i + 1..]),
            None => (start, word),
        };
        if word.is_empty() {
            return (start, Vec::new());
        }
        let lower = word.to_ascii_lowercase();
        let lowercase_typed = word.chars().all(|c| !c.is_ascii_uppercase());
        // The database's names first: `ord` should offer `orders` before
        // the keyword `ORDER`.
        let mut names: Vec<String> = self
            .names
            .iter()
            .filter(|n| n.to_ascii_lowercase().starts_with(&lower))
            .cloned()
            .collect();
        names.sort();
        let mut keywords: Vec<String> = KEYWORDS
            .iter()
            .filter(|k| k.to_ascii_lowercase().starts_with(&lower))
            .map(|k| {
                if lowercase_typed {
                    k.to_ascii_lowercase()
                } else {
                    k.to_string()
                }
            })
            .collect();
        keywords.sort();
        for k in keywords {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(&k)) {
                names.push(k);
            }
        }
        (start, names)
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, words) = self.candidates(line, pos);
        Ok((
            start,
            words
                .into_iter()
                .map(|w| Pair {
                    display: w.clone(),
                    replacement: w,
                })
                .collect(),
        ))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

/// The history file: `WALNUT_HISTORY`, else `~/.walnut_history`; `None`
/// when `WALNUT_HISTORY` is set but empty, or there is no home.
pub fn history_path() -> Option<PathBuf> {
    match std::env::var_os("WALNUT_HISTORY") {
        Some(p) if p.is_empty() => None,
        Some(p) => Some(PathBuf::from(p)),
        None => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".walnut_history")),
    }
}

/// Runs the shell at the terminal until `.quit` or Ctrl-D; returns the
/// exit status.
pub fn run(shell: &mut Shell) -> i32 {
    let config = Config::builder().auto_add_history(true).build();
    let mut editor: Editor<ShellHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(e) => {
            let _ = writeln!(shell.err(), "Error: cannot start line editing: {e}");
            return 1;
        }
    };
    editor.set_helper(Some(ShellHelper {
        names: shell.completion_names(),
    }));
    let history = history_path();
    if let Some(h) = &history {
        // A missing history file is normal on first use.
        let _ = editor.load_history(h);
    }
    let mut buffer = LineBuffer::new();
    let status = loop {
        let prompt = if buffer.is_pending() {
            CONTINUATION
        } else {
            PROMPT
        };
        match editor.readline(prompt) {
            Ok(line) => {
                if let Some(piece) = buffer.push(&line) {
                    match shell.run_piece(piece, false) {
                        Flow::Continue => {}
                        Flow::Exit(code) => break code,
                    }
                    if let Some(h) = editor.helper_mut() {
                        h.names = shell.completion_names();
                    }
                }
            }
            Err(ReadlineError::Interrupted) => {
                // Ctrl-C: drop the unfinished statement, keep going.
                buffer.clear();
            }
            Err(ReadlineError::Eof) => {
                // Ctrl-D: run nothing unfinished; leave.
                break i32::from(shell.failed());
            }
            Err(e) => {
                let _ = writeln!(shell.err(), "Error: reading input: {e}");
                break 1;
            }
        }
    };
    if let Some(h) = &history
        && let Err(e) = editor.save_history(h)
    {
        let _ = writeln!(
            shell.err(),
            "warning: cannot save history to {}: {e}",
            h.display()
        );
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_dot_commands_keywords_and_names() {
        let h = ShellHelper {
            names: vec!["orders".into(), "order_id".into()],
        };
        assert_eq!(
            h.candidates(".he", 3),
            (0, vec![".headers".into(), ".help".into()])
        );
        assert_eq!(h.candidates("SEL", 3), (0, vec!["SELECT".into()]));
        assert_eq!(h.candidates("sel", 3), (0, vec!["select".into()]));
        assert_eq!(
            h.candidates("select * from ord", 17),
            (14, vec!["order_id".into(), "orders".into(), "order".into()])
        );
        assert_eq!(
            h.candidates("select o.ord", 12),
            (9, vec!["order_id".into(), "orders".into(), "order".into()])
        );
    }
}
