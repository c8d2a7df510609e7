#![no_main]
//! The SQLite reader; the first byte picks where the input splits into database and WAL.
use libfuzzer_sys::fuzz_target;
use sc::sbom::catalog::rpm::sqlite;

fuzz_target!(|data: &[u8]| {
    let _ = sqlite::read_blobs(data, None, "Packages");
    if let Some((&split, rest)) = data.split_first() {
        let at = rest.len() * split as usize / 256;
        let (db, wal) = rest.split_at(at);
        let _ = sqlite::read_blobs(db, Some(wal), "Packages");
    }
});
