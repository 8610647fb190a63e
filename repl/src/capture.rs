//! An in-memory output for tests and examples: a `Write` whose clones
//! share one buffer, so a test can hand one clone to the shell as stdout
//! (and another as stderr, to see both interleaved as on a terminal) and
//! read everything back.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

/// A shared, growable byte buffer that implements `Write`.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl Capture {
    /// An empty buffer.
    pub fn new() -> Capture {
        Capture::default()
    }

    /// Everything written so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Everything written so far, as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Empties the buffer and returns what it held, as text.
    pub fn take_text(&self) -> String {
        let mut b = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        let text = String::from_utf8_lossy(&b).into_owned();
        b.clear();
        text
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
