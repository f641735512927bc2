//! The code observer sees exactly the dex files and native libraries the report counts, once each.
#![allow(clippy::unwrap_used)]

use medshield_apk::{inspect_observing, CodeObserver, InspectOptions};
use medshield_dex::Dex;

#[derive(Default)]
struct Tally {
    primary: Vec<(String, u32)>,
    embedded: usize,
    native: Vec<(String, u64)>,
}

impl CodeObserver for Tally {
    fn dex(&mut self, name: &str, primary: bool, dex: &Dex<'_>) {
        if primary {
            self.primary.push((name.to_owned(), dex.type_ids_len()));
        } else {
            self.embedded += 1;
        }
    }

    fn native_lib(&mut self, name: &str, bytes: &[u8]) {
        self.native.push((name.to_owned(), bytes.len() as u64));
    }
}

#[test]
fn observer_sees_every_dex_the_report_counts() {
    let Some(root) = medshield_fixtures::apks_root("observer_sees_every_dex_the_report_counts")
    else {
        return;
    };
    let mut packages = 0;
    let mut native = 0;
    for path in medshield_fixtures::files_with_extension(&root, &[".apk"]) {
        let bytes = std::fs::read(&path).unwrap();
        let mut tally = Tally::default();
        let Ok(report) = inspect_observing(&bytes, &InspectOptions::default(), &mut tally) else {
            continue;
        };
        let mut ours: Vec<(String, u32)> = report
            .dex
            .iter()
            .map(|d| (d.name.clone(), d.summary.types))
            .collect();
        ours.sort();
        tally.primary.sort();
        assert_eq!(tally.primary, ours, "{}", path.display());
        let embedded_dex = report
            .embedded_code
            .iter()
            .filter(|e| e.kind == "dex" && e.dex.is_some())
            .count();
        assert_eq!(tally.embedded, embedded_dex, "{}", path.display());
        // Every library under lib/<abi>/, once, with the bytes the report sized.
        let mut libs: Vec<(String, u64)> = report
            .native_libs
            .iter()
            .map(|l| (l.path.clone(), l.size))
            .collect();
        libs.sort();
        tally.native.sort();
        assert_eq!(tally.native, libs, "{}", path.display());
        native += libs.len();
        packages += 1;
    }
    assert!(packages > 300, "only {packages} packages inspected");
    assert!(native > 10, "only {native} native libraries seen");
}
