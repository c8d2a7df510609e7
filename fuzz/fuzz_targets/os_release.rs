#![no_main]
//! os-release and the other release files.
use libfuzzer_sys::fuzz_target;
use sc::sbom::catalog::release;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = release::parse_os_release(&text);
    let _ = release::parse_lsb_release(&text);
    let _ = release::parse_alpine_release(&text);
    let _ = release::parse_redhat_release(&text);
    let _ = release::parse_debian_version(&text);
});
