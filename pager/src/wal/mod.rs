//! The write-ahead log, in the style of SQLite's WAL mode.
//!
//! ## The protocol
//!
//! The main database file changes only at a checkpoint. A transaction
//! commits by *appending* the new images of the pages it changed to the WAL
//! (`<database>-wal`), the last one marked as the commit frame and carrying
//! the database size; with `synchronous = full` the WAL is then fsynced
//! before the commit returns. The commit is durable exactly when its commit
//! frame is: recovery keeps every frame up to the last valid commit frame
//! and nothing after it. With `synchronous = extra` the commit then also
//! records its durable mark in a mark slot and fsyncs again
//! ([`Wal::write_mark`]), so that damage to its frames found later is an
//! error rather than a silently dropped commit (see [`recovery`]).
//!
//! Readers never block the writer and the writer never blocks readers. A
//! reader takes a *snapshot* when it starts: the sequence number of the last
//! committed frame. It reads each page from the newest WAL frame at or below
//! its snapshot (found through the in-memory [`index`]), or from the main
//! file if the WAL has no such frame. Frames appended later, committed or
//! not, are invisible to it.
//!
//! A writer whose private pages outgrow the buffer pool *spills* some of them
//! to the WAL as non-commit frames before it commits. They are part of the
//! transaction: readers cannot see them (they lie beyond every snapshot), a
//! rollback forgets them (the WAL's tail is rewound, and the next frames
//! written overwrite them), and a crash discards them (no commit frame
//! follows them).
//!
//! A *checkpoint* copies, for every page, its newest frame at or below the
//! oldest active snapshot into the main file, fsyncs it, and records how far
//! the main file is now up to date (the *backfill* mark). When every
//! committed frame is backfilled and no reader or writer needs the WAL, it
//! is *reset*: a new header with new salts is written, and the next commit
//! starts again at frame 1.
//!
//! The file format is in [`format`], recovery in [`recovery`].
//!
//! ## Locks
//!
//! [`Wal::io`] serialises appends (the tail, the checksum chain). [`Wal::state`]
//! holds the marks readers and checkpoints need (the committed mark, the
//! generation's base, the backfill mark) and is held only briefly, never
//! across I/O, so readers never wait for an fsync. The [`index`] is not
//! here: it lives under the pool latch (see `pool`), because every lookup
//! in it is followed by a fetch from the pool that a checkpoint's reset must
//! not come between, and so a reader's page fetch takes one lock, not two.
//! The order is always pool latch, then `io`, then `state`.

pub(crate) mod format;
pub(crate) mod index;
pub(crate) mod recovery;

use crate::error::{PagerError, Result};
use crate::page::PageId;
use crate::rng::mix64;
use crate::stats::Counters;
use crate::vfs::{OpenMode, Vfs, VfsFile};
use format::{FRAME_HEADER_SIZE, MarkSlot, WalHeader};
use index::WalIndex;
use parking_lot::{Mutex, RwLock};
use recovery::WalScan;
use std::path::{Path, PathBuf};

/// The append side of the WAL.
#[derive(Debug)]
pub(crate) struct WalIo {
    /// The header frames are written under.
    pub header: WalHeader,
    /// Sequence of the last frame written (committed or not).
    pub tail: u64,
    /// Checksum chain value at `tail`.
    pub chain: u32,
    /// Checksum chain value at the last commit frame.
    pub committed_chain: u32,
    /// Frames up to this sequence are known to be durable (synced by this
    /// process).
    pub synced: u64,
    /// Whether `header` is known to be on disk and durable. A new header
    /// (a new WAL, or a reset) is written and fsynced before the first
    /// frame under it: see [`Wal::ensure_header`].
    pub header_durable: bool,
    /// Sequence number of the last mark slot written (or, after opening,
    /// of the valid slot holding the highest mark; 0 if none). The next
    /// slot write uses the one after it, which selects the other slot.
    pub mark_sequence: u64,
    /// A mark slot write (its sequence number) whose fsync did not return
    /// success. Its claim covers the frames of a commit that then failed
    /// and was rolled back, and that the next frames will overwrite, so it
    /// may be on disk claiming frames that will not be there. [`Wal::append`]
    /// rewrites that slot with a true mark, durably, before writing any
    /// frame.
    pub mark_in_doubt: Option<u64>,
}

