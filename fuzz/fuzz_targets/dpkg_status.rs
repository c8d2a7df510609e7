#![no_main]
//! dpkg status/status.d stanzas, .list files and copyright license extraction.
use libfuzzer_sys::fuzz_target;
use sc::sbom::catalog::dpkg;

fuzz_target!(|data: &[u8]| {
    let parsed = dpkg::parse_status(data);
    for e in &parsed.entries {
        let _ = e.is_installed();
    }
    let _ = dpkg::parse_list(data);
    let text = String::from_utf8_lossy(data);
    let _ = dpkg::parse_copyright_licenses(&text);
    let _ = dpkg::parse_relations(&text);
});
