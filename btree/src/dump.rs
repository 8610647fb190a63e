//! Drawing a tree: an indented text view and a Graphviz picture.
//!
//! Both views are lessons, so they show what a student needs to see the
//! B+Tree rules at work, and little else:
//!
//! * every page once, with its number, kind, number of cells and how full
//!   it is, so splits and merges show up as pages appearing, filling and
//!   emptying;
//! * between two children of an interior node, the *separator* key that
//!   divides them: everything drawn above it is smaller, everything below
//!   it is greater or equal;
//! * for each leaf, its sibling links (`← left  → right`), which must
//!   chain the leaves in key order;
//! * for each entry, its key, the value's length and first bytes, and the
//!   overflow pages holding the rest of a large value.
//!
//! ```text
//! B+Tree rooted at page 2: height 2, 3 pages (1 interior, 2 leaf), 5 entries, 1024-byte pages
//!
//! page 2  interior  1 key  1% full
//! ├── page 3  leaf  2 entries  4% full  ← none  → 4
//! │       "apple"   3 bytes  "red"
//! │       "banana"  6 bytes  "yellow"
//! │ ┈┈┈ "cherry" ┈┈┈
//! └── page 4  leaf  3 entries  6% full  ← 3  → none
//!         ...
//! ```
//!
//! Long lists are cut to their first and last few items (`… 12 more …`)
//! so that big trees stay readable; every page still gets its line.
//!
//! ## Reading once, drawing twice
//!
//! The tree is first read into a small model (`Node`): what each page
//! holds, already abbreviated. [`dump_text`] and [`dump_dot`] only render
//! that model, so they cannot disagree about what they saw.
//!
//! A damaged tree is what a student most wants to look at, so damage does
//! not stop the dump: an unreadable page, a page of the wrong type or a
//! page reached twice is drawn as such (`✗`), and the rest of the tree is
//! still shown. Only errors that are not about a page (the disk failing)
//! are returned.

use crate::cell;
use crate::check::{checked_cell, read_problem, type_name};
use crate::error::{Result, printable_key};
use crate::node::{self, Kind, get32};
use crate::source::PageSource;
use crate::tree::{BTree, MAX_DEPTH};
use std::collections::HashSet;
use std::fmt::Write as _;
use walnut_pager::{PageId, PageRef, PageType};

/// Entries or keys shown at each end of a long list.
const EDGE: usize = 3;
/// Lists up to this long are shown whole.
const SHOW_ALL: usize = 2 * EDGE + 2;
/// Bytes of a value shown as its prefix.
const VALUE_PREFIX: usize = 16;
/// Keys longer than this are shown cut (with their length).
const KEY_CHARS: usize = 24;
/// Overflow chains longer than this are shown cut.
const CHAIN_SHOWN: usize = 4;

/// A key for people: text if printable, else hex (see [`printable_key`]);
/// a long key is cut to its first characters and its length.
pub(crate) fn short_key(key: &[u8]) -> String {
    if key.len() <= KEY_CHARS + 8 {
        return printable_key(key);
    }
    // Cut on a character boundary, so that text stays text; a key that is
    // not text is shown as the hex of its first bytes.
    let cut = (KEY_CHARS - 3..=KEY_CHARS)
        .rev()
        .find(|&c| std::str::from_utf8(&key[..c]).is_ok())
        .unwrap_or(KEY_CHARS / 2);
    let mut shown = printable_key(&key[..cut]);
    if shown.starts_with("x'") {
        shown = printable_key(&key[..KEY_CHARS / 2]);
    }
    format!("{shown}… ({} bytes)", key.len())
}

/// The tree drawn as indented text, one line per page (plus the entries
/// of each leaf, abbreviated).
pub fn dump_text<S: PageSource + ?Sized>(src: &S, tree: BTree) -> Result<String> {
    let model = Model::read(src, tree)?;
    let mut out = model.summary();
    out.push_str("\n\n");
    text_node(&mut out, &model.root, "", "");
    Ok(out)
}

