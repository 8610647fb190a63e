//! Where a tree reads its pages: a read transaction's snapshot, or the write
//! transaction's own view.

use walnut_pager::{PageId, PageRef, ReadTxn, Result, WriteTxn};

/// Something pages can be read from.
pub trait PageSource {
    /// Reads page `id`.
    fn page(&self, id: PageId) -> Result<PageRef<'_>>;
}

impl PageSource for ReadTxn {
    fn page(&self, id: PageId) -> Result<PageRef<'_>> {
        ReadTxn::page(self, id)
    }
}

impl PageSource for WriteTxn {
    fn page(&self, id: PageId) -> Result<PageRef<'_>> {
        WriteTxn::page(self, id)
    }
}
