//! `.pool`: the buffer pool, frame by frame.
//!
//! The pager keeps a fixed number of page-sized *frames* in memory. Each
//! row of the view is one frame:
//!
//! * **page** and **version**: which page the frame holds, and which
//!   version of it: the copy in the `main file`, the one in a WAL frame
//!   (`WAL seq N`: frames are numbered by a sequence that keeps growing
//!   across WAL resets, so a reader's snapshot stays meaningful), or the
//!   writer's `private` uncommitted copy. Two versions of one page can be
//!   in the pool at once: an old one for a reader, a new one for the
//!   writer.
//! * **pins**: how many page guards are using the frame right now. A
//!   pinned frame is never evicted. At the prompt every count is 0: pins
//!   last only while a statement runs.
//! * **ref**: the CLOCK reference bit, set each time the frame is used
//!   again: a page just read from disk starts with it clear, so a page
//!   used only once is the first to go.
//! * **state**: `clean` (same bytes as the main file), `dirty` (committed,
//!   but only in the WAL until a checkpoint copies it), `private` (the
//!   writer's uncommitted copy), `spilled` (a private copy also written to
//!   the WAL to free memory), `committing`, or `free`.
//!
//! The arrow marks the **CLOCK hand**: to find a frame for a page that is
//! not in the pool, the hand sweeps forward from there, skipping pinned
//! frames, clearing set reference bits (a second chance) and taking the
//! first unpinned frame whose bit is already clear. Runs of free frames
//! are shown as one line.
//!
//! Below the table: the hits, misses, evictions and spills since the
//! database was opened. A hit found the page in a frame; a miss read it
//! from disk into a frame, evicting the frame's old page if it had one.

use super::{Align, Cell, Table, plural};
use crate::error::Result;
use crate::style::{Color, Style};
use walnut_pager::{FrameInfo, FrameState, PageVersion, Pager};

/// Free runs at least this long are shown as one line.
const FREE_RUN: usize = 3;

/// The buffer pool: every frame, the CLOCK hand, and the hit counters.
pub fn pool(pager: &Pager, style: Style) -> Result<String> {
    let snap = pager.pool_snapshot();
    let stats = pager.stats();
    let used = snap.frames.iter().filter(|f| f.page.is_some()).count();
    let mut out = format!(
        "buffer pool: {} of {} bytes, {} in use, CLOCK hand at frame {}\n\n",
        plural(snap.frames.len() as u64, "frame", "frames"),
        pager.page_size(),
        used,
        snap.hand
    );
    let mut table = Table::new(&[
        ("", Align::Left),
        ("frame", Align::Right),
        ("page", Align::Right),
        ("version", Align::Left),
        ("pins", Align::Right),
        ("ref", Align::Left),
        ("state", Align::Left),
    ]);
    let frames = &snap.frames;
    let mut i = 0;
    while i < frames.len() {
        let run = frames[i..]
            .iter()
            .take_while(|f| f.page.is_none() && f.pins == 0)
            .count();
        if run >= FREE_RUN {
            let last = i + run - 1;
            let hand = (i..=last).contains(&snap.hand);
            table.row(vec![
                Cell::from(if hand { "→" } else { "" }),
                Cell::from(format!("{i}-{last}")),
                Cell::from(""),
                Cell::from(""),
                Cell::from(""),
                Cell::from(""),
                Cell::colored(format!("free ({run} frames)"), Color::Grey),
            ]);
            i += run;
            continue;
        }
        table.row(frame_row(&frames[i], i == snap.hand));
        i += 1;
    }
    out.push_str(&table.render("", style));
    let requests = stats.hits + stats.misses;
    let ratio = (stats.hits.saturating_mul(100) + requests / 2)
        .checked_div(requests)
        .map_or_else(String::new, |p| format!(" ({p}% hits)"));
    out.push_str(&format!(
        "\nsince open: {}, {}{ratio}, {}, {}\n",
        plural(stats.hits, "hit", "hits"),
        plural(stats.misses, "miss", "misses"),
        plural(stats.evictions, "eviction", "evictions"),
        plural(stats.spills, "spill", "spills"),
    ));
    Ok(out)
}

fn frame_row(f: &FrameInfo, hand: bool) -> Vec<Cell> {
    let version = match f.version {
        None => String::new(),
        Some(PageVersion::Base) => "main file".to_string(),
        Some(PageVersion::Wal(seq)) => format!("WAL seq {seq}"),
        Some(PageVersion::Private) => "private".to_string(),
    };
    vec![
        Cell::from(if hand { "→" } else { "" }),
        Cell::from(f.frame.to_string()),
        Cell::from(f.page.map_or_else(String::new, |p| p.to_string())),
        Cell::from(version),
        Cell::from(f.pins.to_string()),
        Cell::from(if f.ref_bit { "1" } else { "0" }),
        Cell::colored(f.state.name(), state_color(f.state)),
    ]
}

/// The colour of a frame state: the further from the disk, the warmer.
fn state_color(s: FrameState) -> Color {
    match s {
        FrameState::Free => Color::Grey,
        FrameState::Clean => Color::Green,
        FrameState::Dirty => Color::Yellow,
        FrameState::Private => Color::Red,
        FrameState::Spilled => Color::Magenta,
        FrameState::Committing => Color::Cyan,
    }
}