/// The tree as a Graphviz DOT graph: one table-shaped node per page (keys
/// as cells), edges to children, dashed edges for sibling links, and the
/// overflow chains. Render with `dot -Tsvg tree.dot > tree.svg`.
pub fn dump_dot<S: PageSource + ?Sized>(src: &S, tree: BTree) -> Result<String> {
    let model = Model::read(src, tree)?;
    let mut out = String::new();
    out.push_str("digraph btree {\n");
    let _ = writeln!(out, "  label=\"{}\";", quoted(&model.summary()));
    out.push_str("  labelloc=t;\n");
    out.push_str("  graph [fontname=\"Helvetica\", nodesep=0.25, ranksep=0.6];\n");
    out.push_str("  node [shape=plaintext, fontname=\"Helvetica\", fontsize=10];\n");
    out.push_str("  edge [arrowsize=0.6];\n");
    let mut leaves = Vec::new();
    dot_node(&mut out, &model.root, &mut leaves);
    dot_siblings(&mut out, &leaves);
    out.push_str("}\n");
    Ok(out)
}

/// One page as the dump saw it.
#[derive(Debug)]
enum Node {
    Interior {
        id: PageId,
        fill: usize,
        /// Separators (`None`: a damaged cell).
        keys: Vec<Option<Vec<u8>>>,
        /// `keys.len() + 1` children, in key order.
        children: Vec<Node>,
    },
    Leaf {
        id: PageId,
        fill: usize,
        left: PageId,
        right: PageId,
        count: usize,
        /// The entries shown, with `Hidden` where a run was left out.
        shown: Vec<Shown>,
    },
    /// A page that could not be drawn as a node.
    Bad { id: PageId, why: String },
}

#[derive(Debug)]
enum Shown {
    Entry(Entry),
    Hidden(usize),
}

#[derive(Debug)]
struct Entry {
    index: usize,
    /// `None`: the cell is damaged.
    key: Option<Vec<u8>>,
    value_len: u64,
    /// The first bytes of the value.
    prefix: Vec<u8>,
    chain: Chain,
}

/// An overflow chain: its pages with the value bytes each holds, and why
/// it stopped early, if it did.
#[derive(Debug, Default)]
struct Chain {
    pages: Vec<(PageId, usize)>,
    broken: Option<String>,
}

/// What the dump read.
struct Model {
    tree: BTree,
    page_size: u32,
    root: Node,
    height: usize,
    interior: u64,
    leaf: u64,
    overflow: u64,
    entries: u64,
    /// Pages drawn as damage.
    damaged: u64,
}

/// The reading pass.
struct Reader<'s, S: PageSource + ?Sized> {
    src: &'s S,
    seen: HashSet<PageId>,
    model: Model,
}

impl Model {
    fn read<S: PageSource + ?Sized>(src: &S, tree: BTree) -> Result<Model> {
        let page_size = src.db_header()?.page_size;
        let mut r = Reader {
            src,
            seen: HashSet::new(),
            model: Model {
                tree,
                page_size,
                root: Node::Bad {
                    id: tree.root(),
                    why: String::new(),
                },
                height: 0,
                interior: 0,
                leaf: 0,
                overflow: 0,
                entries: 0,
                damaged: 0,
            },
        };
        let root = r.node(tree.root(), 1)?;
        r.model.root = root;
        Ok(r.model)
    }

    fn summary(&self) -> String {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut kinds = vec![
            format!("{} interior", self.interior),
            format!("{} leaf", self.leaf),
        ];
        if self.overflow > 0 {
            kinds.push(format!("{} overflow", self.overflow));
        }
        if self.damaged > 0 {
            kinds.push(format!("{} damaged", self.damaged));
        }
        format!(
            "B+Tree rooted at page {}: height {}, {} ({}), {}, {}-byte pages",
            self.tree.root(),
            self.height,
            plural(
                self.interior + self.leaf + self.overflow + self.damaged,
                "page",
                "pages"
            ),
            kinds.join(", "),
            plural(self.entries, "entry", "entries"),
            self.page_size
        )
    }
}

/// Percent of a node's cell space in use.
fn fill_percent(body: &[u8]) -> usize {
    let room = node::capacity(body.len());
    let used = room - node::free_space(body).min(room);
    (used * 100 + room / 2) / room.max(1)
}

/// The indices to show of a list of `n` items: all of a short list, else
/// the first and last few.
fn shown_indices(n: usize) -> Vec<usize> {
    if n <= SHOW_ALL {
        (0..n).collect()
    } else {
        (0..EDGE).chain(n - EDGE..n).collect()
    }
}

