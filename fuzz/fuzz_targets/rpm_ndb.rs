#![no_main]
//! The NDB `Packages.db` reader.
use libfuzzer_sys::fuzz_target;
use sc::sbom::catalog::rpm::ndb;

fuzz_target!(|data: &[u8]| {
    let _ = ndb::read_packages(data);
});
