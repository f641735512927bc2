//! Central directory parsing plus reading every entry under tight limits: must never panic, hang,
//! or allocate beyond the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medshield_zip::{Archive, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_entries: 4096,
        max_entry_size: 8 << 20,
        max_total_inflated: 32 << 20,
        ..Limits::default()
    };
    if let Ok(zip) = Archive::parse_with_limits(data, limits) {
        for entry in zip.entries() {
            let _ = zip.read(entry);
            let _ = entry.name();
        }
        for anomaly in zip.anomalies() {
            let _ = anomaly.to_string();
        }
    }
});