impl<'s, S: PageSource + ?Sized> Reader<'s, S> {
    /// Reads a page; a damaged one comes back as the reason it is.
    fn page(&self, id: PageId) -> Result<std::result::Result<PageRef<'s>, String>> {
        match self.src.page(id) {
            Ok(p) => Ok(Ok(p)),
            Err(e) => match read_problem(&e) {
                Some((_, why)) => Ok(Err(format!("cannot be read: {why}"))),
                None => Err(e.into()),
            },
        }
    }

    fn node(&mut self, id: PageId, depth: usize) -> Result<Node> {
        let bad = |why: String| Ok(Node::Bad { id, why });
        if !self.seen.insert(id) {
            return bad("reached a second time (a cycle?)".into());
        }
        if depth > MAX_DEPTH {
            return bad(format!("more than {MAX_DEPTH} levels deep (a cycle?)"));
        }
        self.model.height = self.model.height.max(depth);
        let page = match self.page(id)? {
            Ok(p) => p,
            Err(why) => {
                self.model.damaged += 1;
                return bad(why);
            }
        };
        let Some(kind) = Kind::of(page.page_type()) else {
            self.model.damaged += 1;
            return bad(format!(
                "not a tree page: a {} page",
                type_name(page.page_type())
            ));
        };
        let body = page.body();
        let n = node::ncells(body);
        let fill = fill_percent(body);
        match kind {
            Kind::Interior => {
                let keys: Vec<Option<Vec<u8>>> = (0..n)
                    .map(|i| checked_cell(body, kind, i).map(|c| cell::key_of(c, kind).to_vec()))
                    .collect();
                let mut child_ids: Vec<PageId> = (0..n)
                    .map(|i| checked_cell(body, kind, i).map_or(0, cell::interior_child))
                    .collect();
                child_ids.push(node::right(body));
                drop(page);
                self.model.interior += 1;
                let mut children = Vec::with_capacity(child_ids.len());
                for child in child_ids {
                    children.push(self.node(child, depth + 1)?);
                }
                Ok(Node::Interior {
                    id,
                    fill,
                    keys,
                    children,
                })
            }
            Kind::Leaf => {
                let (left, right) = (node::left(body), node::right(body));
                let show: HashSet<usize> = shown_indices(n).into_iter().collect();
                let mut cells = Vec::with_capacity(n);
                for i in 0..n {
                    let c = checked_cell(body, kind, i).map(|c| cell::leaf(c, body.len()));
                    cells.push(c.map(|c| {
                        let prefix = c.local[..c.local.len().min(VALUE_PREFIX)].to_vec();
                        (c.key.to_vec(), c.value_len, prefix, c.overflow)
                    }));
                }
                drop(page);
                self.model.leaf += 1;
                self.model.entries += n as u64;
                let mut shown = Vec::new();
                for (index, c) in cells.into_iter().enumerate() {
                    let chain = match &c {
                        Some((_, _, _, head)) if *head != 0 => self.chain(*head)?,
                        _ => Chain::default(),
                    };
                    if !show.contains(&index) {
                        match shown.last_mut() {
                            Some(Shown::Hidden(k)) => *k += 1,
                            _ => shown.push(Shown::Hidden(1)),
                        }
                        continue;
                    }
                    shown.push(Shown::Entry(match c {
                        Some((key, value_len, prefix, _)) => Entry {
                            index,
                            key: Some(key),
                            value_len,
                            prefix,
                            chain,
                        },
                        None => Entry {
                            index,
                            key: None,
                            value_len: 0,
                            prefix: Vec::new(),
                            chain,
                        },
                    }));
                }
                Ok(Node::Leaf {
                    id,
                    fill,
                    left,
                    right,
                    count: n,
                    shown,
                })
            }
        }
    }

    /// Follows an overflow chain as far as it goes.
    fn chain(&mut self, head: PageId) -> Result<Chain> {
        let mut chain = Chain::default();
        let mut page = head;
        while page != 0 {
            if !self.seen.insert(page) {
                chain.broken = Some(format!("page {page} again (a cycle?)"));
                break;
            }
            let (t, next, n) = match self.page(page)? {
                Ok(p) => (
                    p.page_type(),
                    get32(p.body(), 0),
                    get32(p.body(), 4) as usize,
                ),
                Err(why) => {
                    chain.broken = Some(format!("page {page} {why}"));
                    break;
                }
            };
            if t != Some(PageType::Overflow) {
                chain.broken = Some(format!("page {page} is a {} page", type_name(t)));
                break;
            }
            self.model.overflow += 1;
            chain.pages.push((page, n));
            page = next;
        }
        Ok(chain)
    }
}

