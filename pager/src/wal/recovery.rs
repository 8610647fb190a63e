//! Recovery: reading a WAL after a crash (or any open) and deciding which
//! frames are part of the database.
//!
//! The scan first reads the two mark slots (see [`mod@format`]) and takes the
//! highest durable mark `M` among those that are intact and carry this
//! generation's salts (0 if there is none). It then walks the frames in
//! order, checking for each one that
//!
//! 1. it is whole (the file does not end inside it),
//! 2. its salts equal the WAL header's (else it is a leftover from before
//!    the last reset), and
//! 3. its cumulative checksum continues the chain from the frame before.
//!
//! The first frame that fails any check ends the *valid prefix*. Of that
//! prefix only the frames up to the last commit frame are kept: they are
//! whole transactions. Valid frames after the last commit belong to a
//! transaction that never committed (it crashed, or it spilled pages and
//! then rolled back) and are discarded. The [`RecoveryReport`] records all
//! of this so that the shell and the tests can say exactly what happened.
//!
//! The scan also goes on past the valid prefix, reading every whole frame in
//! the file, so that a teaching view can show the frames that were *not*
//! replayed and why ([`FrameInfo`]).
//!
//! ## Torn or damaged?
//!
//! A frame that ends the valid prefix is usually a write that power loss
//! tore before its fsync: nothing after it was ever acknowledged, and
//! dropping it is exactly right. But the same broken chain is what damage
//! to *durable* frames looks like (a flipped bit, a stray write), and then
//! stopping there would silently drop committed transactions: a wrong
//! answer. Two kinds of evidence tell the cases apart, and either one makes
//! [`scan`] report [`CommittedDamage`], which opening turns into
//! [`PagerError::DamagedWal`] naming the frame:
//!
//! * **A later frame's durable mark.** Every frame records how many frames
//!   were committed and synced when it was written (see [`mod@format`]). A
//!   later frame of this generation whose own checksum holds and whose mark
//!   reaches the broken frame proves that the broken frame was durable, so
//!   it was damaged afterwards.
//! * **A mark slot.** With `synchronous = extra`, every commit fsyncs its
//!   frames, then writes its durable mark `M` to a mark slot and fsyncs
//!   again before it returns. A slot therefore never claims a frame that
//!   was not already durable, and any frame `1..=M` that fails a check
//!   (torn, a broken chain, other salts, or missing because the file ends
//!   short of it) was damaged afterwards. A crash between the two fsyncs,
//!   or one that tears the slot write, loses only the new claim: the slots
//!   are written alternately, so the other one still holds the previous
//!   mark, which is no higher than what is durable. Plain power loss can
//!   therefore never make opening fail.
//!
//! No later frame vouches for the frames of the *last* transaction. Under
//! `synchronous = full` (SQLite's default) damage there is therefore
//! indistinguishable from that commit torn by power loss before its fsync
//! returned, and recovery drops the transaction, as SQLite's WAL does.
//! (Guessing from the damage's shape does not work: a torn write that
//! leaves the old bytes of a nearly identical page image looks exactly like
//! one flipped bit; the crash sweeps found such a case.) `synchronous =
//! extra` closes that gap with its mark slot, at the cost of a second fsync
//! per commit (and a 24-byte write). The slots are read in every mode, so
//! a WAL written under `extra` keeps its protection when it is reopened
//! under `full`.
//!
//! Damage past the last commit frame, in frames that never committed,
//! loses nothing: recovery answers from the intact part.

use super::format::{
    self, FRAME_HEADER_SIZE, FRAMES_START, FrameHeader, MARK_SLOT_SIZE, MARK_SLOTS, MarkSlot,
    MarkSlotState, WAL_HEADER_SIZE, WAL_VERSION, WalHeader,
};
use crate::error::PageSource;
use crate::error::{PagerError, Result};
use crate::vfs::VfsFile;
use std::fmt;
use std::path::Path;

