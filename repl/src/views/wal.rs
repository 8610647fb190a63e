//! `.wal`: the write-ahead log, header and frames.
//!
//! A commit does not touch the main file: it appends the new images of the
//! pages it changed to the WAL (`<database>-wal`), one *frame* per page,
//! the last frame marked as the commit. A checkpoint later copies the
//! newest committed frame of each page into the main file (*backfills*
//! it), and once nothing needs the WAL any more it is *reset*: a new
//! header with new salts, and numbering starts again at frame 1. The file
//! keeps its length, so frames of the previous generation stay on disk
//! after a reset, recognisable by their old salts.
//!
//! The view shows:
//!
//! * the WAL header: page size, checkpoint sequence (how many resets so
//!   far) and the two salts every frame of this generation copies;
//! * the two mark slots: under `synchronous = extra` every commit, once
//!   its frames are fsynced, records in one of them (alternately A and B,
//!   by sequence number) how many frames are durable, and fsyncs again;
//!   recovery then treats damage to any of those frames, the last
//!   commit's included, as an error rather than a torn write. A slot
//!   written before the last reset carries the old salts and is ignored;
//!   in the other modes the slots stay empty;
//! * this generation's marks: frames written, committed (what readers can
//!   see), backfilled (already in the main file); and the active readers'
//!   snapshots: a reader sees the frames up to its snapshot, and a
//!   checkpoint may not copy frames beyond the oldest snapshot while that
//!   reader lives (they would overwrite pages the reader still reads from
//!   the main file);
//! * every frame on disk: the page it holds, whether it ends a transaction
//!   (`commit`, with the database size in pages after it), whether its
//!   cumulative checksum continues the chain from the frame before it,
//!   whether its salts are this generation's, and its state: `in main
//!   file` (backfilled), `committed`, `uncommitted` (written by the open
//!   transaction, e.g. spilled from a full pool), `leftover` (a rolled
//!   back transaction's frames, later overwritten or not) or `old
//!   generation`;
//! * what recovery would do if the database were opened now: keep every
//!   valid frame up to the last commit, and stop at the first frame that
//!   is torn, damaged or from an older generation.
//!
//! A long WAL is shown by its first and last frames.

use super::{Align, Cell, Table, plural};
use crate::error::Result;
use crate::style::{Color, Style};
use walnut_pager::{MarkSlotState, Pager, WalFrameInfo};

/// WALs with more frames than this are cut in the middle.
const SHOW_ALL: usize = 200;
/// Frames shown at each end of a cut WAL.
const EDGE: usize = 50;

/// The WAL: its header, marks, readers, every frame and recovery's verdict.
pub fn wal(pager: &Pager, style: Style) -> Result<String> {
    let status = pager.wal_status();
    let (frames, report) = pager.scan_wal_report()?;
    let h = status.header;
    let wal_len = pager.wal_file_len()?;
    let mut out = format!(
        "WAL {}: {} bytes, {} on disk\n",
        pager.wal_path().display(),
        wal_len,
        plural(frames.len() as u64, "whole frame", "whole frames")
    );
    out.push_str(&format!(
        "header: page size {}, checkpoint sequence {}, salts {:#010x} {:#010x}\n",
        h.page_size, h.checkpoint_seq, h.salt1, h.salt2
    ));
    out.push_str(&mark_slots_lines(&report.mark_slots));
    out.push_str(&format!(
        "this generation: {} written, {} committed, {} in the main file\n",
        plural(status.written_frames, "frame", "frames"),
        status.committed_frames,
        status.backfilled_frames,
    ));
    out.push_str(&format!(
        "pages with a version in the WAL: {}\n",
        status.pages_in_wal
    ));
    out.push_str(&readers_line(
        &status.reader_snapshots,
        status.committed_frames,
    ));

    if frames.is_empty() {
        out.push_str("\nno frames\n");
    } else {
        out.push('\n');
        let mut table = Table::new(&[
            ("frame", Align::Right),
            ("page", Align::Right),
            ("commit", Align::Left),
            ("chain", Align::Left),
            ("salts", Align::Left),
            ("state", Align::Left),
        ]);
        let n = frames.len();
        for (i, f) in frames.iter().enumerate() {
            if n > SHOW_ALL && i == EDGE {
                table.note(format!(
                    "   … {} …",
                    plural((n - 2 * EDGE) as u64, "more frame", "more frames")
                ));
            }
            if n > SHOW_ALL && (EDGE..n - EDGE).contains(&i) {
                continue;
            }
            table.row(frame_row(f, &status));
            for _ in status.reader_snapshots.iter().filter(|&&s| s == f.frame) {
                table.note(format!(
                    "   ── a reader's snapshot: it sees frames 1-{} ──",
                    f.frame
                ));
            }
        }
        out.push_str(&table.render("", style));
    }

    out.push_str(&format!(
        "\nif opened now, recovery keeps {} ({})",
        plural(report.frames_recovered, "frame", "frames"),
        plural(report.transactions_recovered, "transaction", "transactions"),
    ));
    if report.frames_discarded > 0 {
        out.push_str(&format!(
            ",\n  discards {} of an unfinished transaction",
            plural(report.frames_discarded, "frame", "frames")
        ));
    }
    out.push_str(&format!("\n  and stops: {}\n", report.stop));
    Ok(out)
}

/// One line per mark slot, or one line if neither was ever written.
fn mark_slots_lines(slots: &[MarkSlotState]) -> String {
    if slots.iter().all(|s| *s == MarkSlotState::Empty) {
        return "mark slots: empty (only synchronous = extra writes them)\n".to_string();
    }
    let mut out = String::new();
    for (name, slot) in ['A', 'B'].iter().zip(slots) {
        out.push_str(&format!("mark slot {name}: {slot}\n"));
    }
    out
}

fn readers_line(snapshots: &[u64], committed: u64) -> String {
    if snapshots.is_empty() {
        return "readers: none\n".to_string();
    }
    let list: Vec<String> = snapshots.iter().map(|s| s.to_string()).collect();
    let oldest = snapshots.iter().copied().min().unwrap_or(0);
    let held = if oldest >= committed {
        String::new()
    } else if oldest == 0 {
        "  until the oldest ends, a checkpoint can copy no frame\n".to_string()
    } else {
        format!("  until the oldest ends, a checkpoint copies frames up to {oldest} only\n")
    };
    format!(
        "readers: {} (snapshots at frame {})\n{held}",
        snapshots.len(),
        list.join(", ")
    )
}

fn frame_row(f: &WalFrameInfo, status: &walnut_pager::WalStatus) -> Vec<Cell> {
    let commit = if f.commit_size != 0 {
        format!("yes, {}", plural(f.commit_size, "page", "pages"))
    } else {
        String::new()
    };
    let (state, color) = if !f.salt_ok {
        ("old generation", Color::Grey)
    } else if f.frame > status.written_frames {
        ("leftover", Color::Grey)
    } else if f.frame <= status.backfilled_frames {
        ("in main file", Color::Green)
    } else if f.frame <= status.committed_frames {
        ("committed", Color::Yellow)
    } else {
        ("uncommitted", Color::Red)
    };
    vec![
        Cell::from(f.frame.to_string()),
        Cell::from(f.page.to_string()),
        Cell::from(commit),
        if f.checksum_ok {
            Cell::from("ok")
        } else {
            Cell::colored("broken", Color::Red)
        },
        if f.salt_ok {
            Cell::from("ok")
        } else {
            Cell::from("old")
        },
        Cell::colored(state, color),
    ]
}
