//! Opening files: a new database round-trips, the page size persists, and
//! every kind of file that is not a healthy walnut database gets a clear
//! error naming the file (and the page, where there is one). Never a panic.

use std::sync::Arc;
use walnut_pager::{PageType, Pager, PagerError, PagerOptions, SimVfs};

fn opts(page_size: u32) -> PagerOptions {
    PagerOptions {
        page_size,
        ..PagerOptions::default()
    }
}

#[test]
fn create_write_close_reopen_round_trip_on_the_real_file_system() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("round.db");
    let pager = Pager::open(&path, opts(4096)).expect("create");
    let mut ids = Vec::new();
    let tx = pager.begin_write().expect("begin");
    for i in 0..20u8 {
        let mut p = tx.allocate(PageType::BTreeLeaf).expect("allocate");
        p.body_mut()[..3].copy_from_slice(&[i, i, i]);
        ids.push(p.id());
    }
    tx.commit().expect("commit");
    pager.close().expect("close");
    assert!(
        !walnut_pager::wal_path_for(&path).exists(),
        "a clean close checkpoints and deletes the WAL"
    );

    let pager = Pager::open(&path, opts(4096)).expect("reopen");
    let rx = pager.begin_read().expect("read");
    assert_eq!(rx.page_count(), 21);
    for (i, id) in ids.iter().enumerate() {
        let p = rx.page(*id).expect("page");
        assert_eq!(&p.body()[..3], &[i as u8; 3]);
        assert_eq!(p.page_type(), Some(PageType::BTreeLeaf));
        assert_eq!(
            p.lsn(),
            2,
            "commit 1 created the database, commit 2 wrote the pages"
        );
    }
}

#[test]
fn page_size_is_chosen_at_creation_and_persisted() {
    for size in [1024u32, 2048, 8192, 65536] {
        let vfs = Arc::new(SimVfs::new(1));
        let pager = Pager::open_with_vfs(vfs.clone(), "p.db", opts(size)).expect("create");
        assert_eq!(pager.page_size(), size);
        drop(pager);
        // Reopening with another page size in the options keeps the file's.
        let pager = Pager::open_with_vfs(vfs, "p.db", opts(4096)).expect("reopen");
        assert_eq!(pager.page_size(), size);
        assert_eq!(pager.begin_read().expect("read").header().page_size, size);
    }
}

#[test]
fn invalid_page_sizes_and_pool_sizes_are_refused() {
    let vfs = Arc::new(SimVfs::new(1));
    for bad in [0u32, 512, 1000, 3000, 131072] {
        let err = Pager::open_with_vfs(vfs.clone(), "p.db", opts(bad)).expect_err("bad size");
        assert!(matches!(err, PagerError::InvalidPageSize(_)), "{err}");
    }
    let err = Pager::open_with_vfs(
        vfs,
        "p.db",
        PagerOptions {
            pool_frames: 2,
            ..PagerOptions::default()
        },
    )
    .expect_err("tiny pool");
    assert!(err.to_string().contains("at least 3 frames"), "{err}");
}

fn fresh_file(vfs: &SimVfs, name: &str) -> Vec<u8> {
    let vfs = Arc::new(vfs.clone());
    let pager = Pager::open_with_vfs(vfs.clone(), name, opts(1024)).expect("create");
    let tx = pager.begin_write().expect("begin");
    tx.allocate(PageType::BTreeLeaf).expect("alloc");
    tx.commit().expect("commit");
    pager.close().expect("close");
    vfs.file_bytes(name.as_ref()).expect("file exists")
}

#[test]
fn a_file_with_the_wrong_magic_is_not_a_database() {
    let vfs = SimVfs::new(2);
    let mut bytes = fresh_file(&vfs, "m.db");
    bytes[24..32].copy_from_slice(b"SQLite f");
    vfs.set_file_bytes("m.db".as_ref(), bytes);
    let err = Pager::open_with_vfs(Arc::new(vfs), "m.db", opts(1024)).expect_err("bad magic");
    assert!(matches!(err, PagerError::NotADatabase { .. }), "{err}");
    assert!(
        err.to_string().starts_with("m.db: not a walnut database"),
        "{err}"
    );
}

#[test]
fn a_file_of_another_format_version_is_refused_with_both_versions_named() {
    let vfs = SimVfs::new(3);
    let mut bytes = fresh_file(&vfs, "v.db");
    bytes[32..36].copy_from_slice(&7u32.to_be_bytes());
    vfs.set_file_bytes("v.db".as_ref(), bytes);
    let err = Pager::open_with_vfs(Arc::new(vfs), "v.db", opts(1024)).expect_err("version");
    assert_eq!(
        err.to_string(),
        "v.db: unsupported format version 7 (this build reads version 2)"
    );
}

#[test]
fn a_truncated_file_is_reported_as_truncated() {
    let vfs = SimVfs::new(4);
    let bytes = fresh_file(&vfs, "t.db");
    assert_eq!(bytes.len(), 2 * 1024);
    // Cut inside the header page, and cut off the second page.
    for cut in [40usize, 600, 1024 + 100, 1024] {
        vfs.set_file_bytes("t.db".as_ref(), bytes[..cut].to_vec());
        let err =
            Pager::open_with_vfs(Arc::new(vfs.clone()), "t.db", opts(1024)).expect_err("truncated");
        assert!(
            matches!(err, PagerError::Truncated { .. }),
            "cut {cut}: {err}"
        );
        assert!(err.to_string().contains("t.db: truncated"), "{err}");
    }
}

#[test]
fn a_garbage_file_is_not_a_database_and_nothing_panics() {
    let vfs = SimVfs::new(5);
    let mut x = 0x1234_5678_9abc_def0u64;
    for len in [1usize, 23, 24, 31, 67, 68, 100, 1024, 4096, 10_000] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        vfs.set_file_bytes("g.db".as_ref(), bytes);
        let err =
            Pager::open_with_vfs(Arc::new(vfs.clone()), "g.db", opts(1024)).expect_err("garbage");
        assert!(
            matches!(
                err,
                PagerError::NotADatabase { .. } | PagerError::Truncated { .. }
            ),
            "len {len}: {err}"
        );
    }
}

#[test]
fn a_flipped_byte_in_the_header_page_is_a_checksum_error_for_page_1() {
    let vfs = SimVfs::new(6);
    let mut bytes = fresh_file(&vfs, "h.db");
    bytes[500] ^= 0x01;
    vfs.set_file_bytes("h.db".as_ref(), bytes);
    let err = Pager::open_with_vfs(Arc::new(vfs), "h.db", opts(1024)).expect_err("crc");
    assert!(
        matches!(err, PagerError::ChecksumMismatch { page: 1, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("h.db: page 1 (main file): checksum mismatch")
    );
}

#[test]
fn a_second_process_cannot_open_a_database_that_is_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("locked.db");
    let _first = Pager::open(&path, opts(4096)).expect("first open");
    // A second open in the same process takes a second file description,
    // which is exactly what another process would have.
    let err = Pager::open(&path, opts(4096)).expect_err("second open");
    assert!(matches!(err, PagerError::Locked { .. }), "{err}");
}
