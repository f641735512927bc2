//! The input is a binary AndroidManifest.xml (seeded from real ones); it is packaged alone into an
//! APK so that `inspect` reaches the manifest-derived facts, and every indicator is computed from
//! whatever report comes out. Nothing may panic, and the output must be deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medshield_zip::builder::{build, spec};

fuzz_target!(|data: &[u8]| {
    let apk = build(&[spec("AndroidManifest.xml", data, false)], b"", false);
    let Some(date) = medshield_analyzer::Date::new(2026, 11, 25) else {
        return;
    };
    if let Ok(report) = medshield_apk::inspect(&apk, &Default::default()) {
        let a = medshield_analyzer::indicators(&report, date);
        let b = medshield_analyzer::indicators(&report, date);
        assert_eq!(a, b);
        let _ = medshield_analyzer::necessary_scope_violations(&report.permissions);
    }
});