/// The read side of the WAL (the index is under the pool latch).
#[derive(Debug)]
pub(crate) struct WalState {
    /// Sequence number of frame 0 of the current generation.
    pub base: u64,
    /// Sequence of the last commit frame.
    pub committed: u64,
    /// Frames up to this sequence have been copied into the main file.
    pub backfilled: u64,
    /// The current header (for views).
    pub header: WalHeader,
}

/// An open WAL.
#[derive(Debug)]
pub(crate) struct Wal {
    pub path: PathBuf,
    pub file: Box<dyn VfsFile>,
    pub page_size: u32,
    pub io: Mutex<WalIo>,
    pub state: RwLock<WalState>,
}

impl Wal {
    /// Opens (or creates) the WAL beside a database and recovers it.
    /// `seed` (the main file's change counter) makes a new WAL's salts
    /// differ from any earlier WAL's, and tells whether a WAL with a
    /// damaged header held commits the main file lacks. Returns the WAL,
    /// what recovery found, and the index of the recovered frames (which
    /// the pool keeps, under its latch).
    pub fn open(
        vfs: &dyn Vfs,
        path: &Path,
        page_size: u32,
        seed: u64,
    ) -> Result<(Wal, WalScan, WalIndex)> {
        let file = vfs
            .open(path, OpenMode::CreateIfMissing)
            .map_err(|e| PagerError::io(path, "opening the WAL", e))?;
        let scan = recovery::scan(file.as_ref(), page_size, path)?;
        if let Some(damage) = &scan.damage {
            return Err(PagerError::DamagedWal {
                path: path.to_path_buf(),
                frame: damage.frame,
                why: damage.why.clone(),
            });
        }
        if let Some(version) = scan.other_version {
            // An intact header of another format version: not damage, but
            // a WAL this build cannot replay. If everything in it is
            // already in the main file (its frames hold no newer commit,
            // which older formats let us check), it is ignored like a torn
            // reset; otherwise opening would lose its commits.
            let found = match format::frames_start_of(version) {
                Some(start) => Some(recovery::headerless_wal(
                    file.as_ref(),
                    page_size,
                    path,
                    start,
                )?),
                None => None,
            };
            let harmless = found.is_some_and(|f| {
                f.newest_commit.is_none_or(|n| n <= seed)
                    && (f.whole_frames == 0 || f.intact_frames > 0)
            });
            if !harmless {
                return Err(PagerError::UnsupportedWalVersion {
                    path: path.to_path_buf(),
                    found: version,
                    supported: format::WAL_VERSION,
                });
            }
        } else if let recovery::ScanStop::InvalidHeader(why) = &scan.report.stop {
            // A reset rewrites the header only once the main file holds
            // every commit, and fsyncs it before any new frame follows, so
            // a legitimately torn header never hides a newer commit. If one
            // is there, the header was damaged afterwards: refuse to open
            // rather than silently lose committed transactions.
            let found =
                recovery::headerless_wal(file.as_ref(), page_size, path, format::FRAMES_START)?;
            if let Some(newest) = found.newest_commit
                && newest > seed
            {
                return Err(PagerError::Corrupt {
                    path: path.to_path_buf(),
                    reason: format!(
                        "the WAL header is damaged ({why}) but the WAL holds commit {newest}, \
                         newer than the main file's {seed}; refusing to open rather than lose it"
                    ),
                });
            }
            // A torn reset leaves old, intact frames behind the header (or
            // none at all); a WAL of whole frames none of which holds an
            // intact page is garbage, not something walnut wrote, and may
            // have held commits: refuse to guess.
            if found.whole_frames > 0 && found.intact_frames == 0 {
                return Err(PagerError::Corrupt {
                    path: path.to_path_buf(),
                    reason: format!(
                        "the WAL header is damaged ({why}) and none of its {} frame(s) holds \
                         an intact page; refusing to open rather than guess what it held \
                         (moving the WAL aside opens the database as of its last checkpoint)",
                        found.whole_frames
                    ),
                });
            }
        }
        let (header, tail, chain) = match scan.header {
            Some(h) => (h, scan.last_commit, scan.chain_at_commit),
            None => {
                let salt1 = (seed as u32).wrapping_add(1);
                let h = WalHeader::new(page_size, 0, salt1, mix64(seed ^ 0x5A17) as u32);
                (h, 0, h.checksum)
            }
        };
        let header_durable = scan.header.is_some();
        let mut index = WalIndex::default();
        for f in scan.frames.iter().take(tail as usize) {
            index.insert(f.page, f.frame);
        }
        let wal = Wal {
            path: path.to_path_buf(),
            file,
            page_size,
            io: Mutex::new(WalIo {
                header,
                tail,
                chain,
                committed_chain: chain,
                // Recovered frames may still be only in the OS cache (the
                // last process was killed, the machine kept running): count
                // nothing as durable until this process syncs.
                synced: 0,
                header_durable,
                mark_sequence: scan.mark_sequence,
                mark_in_doubt: None,
            }),
            state: RwLock::new(WalState {
                base: 0,
                committed: tail,
                backfilled: 0,
                header,
            }),
        };
        Ok((wal, scan, index))
    }

