#![no_main]
//! The layer walker on an arbitrary "tar" stream with every cataloger attached:
//! hostile paths, truncated headers, bogus sizes must give errors or warnings.
use libfuzzer_sys::fuzz_target;
use sc::sbom::{catalog, walker};

fuzz_target!(|data: &[u8]| {
    let cats = catalog::all();
    let _ = walker::scan_layer(0, Box::new(std::io::Cursor::new(data.to_vec())), &cats, None);
});
