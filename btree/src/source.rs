//! Where a tree reads its pages: a read transaction's snapshot, or the write
//! transaction's own view.

use walnut_pager::{DbHeader, Freelist, PageId, PageRef, ReadTxn, Result, WriteTxn};

/// Something pages can be read from.
pub trait PageSource {
    /// Reads page `id`.
    fn page(&self, id: PageId) -> Result<PageRef<'_>>;
    /// The database header as this view sees it.
    fn db_header(&self) -> Result<DbHeader>;
    /// The freelist as this view sees it.
    fn freelist(&self) -> Result<Freelist>;
    /// A hint that pages `first..first + n` are about to be read one after
    /// the other: a view that can read them in one go does. The default
    /// does nothing (a write transaction's pages may be private).
    fn read_ahead(&self, _first: PageId, _n: usize) {}
}

impl PageSource for ReadTxn {
    fn page(&self, id: PageId) -> Result<PageRef<'_>> {
        ReadTxn::page(self, id)
    }
    fn db_header(&self) -> Result<DbHeader> {
        Ok(ReadTxn::header(self))
    }
    fn freelist(&self) -> Result<Freelist> {
        ReadTxn::freelist(self)
    }
    fn read_ahead(&self, first: PageId, n: usize) {
        ReadTxn::read_ahead(self, first, n)
    }
}

impl PageSource for WriteTxn {
    fn page(&self, id: PageId) -> Result<PageRef<'_>> {
        WriteTxn::page(self, id)
    }
    fn db_header(&self) -> Result<DbHeader> {
        WriteTxn::header(self)
    }
    fn freelist(&self) -> Result<Freelist> {
        WriteTxn::freelist(self)
    }
}
