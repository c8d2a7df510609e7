#![no_main]
//! The Berkeley DB hash reader.
use libfuzzer_sys::fuzz_target;
use sc::sbom::catalog::rpm::bdb;

fuzz_target!(|data: &[u8]| {
    let _ = bdb::read_hash(data);
});
