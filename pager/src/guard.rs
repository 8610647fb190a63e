//! RAII page guards: a pinned frame plus a lock on its bytes.
//!
//! A guard is the only way to touch a page. Creating one pins the frame
//! (so CLOCK will not evict it) and locks its buffer; dropping it releases
//! the lock and then the pin, in that order, so that the frame is never
//! unpinned while its bytes are still in use. Dropping a guard does not
//! take the pool latch: the pin count is an atomic (see `pool`). There is no `unpin` call to
//! forget: the borrow checker ends every guard before the transaction it
//! came from can commit or roll back.
//!
//! [`PageRef`] gives shared read access, [`PageMut`] exclusive write access
//! to a private (uncommitted) page of the write transaction. The first 24
//! bytes of a page (its header: checksum, type, id, LSN) belong to the
//! pager; the layers above read and write the *body* after it and set the
//! page type through [`PageMut::set_page_type`].

use crate::page::{self, PAGE_HEADER_SIZE, PageId, PageType};
use crate::pool::BufferPool;
use parking_lot::{RwLockReadGuard, RwLockWriteGuard};

/// Read access to one page.
#[derive(Debug)]
pub struct PageRef<'a> {
    pool: &'a BufferPool,
    frame: usize,
    id: PageId,
    data: Option<RwLockReadGuard<'a, Box<[u8]>>>,
}

/// Write access to one private page of the write transaction.
#[derive(Debug)]
pub struct PageMut<'a> {
    pool: &'a BufferPool,
    frame: usize,
    id: PageId,
    data: Option<RwLockWriteGuard<'a, Box<[u8]>>>,
}

impl<'a> PageRef<'a> {
    pub(crate) fn new(
        pool: &'a BufferPool,
        frame: usize,
        id: PageId,
        data: RwLockReadGuard<'a, Box<[u8]>>,
    ) -> Self {
        PageRef {
            pool,
            frame,
            id,
            data: Some(data),
        }
    }

    /// The page number.
    pub fn id(&self) -> PageId {
        self.id
    }

    /// The whole page image, header included.
    pub fn data(&self) -> &[u8] {
        self.data.as_deref().map_or(&[][..], |b| &b[..])
    }

    /// The page body: everything after the 24-byte page header.
    pub fn body(&self) -> &[u8] {
        self.data().get(PAGE_HEADER_SIZE..).unwrap_or(&[])
    }

    /// The page type stored in the header (`None` for an unknown byte).
    pub fn page_type(&self) -> Option<PageType> {
        page::page_type_of(self.data())
    }

    /// The commit number that last wrote this page.
    pub fn lsn(&self) -> u64 {
        page::lsn_of(self.data())
    }
}

impl Drop for PageRef<'_> {
    fn drop(&mut self) {
        self.data.take();
        self.pool.unpin(self.frame);
    }
}

impl<'a> PageMut<'a> {
    pub(crate) fn new(
        pool: &'a BufferPool,
        frame: usize,
        id: PageId,
        data: RwLockWriteGuard<'a, Box<[u8]>>,
    ) -> Self {
        PageMut {
            pool,
            frame,
            id,
            data: Some(data),
        }
    }

    /// The page number.
    pub fn id(&self) -> PageId {
        self.id
    }

    /// The whole page image, header included.
    pub fn data(&self) -> &[u8] {
        self.data.as_deref().map_or(&[][..], |b| &b[..])
    }

    /// The page body: everything after the 24-byte page header.
    pub fn body(&self) -> &[u8] {
        self.data().get(PAGE_HEADER_SIZE..).unwrap_or(&[])
    }

    /// The page body, writable.
    pub fn body_mut(&mut self) -> &mut [u8] {
        match self.data.as_deref_mut() {
            Some(b) => b.get_mut(PAGE_HEADER_SIZE..).unwrap_or(&mut []),
            None => &mut [],
        }
    }

    /// The page type stored in the header.
    pub fn page_type(&self) -> Option<PageType> {
        page::page_type_of(self.data())
    }

    /// Sets the page type.
    pub fn set_page_type(&mut self, t: PageType) {
        if let Some(b) = self.data.as_deref_mut() {
            page::set_page_type(b, t);
        }
    }

    /// The LSN of the version this private copy was made from.
    pub fn lsn(&self) -> u64 {
        page::lsn_of(self.data())
    }

    pub(crate) fn data_mut(&mut self) -> &mut [u8] {
        match self.data.as_deref_mut() {
            Some(b) => &mut b[..],
            None => &mut [],
        }
    }
}

impl Drop for PageMut<'_> {
    fn drop(&mut self) {
        self.data.take();
        self.pool.unpin(self.frame);
    }
}
