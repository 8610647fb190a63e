//! `.check`: the integrity check, with a progress bar for big files.
//!
//! The check is the SQL layer's `PRAGMA integrity_check` (the B+Tree's
//! structural check of every tree and page, then every index against its
//! table), run here on a read snapshot wrapped in a [`CountingSource`]:
//! each page the check reads moves the progress bar. The check reads each
//! page about twice (once for the structure, once for the index
//! comparison), so the bar's total is twice the page count.

use crate::error::Result;
use crate::progress::Progress;
use std::cell::{Cell, RefCell};
use walnut_btree::PageSource;
use walnut_pager::{DbHeader, Freelist, PageId, PageRef, Pager};
use walnut_sql::schema::Schema;

/// A page source that counts the pages read through it.
pub struct CountingSource<'a, S: PageSource + ?Sized> {
    inner: &'a S,
    reads: Cell<u64>,
    on_read: RefCell<Box<dyn FnMut(u64) + 'a>>,
}

impl<'a, S: PageSource + ?Sized> CountingSource<'a, S> {
    /// Wraps `inner`; `on_read(n)` is called after the n-th page read.
    pub fn new(inner: &'a S, on_read: impl FnMut(u64) + 'a) -> Self {
        CountingSource {
            inner,
            reads: Cell::new(0),
            on_read: RefCell::new(Box::new(on_read)),
        }
    }

    /// Pages read so far.
    pub fn reads(&self) -> u64 {
        self.reads.get()
    }
}

impl<S: PageSource + ?Sized> PageSource for CountingSource<'_, S> {
    fn page(&self, id: PageId) -> walnut_pager::Result<PageRef<'_>> {
        let n = self.reads.get() + 1;
        self.reads.set(n);
        if let Ok(mut f) = self.on_read.try_borrow_mut() {
            f(n);
        }
        self.inner.page(id)
    }
    fn db_header(&self) -> walnut_pager::Result<DbHeader> {
        self.inner.db_header()
    }
    fn freelist(&self) -> walnut_pager::Result<Freelist> {
        self.inner.freelist()
    }
}

/// Runs the integrity check on the committed state; returns `ok` or one
/// line per problem.
pub fn check(pager: &Pager, progress: bool) -> Result<String> {
    let txn = pager.begin_read()?;
    let total = u64::from(txn.page_count()) * 2;
    let mut bar = Progress::with_enabled("checking", total, progress);
    let problems = {
        let src = CountingSource::new(&txn, |n| bar.update(n));
        let schema = Schema::load(&src)?;
        walnut_sql::pragma::integrity_check(&src, &schema)?
    };
    bar.finish();
    if problems.is_empty() {
        return Ok("ok\n".into());
    }
    Ok(problems.iter().map(|p| format!("{p}\n")).collect())
}