/// Why the recovery scan stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // `frame`: the 1-based frame number where the scan stopped
pub enum ScanStop {
    /// There was no WAL file.
    NoWal,
    /// The WAL file was shorter than its header (e.g. freshly created).
    EmptyWal,
    /// The WAL header is damaged or does not fit this database; the WAL is
    /// ignored. This is what a crash in the middle of a WAL reset leaves,
    /// and a reset only happens once the main file holds every committed
    /// page, so ignoring such a WAL loses nothing.
    InvalidHeader(String),
    /// Every frame in the file was valid.
    EndOfLog,
    /// The file ends in the middle of this frame: a torn append.
    PartialFrame { frame: u64 },
    /// This frame carries another generation's salts: a leftover from
    /// before the last reset (normal, not damage).
    SaltMismatch { frame: u64 },
    /// This frame's cumulative checksum does not continue the chain: a torn
    /// or damaged write.
    ChecksumMismatch { frame: u64 },
}

impl fmt::Display for ScanStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanStop::NoWal => write!(f, "no WAL file"),
            ScanStop::EmptyWal => write!(f, "the WAL is empty"),
            ScanStop::InvalidHeader(why) => {
                write!(f, "the WAL header is invalid ({why}); WAL ignored")
            }
            ScanStop::EndOfLog => write!(f, "reached the end of the WAL"),
            ScanStop::PartialFrame { frame } => {
                write!(f, "frame {frame} is incomplete (torn write)")
            }
            ScanStop::SaltMismatch { frame } => {
                write!(
                    f,
                    "frame {frame} is left over from before the last WAL reset"
                )
            }
            ScanStop::ChecksumMismatch { frame } => {
                write!(
                    f,
                    "frame {frame} fails the checksum chain (torn or damaged)"
                )
            }
        }
    }
}

/// What recovery found in the WAL when the database was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Frames read whose salts and checksum chain were valid.
    pub frames_scanned: u64,
    /// Frames kept: the valid frames up to the last commit frame.
    pub frames_recovered: u64,
    /// Committed transactions found in the WAL.
    pub transactions_recovered: u64,
    /// Frames of this generation not kept: valid frames after the last
    /// commit, a torn or damaged frame that ended the scan, and frames
    /// carrying this generation's salts after the stop (the rest of an
    /// unfinished transaction whose earlier write was lost or torn).
    pub frames_discarded: u64,
    /// Unfinished transactions discarded: 1 if any frame was, else 0 (only
    /// the last transaction can be unfinished).
    pub transactions_discarded: u64,
    /// Whether the scan ended at a torn or damaged frame.
    pub torn_tail: bool,
    /// Whole frames in the file after the one that ended the scan, not
    /// replayed (leftovers of an older generation, or frames past damage).
    pub frames_after_stop: u64,
    /// Why the scan stopped.
    pub stop: ScanStop,
    /// The two mark slots, A and B, as read (both
    /// [`MarkSlotState::Empty`] when the WAL has no valid header).
    pub mark_slots: [MarkSlotState; MARK_SLOTS],
    /// The highest durable mark among the valid mark slots: frames
    /// `1..=durable_mark` were committed and fsynced (0 if no slot is
    /// valid; only `synchronous = extra` writes them).
    pub durable_mark: u64,
}

impl RecoveryReport {
    /// The report of opening a database without a WAL.
    pub(crate) fn no_wal() -> RecoveryReport {
        RecoveryReport {
            frames_scanned: 0,
            frames_recovered: 0,
            transactions_recovered: 0,
            frames_discarded: 0,
            transactions_discarded: 0,
            torn_tail: false,
            frames_after_stop: 0,
            stop: ScanStop::NoWal,
            mark_slots: [MarkSlotState::Empty; MARK_SLOTS],
            durable_mark: 0,
        }
    }

    /// Whether the WAL held anything recovery had to deal with.
    pub fn needed_recovery(&self) -> bool {
        self.frames_recovered > 0 || self.frames_discarded > 0
    }

    /// One or two plain sentences, as the shell prints them.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "recovered {} transaction{} ({} frame{}) from the WAL",
            self.transactions_recovered,
            plural(self.transactions_recovered),
            self.frames_recovered,
            plural(self.frames_recovered)
        );
        if self.frames_discarded > 0 {
            s.push_str(&format!(
                "; discarded {} frame{}",
                self.frames_discarded,
                plural(self.frames_discarded)
            ));
            if self.transactions_discarded > 0 {
                s.push_str(" of an unfinished transaction");
            }
        }
        if self.durable_mark > 0 {
            s.push_str(&format!(
                "; the mark slots vouch for frames 1-{}",
                self.durable_mark
            ));
        }
        if self.torn_tail {
            s.push_str(&format!("; {}", self.stop));
        }
        s
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One whole frame found in the WAL file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameInfo {
    /// 1-based frame number.
    pub frame: u64,
    /// The page it holds.
    pub page: u32,
    /// Database size for a commit frame, else 0.
    pub commit_size: u32,
    /// Whether its salts match the WAL header.
    pub salt_ok: bool,
    /// Whether its checksum continues from the frame before it (as stored).
    pub checksum_ok: bool,
    /// Whether recovery keeps it (it is in the valid prefix, at or before the
    /// last commit).
    pub kept: bool,
}

