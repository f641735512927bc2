//! Inputs that once crashed the fuzzer: each must parse to Ok or Err without panicking, and every
//! resolution entry point must survive them.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use medshield_arsc::ResourceTable;

#[test]
fn regressions_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for f in medshield_fixtures::files_with_extension(&dir, &[".arsc"]) {
        let bytes = std::fs::read(&f).unwrap();
        if let Ok(t) = ResourceTable::parse(&bytes) {
            for p in t.packages() {
                for id in [(p.id << 24) | 0x01_0000, (p.id << 24) | 0x02_0001] {
                    let _ = t.resolve_string(id);
                    let _ = t.default_string(id);
                    let _ = t.resolve_file(id);
                }
            }
            t.for_each_entry(|_, _, _| {});
        }
        n += 1;
    }
    assert!(n >= 1, "regression inputs missing from {}", dir.display());
}
