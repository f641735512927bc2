//! Every file under `tests/regressions/` must parse to Ok or Err without panicking.
#![allow(clippy::unwrap_used)]

use std::path::Path;

#[test]
fn regression_inputs_do_not_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let start = std::time::Instant::now();
        if let Ok(f) = medshield_elf::analyze(&bytes) {
            assert!(f.anomalies.len() <= medshield_elf::MAX_ANOMALIES + 1);
        }
        if let Ok(elf) = medshield_elf::Elf::parse(&bytes) {
            assert_eq!(
                elf.dynamic_symbols().count() as u64,
                elf.dynamic_symbol_count()
            );
        }
        assert!(start.elapsed().as_secs() < 2, "{} is slow", path.display());
        n += 1;
    }
    eprintln!("{n} regression inputs parsed");
    assert!(dir.join("README.md").is_file());
}