    /// Size of one frame on disk.
    pub fn frame_size(&self) -> usize {
        FRAME_HEADER_SIZE + self.page_size as usize
    }

    /// Appends frames whose page images are already in place in `buf`
    /// (`pages.len()` frames of [`Wal::frame_size`] bytes each): fills in
    /// the frame headers, chaining checksums, and writes them at the tail
    /// in one write. The last frame is a commit frame if `commit_size` is
    /// not 0. Returns the sequence number of the first frame. On error the
    /// tail is unchanged (the bytes written are garbage past the tail).
    pub fn append(
        &self,
        io: &mut WalIo,
        base: u64,
        buf: &mut [u8],
        pages: &[PageId],
        commit_size: u32,
        stats: &Counters,
    ) -> Result<u64> {
        let fsize = self.frame_size();
        let salts = (io.header.salt1, io.header.salt2);
        // Frames of this generation that are committed and synced: the
        // durable mark every frame written now carries (see `format`).
        let committed = self.state.read().committed;
        let durable = u32::try_from(io.synced.min(committed).saturating_sub(base)).unwrap_or(0);
        let mut chain = io.chain;
        for (i, (&page, frame)) in pages.iter().zip(buf.chunks_exact_mut(fsize)).enumerate() {
            let commit = if i + 1 == pages.len() { commit_size } else { 0 };
            let (head, image) = frame.split_at_mut(FRAME_HEADER_SIZE);
            crate::page::write_u32(head, 0, page);
            crate::page::write_u32(head, 4, commit);
            crate::page::write_u32(head, 8, salts.0);
            crate::page::write_u32(head, 12, salts.1);
            crate::page::write_u32(head, 20, durable);
            chain = format::chain_checksum(chain, head, image);
            crate::page::write_u32(head, 16, chain);
        }
        self.ensure_header(io)?;
        if let Some(sequence) = io.mark_in_doubt {
            // Before overwriting the frames of a failed commit, make sure
            // no slot claims them (see `WalIo::mark_in_doubt`).
            let mark = io.synced.min(committed).saturating_sub(base);
            self.put_mark(io, sequence, mark, stats)?;
        }
        let first = io.tail + 1;
        let offset = format::frame_offset(first - base, self.page_size);
        let n = pages.len() as u64;
        self.file
            .write_at(offset, &buf[..pages.len() * fsize])
            .map_err(|e| {
                PagerError::io(
                    &self.path,
                    format!("appending {n} frame(s) at WAL frame {}", first - base),
                    e,
                )
            })?;
        io.tail += n;
        io.chain = chain;
        Counters::add(&stats.wal_frames, n);
        Counters::add(&stats.wal_bytes, n * fsize as u64);
        Counters::add(&stats.pages_written, n);
        Ok(first)
    }