/// Damage found inside the committed part of the WAL: recovery must not
/// stop there, because commits after it would be lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommittedDamage {
    /// The damaged frame (1-based).
    pub frame: u64,
    /// The evidence that the frame was committed, and what is wrong.
    pub why: String,
}

/// Everything the scan learned.
#[derive(Debug, Clone)]
pub(crate) struct WalScan {
    /// The header, if valid.
    pub header: Option<WalHeader>,
    /// Every whole frame in the file, in order.
    pub frames: Vec<FrameInfo>,
    /// The last kept frame (a commit frame), 0 if none.
    pub last_commit: u64,
    /// The checksum chain value at `last_commit` (the header checksum if 0).
    pub chain_at_commit: u32,
    /// What happened, for people.
    pub report: RecoveryReport,
    /// Damage that recovery must not paper over, if found.
    pub damage: Option<CommittedDamage>,
    /// The format version of an intact header of another version (the WAL
    /// is then not read: `stop` is [`ScanStop::InvalidHeader`]).
    pub other_version: Option<u32>,
    /// The sequence number of the valid mark slot holding the highest mark
    /// (0 if none): the next slot write uses the one after it, which lands
    /// on the other slot.
    pub mark_sequence: u64,
}

/// Scans a WAL file. Only I/O errors are errors: damage is reported.
pub(crate) fn scan(file: &dyn VfsFile, page_size: u32, path: &Path) -> Result<WalScan> {
    let len = file
        .len()
        .map_err(|e| PagerError::io(path, "reading the WAL's length", e))?;
    let mut report = RecoveryReport::no_wal();
    let empty = |stop: ScanStop, report: RecoveryReport| WalScan {
        header: None,
        frames: Vec::new(),
        last_commit: 0,
        chain_at_commit: 0,
        report: RecoveryReport { stop, ..report },
        damage: None,
        other_version: None,
        mark_sequence: 0,
    };
    if len < WAL_HEADER_SIZE as u64 {
        return Ok(empty(ScanStop::EmptyWal, report));
    }
    let mut hbuf = [0u8; WAL_HEADER_SIZE];
    file.read_exact_at(0, &mut hbuf)
        .map_err(|e| PagerError::io(path, "reading the WAL header", e))?;
    let header = match WalHeader::decode_any_version(&hbuf) {
        Ok(h) if h.version != WAL_VERSION => {
            let why = format!(
                "WAL format version {}; this build reads version {WAL_VERSION}",
                h.version
            );
            return Ok(WalScan {
                other_version: Some(h.version),
                ..empty(ScanStop::InvalidHeader(why), report)
            });
        }
        Ok(h) if h.page_size == page_size => h,
        Ok(h) => {
            let why = format!("page size {} but the database has {page_size}", h.page_size);
            return Ok(empty(ScanStop::InvalidHeader(why), report));
        }
        Err(why) => return Ok(empty(ScanStop::InvalidHeader(why), report)),
    };

    // The mark slots: a slot the file does not reach was never written.
    let mut mark_slots = [MarkSlotState::Empty; MARK_SLOTS];
    for (i, state) in mark_slots.iter_mut().enumerate() {
        let at = format::slot_offset(i);
        if len >= at + MARK_SLOT_SIZE as u64 {
            let mut b = [0u8; MARK_SLOT_SIZE];
            file.read_exact_at(at, &mut b).map_err(|e| {
                PagerError::io(
                    path,
                    format!("reading WAL mark slot {}", format::slot_name(i)),
                    e,
                )
            })?;
            *state = MarkSlot::decode(&b, &header);
        }
    }
    let newest_slot = mark_slots
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            MarkSlotState::Valid(m) => Some((i, *m)),
            _ => None,
        })
        .max_by_key(|(_, m)| (m.mark, m.sequence));
    report.mark_slots = mark_slots;
    report.durable_mark = newest_slot.map_or(0, |(_, m)| u64::from(m.mark));

    let fsize = format::frame_size(page_size);
    let whole = len.saturating_sub(FRAMES_START) / fsize;
    let partial = len > FRAMES_START && !(len - FRAMES_START).is_multiple_of(fsize);
    let mut buf = vec![0u8; fsize as usize];
    let mut frames = Vec::with_capacity(whole as usize);
    let mut durable_marks = Vec::with_capacity(whole as usize);
    let mut prev_stored = header.checksum;
    let mut chain = header.checksum;
    let mut valid = true;
    let mut stop = None;
    let (mut last_commit, mut chain_at_commit, mut commits) = (0u64, header.checksum, 0u64);

    for n in 1..=whole {
        file.read_exact_at(format::frame_offset(n, page_size), &mut buf)
            .map_err(|e| PagerError::io(path, format!("reading WAL frame {n}"), e))?;
        let fh = FrameHeader::decode(&buf);
        let salt_ok = fh.salt1 == header.salt1 && fh.salt2 == header.salt2;
        let (head, image) = buf.split_at(FRAME_HEADER_SIZE);
        let checksum_ok = format::chain_checksum(prev_stored, head, image) == fh.checksum;
        prev_stored = fh.checksum;
        if valid {
            let chained = format::chain_checksum(chain, head, image) == fh.checksum;
            if !salt_ok {
                valid = false;
                stop = Some(ScanStop::SaltMismatch { frame: n });
            } else if !chained {
                valid = false;
                stop = Some(ScanStop::ChecksumMismatch { frame: n });
            } else {
                chain = fh.checksum;
                report.frames_scanned += 1;
                if fh.is_commit() {
                    last_commit = n;
                    chain_at_commit = chain;
                    commits += 1;
                }
            }
        }
        durable_marks.push(fh.durable);
        frames.push(FrameInfo {
            frame: n,
            page: fh.page,
            commit_size: fh.commit_size,
            salt_ok,
            checksum_ok,
            kept: false,
        });
    }
    for f in frames.iter_mut().take(last_commit as usize) {
        f.kept = true;
    }

    let stop = match stop {
        Some(s) => s,
        None if partial => ScanStop::PartialFrame { frame: whole + 1 },
        None => ScanStop::EndOfLog,
    };
    let torn = matches!(
        stop,
        ScanStop::PartialFrame { .. } | ScanStop::ChecksumMismatch { .. }
    );
    let uncommitted = report.frames_scanned - last_commit;
    // This generation's frames beyond the stop: an unfinished transaction
    // whose earlier write was lost (a salt mismatch) or torn.
    let beyond = match stop {
        ScanStop::SaltMismatch { frame } | ScanStop::ChecksumMismatch { frame } => frames
            .iter()
            .skip(frame as usize)
            .filter(|f| f.salt_ok)
            .count()
            as u64,
        _ => 0,
    };
    report.frames_recovered = last_commit;
    report.transactions_recovered = commits;
    report.frames_discarded = uncommitted + u64::from(torn) + beyond;
    report.transactions_discarded = u64::from(report.frames_discarded > 0);
    report.torn_tail = torn;
    report.frames_after_stop = match stop {
        ScanStop::SaltMismatch { frame } | ScanStop::ChecksumMismatch { frame } => whole - frame,
        _ => 0,
    };
    let damage = match stop {
        ScanStop::SaltMismatch { frame } | ScanStop::ChecksumMismatch { frame } => {
            committed_damage(&frames, &durable_marks, frame)
        }
        _ => None,
    }
    .or_else(|| {
        newest_slot
            .and_then(|(slot, m)| slot_damage(slot, m, report.frames_scanned, last_commit, &stop))
    });
    report.stop = stop;
    Ok(WalScan {
        header: Some(header),
        frames,
        last_commit,
        chain_at_commit,
        report,
        damage,
        other_version: None,
        mark_sequence: newest_slot.map_or(0, |(_, m)| m.sequence),
    })
}

