//! The VFS seam: the only way the pager touches storage.
//!
//! Every byte the pager reads or writes goes through two small traits:
//! [`Vfs`] (a file system: open, exists, delete) and [`VfsFile`] (one open
//! file: positional read and write, sync, length, truncate, lock). Two
//! implementations exist:
//!
//! * [`OsVfs`]: the operating system's files (`pread`/`pwrite`/`fsync`).
//! * [`SimVfs`]: an in-memory file system that remembers which writes have
//!   been made durable by a `sync` and which have not. It can *crash*: every
//!   write since the last sync is then dropped, kept, or torn (a prefix
//!   lands, the rest is old bytes or garbage), each choice drawn from a
//!   seeded RNG. It can also fail the Nth write or sync, stop dead at the
//!   Nth operation (a crash point), or report a full disk.
//!
//! Every durability claim walnut makes is tested through [`SimVfs`]: the
//! pager cannot tell it from a real disk, so a crash in the simulation is a
//! crash the pager has to survive.
//!
//! ## Why positional I/O on `&self`
//!
//! Readers on other threads load pages while the writer appends to the WAL,
//! so a file handle is shared. `read_at`/`write_at` take an offset instead of
//! moving a cursor, which makes one handle safe to use from many threads
//! without a lock around it.

mod os;
mod sim;

pub use os::OsVfs;
pub use sim::{CrashReport, SimVfs};

use std::fmt::Debug;
use std::io;
use std::path::Path;

/// How [`Vfs::open`] treats a file that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file (empty) if it is missing.
    CreateIfMissing,
    /// Fail with [`io::ErrorKind::NotFound`] if it is missing.
    MustExist,
}

/// A file system as the pager sees it.
pub trait Vfs: Send + Sync + Debug {
    /// Opens `path` for reading and writing.
    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Box<dyn VfsFile>>;
    /// Whether `path` exists.
    fn exists(&self, path: &Path) -> io::Result<bool>;
    /// Removes `path`; removing a missing file is not an error.
    fn delete(&self, path: &Path) -> io::Result<()>;
}

/// One open file.
///
/// All methods take `&self`: a handle may be shared between threads, and
/// every read or write names its own offset.
pub trait VfsFile: Send + Sync + Debug {
    /// Reads into `buf` from `offset`; returns how many bytes were read,
    /// fewer than `buf.len()` only at the end of the file.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
    /// Writes all of `data` at `offset`, growing the file if needed.
    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()>;
    /// Makes every earlier write durable (fsync/fdatasync).
    fn sync(&self) -> io::Result<()>;
    /// The file's length in bytes.
    fn len(&self) -> io::Result<u64>;
    /// Whether the file is empty.
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }
    /// Truncates or extends the file to `len` bytes.
    fn set_len(&self, len: u64) -> io::Result<()>;
    /// Takes an exclusive advisory lock on the file, so that a second
    /// process cannot open the same database. Returns `false` if another
    /// process holds it. The lock is released when the handle is dropped.
    fn try_lock_exclusive(&self) -> io::Result<bool> {
        Ok(true)
    }

    /// Reads exactly `buf.len()` bytes from `offset`, or fails with
    /// [`io::ErrorKind::UnexpectedEof`] if the file ends first.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut done = 0;
        while done < buf.len() {
            let n = self.read_at(offset + done as u64, &mut buf[done..])?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "file ends after {} of {} bytes at offset {offset}",
                        done,
                        buf.len()
                    ),
                ));
            }
            done += n;
        }
        Ok(())
    }
}
