//! The whole engine on arbitrary bytes: container, manifest, resources, signatures, dex, ELF and
//! nested archives together. Never a panic; memory bounded by the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medshield_apk::{inspect, InspectOptions};
use medshield_zip::Limits;

fuzz_target!(|data: &[u8]| {
    let options = InspectOptions {
        limits: Limits {
            max_entries: 4096,
            max_entry_size: 16 << 20,
            max_total_inflated: 64 << 20,
            ..Limits::default()
        },
    };
    if let Ok(report) = inspect(data, &options) {
        let mut out = Vec::new();
        let _ = medshield_apk::text::render(&report, false, &mut out);
    }
});