    /// fsyncs the WAL, marking everything written so far durable.
    pub fn sync(&self, io: &mut WalIo, stats: &Counters) -> Result<()> {
        self.file
            .sync()
            .map_err(|e| PagerError::io(&self.path, "syncing the WAL", e))?;
        Counters::add(&stats.fsyncs, 1);
        io.synced = io.tail;
        Ok(())
    }

    /// Records that every frame synced so far (a commit, just fsynced) is
    /// durable: writes the next mark slot and fsyncs. This is the second
    /// fsync of a commit under `synchronous = extra`; call it only right
    /// after [`Wal::sync`], with `base` the generation's first sequence.
    ///
    /// The slot claims no more than is durable, so a crash before or
    /// during it can never make recovery refuse a WAL: it loses the new
    /// claim (a torn slot fails its checksum) and recovery falls back to
    /// the other slot, which holds the previous, lower mark.
    pub fn write_mark(&self, io: &mut WalIo, base: u64, stats: &Counters) -> Result<()> {
        let mark = io.synced.saturating_sub(base);
        // Only a forged slot can hold the last sequence number (it is odd,
        // slot A): go on with 2, slot B, rather than overflow.
        let next = io.mark_sequence.checked_add(1).unwrap_or(2);
        self.put_mark(io, next, mark, stats)
    }

    /// Writes mark slot number `sequence` (which selects the slot) claiming
    /// frames `1..=mark` of the current generation, and fsyncs it.
    fn put_mark(&self, io: &mut WalIo, sequence: u64, mark: u64, stats: &Counters) -> Result<()> {
        let slot = MarkSlot {
            salt1: io.header.salt1,
            salt2: io.header.salt2,
            sequence,
            // A generation of more than 2^32 frames cannot be claimed; a
            // claim of 0 is always true.
            mark: u32::try_from(mark).unwrap_or(0),
        };
        let which = format::slot_for(sequence);
        // From the write until its fsync returns, the slot may be on disk.
        io.mark_in_doubt = Some(sequence);
        self.file
            .write_at(format::slot_offset(which), &slot.encode(&io.header))
            .and_then(|()| self.file.sync())
            .map_err(|e| {
                PagerError::io(
                    &self.path,
                    format!(
                        "writing WAL mark slot {} (synchronous = extra)",
                        format::slot_name(which)
                    ),
                    e,
                )
            })?;
        Counters::add(&stats.fsyncs, 1);
        io.mark_sequence = sequence;
        io.mark_in_doubt = None;
        Ok(())
    }

    /// Reads the page image of frame `n` of the current generation.
    pub fn read_image(&self, frame: u64, buf: &mut [u8]) -> Result<()> {
        let offset = format::frame_offset(frame, self.page_size) + FRAME_HEADER_SIZE as u64;
        self.file
            .read_exact_at(offset, buf)
            .map_err(|e| PagerError::io(&self.path, format!("reading WAL frame {frame}"), e))
    }

    /// Reads whole frames (header and image), as many as fill `buf` (a
    /// multiple of the frame size), starting with frame `first` of the
    /// current generation: one read for a run of frames.
    pub fn read_frames(&self, first: u64, buf: &mut [u8]) -> Result<()> {
        let offset = format::frame_offset(first, self.page_size);
        self.file.read_exact_at(offset, buf).map_err(|e| {
            let n = buf.len() / self.frame_size().max(1);
            PagerError::io(
                &self.path,
                format!("reading {n} WAL frame(s) from frame {first}"),
                e,
            )
        })
    }

