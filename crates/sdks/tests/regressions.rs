//! Every input kept under tests/regressions/ (fuzz findings and hand-made oddities) must load or
//! be rejected without panicking, and feeding it to the detector must not panic either.
#![allow(clippy::unwrap_used)]

use medshield_sdks::SignatureDb;

#[test]
fn regressions_do_not_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let _ = SignatureDb::from_toml(&text);
        let _ = SignatureDb::builtin_with(&text);
        let mut det = SignatureDb::builtin().detector();
        for line in text.lines() {
            det.class_descriptor(line);
            det.app_class(line);
            det.native_lib(line);
            det.file(line);
        }
        let _ = det.finish();
        n += 1;
    }
    assert!(n >= 1);
}