/// Whether the newest valid mark slot vouches for frames recovery would not
/// keep: `valid` frames passed every check, `last_commit` is the last kept
/// frame, and `stop` is why the scan stopped (see the module doc).
fn slot_damage(
    slot: usize,
    m: MarkSlot,
    valid: u64,
    last_commit: u64,
    stop: &ScanStop,
) -> Option<CommittedDamage> {
    let mark = u64::from(m.mark);
    let vouch = format!(
        "mark slot {}, sequence {}, records frames 1..={mark} as committed and synced",
        format::slot_name(slot),
        m.sequence
    );
    if valid < mark {
        // The frame after the valid prefix is where the scan stopped.
        let what = match stop {
            ScanStop::SaltMismatch { .. } => "the frame carries another generation's salts",
            ScanStop::ChecksumMismatch { .. } => "the frame fails the checksum chain",
            ScanStop::PartialFrame { .. } => "the file ends inside the frame",
            _ => "the file ends before the frame",
        };
        Some(CommittedDamage {
            frame: valid + 1,
            why: format!("{vouch}, but {what}"),
        })
    } else if last_commit < mark {
        // Only a forged slot (or a checksum collision) gets here: the
        // frames hold, but frame `mark` is not the commit frame it was.
        Some(CommittedDamage {
            frame: mark,
            why: format!("{vouch}, but that frame is not a commit frame"),
        })
    } else {
        None
    }
}