    /// Truncates the file to its header if it holds more than
    /// `keep_frames` frames (`None`: never). Only when no frame past the
    /// header is needed: at a reset, or when the generation has none.
    pub fn shrink(&self, keep_frames: Option<u64>) -> Result<()> {
        let Some(keep) = keep_frames else {
            return Ok(());
        };
        let len = self
            .file
            .len()
            .map_err(|e| PagerError::io(&self.path, "reading the WAL's length", e))?;
        if len > format::frame_offset(keep + 1, self.page_size) {
            self.file
                .set_len(format::WAL_HEADER_SIZE as u64)
                .map_err(|e| PagerError::io(&self.path, "truncating the WAL (reset)", e))?;
        }
        Ok(())
    }

    /// Starts a new generation: new salts, frame numbering from 1. The
    /// caller empties the index (under the pool latch, which it holds)
    /// and guarantees that the main file holds every
    /// committed frame and that nobody needs the old ones.
    ///
    /// The file keeps its length (overwriting old frames is cheaper than
    /// appending to a fresh file) unless `keep_frames` is given and it
    /// holds more frames than that, when it is truncated to the header so
    /// one huge transaction does not leave a huge WAL behind (see
    /// `checkpoint`, step 5). Truncating to the header, not to frame 1,
    /// also drops the mark slots: if a crash kept the truncation but lost
    /// the new header, the old header would find no slot claiming the
    /// frames the truncation removed.
    pub fn reset(&self, io: &mut WalIo, st: &mut WalState, keep_frames: Option<u64>) -> Result<()> {
        let old = io.header;
        let salt2 = mix64(((old.salt2 as u64) << 32) ^ st.committed ^ 0xC0FF_EE00) as u32;
        let header = WalHeader::new(
            self.page_size,
            old.checkpoint_seq.wrapping_add(1),
            old.salt1.wrapping_add(1),
            salt2,
        );
        // Adopt the new generation in memory first: the main file already
        // holds every committed page, so nothing needs the old frames. If
        // writing the header fails, it is written again before the next
        // frame (`ensure_header`), so no frame is ever appended under a
        // header that is not durable.
        io.header = header;
        io.header_durable = false;
        // A slot write in doubt belongs to the old header: no frame is
        // written under the new one before it is durable (`append` calls
        // `ensure_header` first), and then the old slot, with its old
        // salts, vouches for nothing.
        io.mark_in_doubt = None;
        io.chain = header.checksum;
        io.committed_chain = header.checksum;
        st.base = st.committed;
        st.backfilled = st.committed;
        st.header = header;
        self.shrink(keep_frames)?;
        self.ensure_header(io).map_err(|e| match e {
            PagerError::Io { path, source, .. } => PagerError::Io {
                path,
                doing: "writing a new WAL header (reset)".to_string(),
                source,
            },
            other => other,
        })
    }

    /// Writes and fsyncs the current header if that has not been done.
    ///
    /// A header must be durable before any frame is written under it:
    /// otherwise a crash could keep frames (even a synced commit) whose
    /// header was lost, and recovery would not find them. With this rule a
    /// damaged header means either a crash while a header was being
    /// written, when no frame under it existed yet, or real damage, which
    /// `open` tells apart by looking for commits newer than the main file.
    pub fn ensure_header(&self, io: &mut WalIo) -> Result<()> {
        if io.header_durable {
            return Ok(());
        }
        self.file
            .write_at(0, &io.header.encode())
            .and_then(|()| self.file.sync())
            .map_err(|e| PagerError::io(&self.path, "writing the WAL header", e))?;
        io.header_durable = true;
        Ok(())
    }
}
