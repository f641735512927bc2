#![no_main]
//! Arbitrary lines as descriptors, class names, library paths and entry paths.
use libfuzzer_sys::fuzz_target;
use medshield_sdks::SignatureDb;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut det = SignatureDb::builtin().detector();
    for (i, line) in text.lines().enumerate() {
        match i % 4 {
            0 => det.class_descriptor(line),
            1 => det.app_class(line),
            2 => det.native_lib(line),
            _ => det.file(line),
        }
    }
    let d = det.finish();
    for s in &d.sdks {
        assert!(s.match_count >= s.evidence.len());
        assert!(s.evidence.len() <= medshield_sdks::MAX_SAMPLES);
    }
});