/// Whether a later frame vouches for `broken`, the frame that ended the
/// valid prefix: a frame of this generation whose own checksum holds and
/// whose durable mark reaches `broken` (see the module doc).
fn committed_damage(
    frames: &[FrameInfo],
    durable_marks: &[u32],
    broken: u64,
) -> Option<CommittedDamage> {
    frames
        .iter()
        .zip(durable_marks)
        .skip(broken as usize)
        .filter(|(f, _)| f.salt_ok && f.checksum_ok)
        .find(|(_, mark)| u64::from(**mark) >= broken)
        .map(|(f, &mark)| CommittedDamage {
            frame: broken,
            why: format!(
                "frame {} was written when frames 1..={mark} were committed and synced",
                f.frame
            ),
        })
}

/// What the frames of a WAL with an invalid header hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeaderlessWal {
    /// Whole frames in the file.
    pub whole_frames: u64,
    /// Frames whose page image passes its page checksum.
    pub intact_frames: u64,
    /// The highest change counter in an intact commit frame of page 1.
    pub newest_commit: Option<u64>,
}

/// For a WAL whose header is invalid: looks at every whole frame, ignoring
/// salts and the chain, for the highest change counter in an intact commit
/// frame of page 1 (the header page). If it is newer than the main file's,
/// the WAL held commits that the main file lacks, and ignoring the WAL
/// would lose them. Also counts the intact frames: a torn reset leaves old
/// intact frames, garbage leaves none. `frames_start` is where frame 1
/// starts ([`FRAMES_START`], or an older format's, see
/// [`format::frames_start_of`]).
pub(crate) fn headerless_wal(
    file: &dyn VfsFile,
    page_size: u32,
    path: &Path,
    frames_start: u64,
) -> Result<HeaderlessWal> {
    let len = file
        .len()
        .map_err(|e| PagerError::io(path, "reading the WAL's length", e))?;
    let fsize = format::frame_size(page_size);
    let whole = len.saturating_sub(frames_start) / fsize;
    let mut buf = vec![0u8; fsize as usize];
    let mut found = HeaderlessWal {
        whole_frames: whole,
        intact_frames: 0,
        newest_commit: None,
    };
    for n in 1..=whole {
        let at = format::frame_offset_from(frames_start, n, page_size);
        file.read_exact_at(at, &mut buf)
            .map_err(|e| PagerError::io(path, format!("reading WAL frame {n}"), e))?;
        let fh = FrameHeader::decode(&buf);
        let image = &buf[FRAME_HEADER_SIZE..];
        if crate::page::verify(image, fh.page, path, PageSource::WalFrame(n)).is_err() {
            continue;
        }
        found.intact_frames += 1;
        if fh.page == 1 && fh.is_commit() {
            let counter = crate::header::DbHeader::decode(image).change_counter;
            found.newest_commit = found.newest_commit.max(Some(counter));
        }
    }
    Ok(found)
}