/// A sibling link in the text view.
fn sibling(p: PageId) -> String {
    if p == 0 {
        "none".to_string()
    } else {
        p.to_string()
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A key, or a marker for a damaged cell.
fn key_text(key: &Option<Vec<u8>>) -> String {
    key.as_deref()
        .map_or_else(|| "✗ damaged cell".to_string(), short_key)
}

/// The pages of a chain, cut in the middle if it is long.
fn chain_text(chain: &Chain) -> String {
    let ids: Vec<String> = chain.pages.iter().map(|(p, _)| p.to_string()).collect();
    let mut parts: Vec<String> = if ids.len() > CHAIN_SHOWN {
        let mut v = ids[..CHAIN_SHOWN - 1].to_vec();
        v.push("…".to_string());
        v.push(ids[ids.len() - 1].clone());
        v
    } else {
        ids.clone()
    };
    if let Some(b) = &chain.broken {
        parts.push(format!("✗ {b}"));
    }
    let mut s = format!("-> overflow {}", parts.join(" -> "));
    if ids.len() > CHAIN_SHOWN {
        let _ = write!(s, " ({} pages)", ids.len());
    }
    s
}

/// A value's first bytes, marked `…` when there is more.
fn value_prefix(e: &Entry) -> String {
    let more = if (e.prefix.len() as u64) < e.value_len {
        "…"
    } else {
        ""
    };
    format!("{}{more}", printable_key(&e.prefix))
}

fn text_node(out: &mut String, node: &Node, lead: &str, cont: &str) {
    match node {
        Node::Bad { id, why } => {
            let _ = writeln!(out, "{lead}page {id}  ✗ {why}");
        }
        Node::Interior {
            id,
            fill,
            keys,
            children,
        } => {
            let _ = writeln!(
                out,
                "{lead}page {id}  interior  {}  {fill}% full",
                plural(keys.len(), "key", "keys")
            );
            let last = children.len().saturating_sub(1);
            for (i, child) in children.iter().enumerate() {
                if i == last {
                    text_node(out, child, &format!("{cont}└── "), &format!("{cont}    "));
                } else {
                    text_node(out, child, &format!("{cont}├── "), &format!("{cont}│   "));
                    if let Some(k) = keys.get(i) {
                        let _ = writeln!(out, "{cont}│ ┈┈┈ {} ┈┈┈", key_text(k));
                    }
                }
            }
        }
        Node::Leaf {
            id,
            fill,
            left,
            right,
            count,
            shown,
        } => {
            let _ = writeln!(
                out,
                "{lead}page {id}  leaf  {}  {fill}% full  ← {}  → {}",
                plural(*count, "entry", "entries"),
                sibling(*left),
                sibling(*right)
            );
            let entries: Vec<&Entry> = shown
                .iter()
                .filter_map(|s| match s {
                    Shown::Entry(e) => Some(e),
                    Shown::Hidden(_) => None,
                })
                .collect();
            let key_w = entries
                .iter()
                .map(|e| key_text(&e.key).chars().count())
                .max()
                .unwrap_or(0);
            let len_w = entries
                .iter()
                .map(|e| e.value_len.to_string().len())
                .max()
                .unwrap_or(0);
            for s in shown {
                match s {
                    Shown::Hidden(k) => {
                        let _ = writeln!(
                            out,
                            "{cont}    … {} …",
                            plural(*k, "more entry", "more entries")
                        );
                    }
                    Shown::Entry(e) if e.key.is_none() => {
                        let _ = writeln!(out, "{cont}    cell {}: ✗ damaged cell", e.index);
                    }
                    Shown::Entry(e) => {
                        let key = key_text(&e.key);
                        let pad = key_w - key.chars().count();
                        let unit = if e.value_len == 1 { "byte " } else { "bytes" };
                        let mut line = format!(
                            "{cont}    {key}{:pad$}  {:>len_w$} {unit}  {}",
                            "",
                            e.value_len,
                            value_prefix(e)
                        );
                        if !e.chain.pages.is_empty() || e.chain.broken.is_some() {
                            line.push_str("  ");
                            line.push_str(&chain_text(&e.chain));
                        }
                        let _ = writeln!(out, "{}", line.trim_end());
                    }
                }
            }
        }
    }
}

/// Escapes text for a DOT quoted string.
fn quoted(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Escapes text for a DOT HTML-like label.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html_key(key: &Option<Vec<u8>>) -> String {
    html(
        &key.as_deref()
            .map_or_else(|| "✗ damaged".to_string(), short_key),
    )
}

/// Leaves met, for the sibling edges: (page, left, right).
type LeafLinks = (PageId, PageId, PageId);

/// A page drawn as a table under a title row: its cells side by side
/// (`across`, for interior nodes, whose child pointers then point down) or
/// one per row (for leaves, which stay narrow). A cell may be a port that
/// edges start from. (HTML-like labels rather than `shape=record`, whose
/// ports `dot` mishandles on same-rank edges.)
fn dot_table(
    out: &mut String,
    id: PageId,
    color: &str,
    title: &str,
    cells: &[(Option<String>, String)],
    across: bool,
) {
    let span = if across { cells.len().max(1) } else { 1 };
    let _ = write!(
        out,
        "  p{id} [label=<<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" \
         CELLPADDING=\"3\" BGCOLOR=\"{color}\"><TR><TD COLSPAN=\"{span}\">{title}</TD></TR>"
    );
    if across {
        out.push_str("<TR>");
    }
    for (port, text) in cells {
        let port = port
            .as_ref()
            .map_or_else(String::new, |p| format!(" PORT=\"{p}\""));
        if across {
            let _ = write!(out, "<TD{port}>{text}</TD>");
        } else {
            let _ = write!(out, "<TR><TD{port} ALIGN=\"LEFT\">{text}</TD></TR>");
        }
    }
    if across {
        out.push_str("</TR>");
    }
    out.push_str("</TABLE>>];\n");
}

fn dot_node(out: &mut String, node: &Node, leaves: &mut Vec<LeafLinks>) {
    match node {
        Node::Bad { id, why } => {
            let _ = writeln!(
                out,
                "  p{id} [shape=box, style=filled, fillcolor=\"#f8d7da\", label=\"page {id}\\n{}\"];",
                quoted(why)
            );
        }
        Node::Interior {
            id,
            fill,
            keys,
            children,
        } => {
            // Cells alternate child pointers (•) and keys: • k0 • k1 •.
            // A long node keeps its ends; the middle children hang off one
            // "… more …" cell.
            let n = keys.len();
            let cut = n > SHOW_ALL;
            let mut cells = Vec::new();
            for (i, key) in keys.iter().enumerate() {
                if cut && i == EDGE {
                    cells.push((Some(format!("c{i}")), "•".to_string()));
                    cells.push((
                        Some("mid".to_string()),
                        format!("… {} more keys …", n - 2 * EDGE),
                    ));
                    continue;
                }
                if cut && i > EDGE && i < n - EDGE {
                    continue;
                }
                cells.push((Some(format!("c{i}")), "•".to_string()));
                cells.push((None, html_key(key)));
            }
            cells.push((Some(format!("c{n}")), "•".to_string()));
            let title = format!("<B>page {id}</B>  interior, {fill}% full");
            dot_table(out, *id, "#dbe9f6", &title, &cells, true);
            for (slot, child) in children.iter().enumerate() {
                let port = if cut && slot > EDGE && slot < n - EDGE {
                    "mid".to_string()
                } else {
                    format!("c{slot}")
                };
                let _ = writeln!(out, "  p{id}:{port} -> p{};", node_id(child));
                dot_node(out, child, leaves);
            }
        }
        Node::Leaf {
            id,
            fill,
            left,
            right,
            count,
            shown,
        } => {
            leaves.push((*id, *left, *right));
            let mut cells = Vec::new();
            for s in shown {
                match s {
                    Shown::Hidden(k) => cells.push((None, format!("… {k} more …"))),
                    Shown::Entry(e) => {
                        cells.push((Some(format!("e{}", e.index)), html_key(&e.key)))
                    }
                }
            }
            if cells.is_empty() {
                cells.push((None, "(empty)".to_string()));
            }
            let title = format!(
                "<B>page {id}</B>  leaf, {}, {fill}% full",
                plural(*count, "entry", "entries")
            );
            dot_table(out, *id, "#dff0d8", &title, &cells, false);
            for s in shown {
                if let Shown::Entry(e) = s {
                    dot_chain(out, *id, e.index, &e.chain);
                }
            }
        }
    }
}

fn node_id(node: &Node) -> PageId {
    match node {
        Node::Bad { id, .. } | Node::Interior { id, .. } | Node::Leaf { id, .. } => *id,
    }
}

/// The overflow chain of entry `index` of `leaf`, cut in the middle if
/// long.
fn dot_chain(out: &mut String, leaf: PageId, index: usize, chain: &Chain) {
    let pages = &chain.pages;
    let cut = pages.len() > CHAIN_SHOWN;
    let mut prev = format!("p{leaf}:e{index}");
    for (i, (p, n)) in pages.iter().enumerate() {
        if cut && i == CHAIN_SHOWN - 1 {
            let hidden = pages.len() - CHAIN_SHOWN;
            let _ = writeln!(
                out,
                "  p{p}_more [shape=plaintext, label=\"… {} …\"];",
                plural(hidden, "more page", "more pages")
            );
            let _ = writeln!(out, "  {prev} -> p{p}_more [style=dotted];");
            prev = format!("p{p}_more");
        }
        if cut && i >= CHAIN_SHOWN - 1 && i < pages.len() - 1 {
            continue;
        }
        let _ = writeln!(
            out,
            "  p{p} [shape=box, style=filled, fillcolor=\"#fff3cd\", label=\"page {p}\\noverflow\\n{n} bytes\"];"
        );
        let _ = writeln!(out, "  {prev} -> p{p} [color=\"#b8860b\"];");
        prev = format!("p{p}");
    }
    if let Some(b) = &chain.broken {
        let name = format!("broken_{leaf}_{index}");
        let _ = writeln!(
            out,
            "  {name} [shape=box, style=filled, fillcolor=\"#f8d7da\", label=\"{}\"];",
            quoted(b)
        );
        let _ = writeln!(out, "  {prev} -> {name} [color=red];");
    }
}

/// Leaves side by side, joined by their sibling links: one dashed
/// two-headed edge where the links agree, red edges where they do not.
fn dot_siblings(out: &mut String, leaves: &[LeafLinks]) {
    if leaves.is_empty() {
        return;
    }
    let ids: Vec<String> = leaves.iter().map(|(id, _, _)| format!("p{id}")).collect();
    let _ = writeln!(out, "  {{ rank=same; {}; }}", ids.join("; "));
    for (i, &(id, left, right)) in leaves.iter().enumerate() {
        let next = leaves.get(i + 1).map(|&(n_id, n_left, _)| (n_id, n_left));
        match next {
            Some((n_id, n_left)) if right == n_id && n_left == id => {
                let _ = writeln!(
                    out,
                    "  p{id} -> p{n_id} [dir=both, style=dashed, constraint=false, color=gray50];"
                );
            }
            _ => {
                let expected_right = next.map_or(0, |(n_id, _)| n_id);
                dot_link(out, id, right, "right", right == expected_right);
                if let Some((n_id, n_left)) = next {
                    dot_link(out, n_id, n_left, "left", n_left == id);
                }
            }
        }
        if i == 0 {
            dot_link(out, id, left, "left", left == 0);
        }
    }
}

/// One sibling link on its own: gray if it is right, red if it is wrong.
fn dot_link(out: &mut String, from: PageId, to: PageId, which: &str, correct: bool) {
    if to == 0 {
        return;
    }
    let color = if correct { "gray50" } else { "red" };
    let _ = writeln!(
        out,
        "  p{from} -> p{to} [style=dashed, constraint=false, color={color}, label=\"{which}\"];"
    );
}
