#![no_main]
//! rpm header blobs as the databases store them.
use libfuzzer_sys::fuzz_target;
use sc::sbom::catalog::rpm::header;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = header::parse_header(data) {
        let _ = info.evr();
        if let Some(s) = &info.source_rpm {
            let _ = header::split_source_rpm(s);
        }
    }
});
