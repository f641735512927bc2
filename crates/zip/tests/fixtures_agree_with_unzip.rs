//! Every real package in the shared fixtures: our entry list must equal Info-ZIP's, and every entry
//! that `unzip -t` finds sound must read back with a matching CRC.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use medshield_zip::Archive;

#[test]
fn entry_lists_and_contents_agree_with_unzip() {
    let Some(root) = medshield_fixtures::apks_root("entry_lists_and_contents_agree_with_unzip")
    else {
        return;
    };
    if !medshield_fixtures::oracle_available("zipinfo", "entry_lists_and_contents_agree_with_unzip")
    {
        return;
    }
    let files = medshield_fixtures::files_with_extension(&root, &[".apk", ".jar", ".zip"]);
    assert!(
        files.len() > 300,
        "expected the ~380 fixture packages, found {}",
        files.len()
    );
    let (mut compared, mut ours_only, mut rejected_by_both) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let ours = Archive::parse(&bytes);
        let listing = Command::new("zipinfo")
            .arg("-1")
            .arg(path)
            .output()
            .unwrap();
        let theirs_ok = listing.status.success();
        match (&ours, theirs_ok) {
            (Ok(zip), true) => {
                let theirs: Vec<String> = String::from_utf8_lossy(&listing.stdout)
                    .lines()
                    .map(str::to_owned)
                    .collect();
                let ours: Vec<String> = zip
                    .entries()
                    .iter()
                    .map(|e| e.name().into_owned())
                    .collect();
                // Info-ZIP shows control characters in names as `^M` and the like: compare those
                // names by position only.
                let same = ours.len() == theirs.len()
                    && ours
                        .iter()
                        .zip(&theirs)
                        .all(|(a, b)| a.chars().any(char::is_control) || a == b);
                if !same {
                    disagreements.push(format!("{}: names differ", path.display()));
                }
                let tested = Command::new("unzip")
                    .arg("-tqq")
                    .arg(path)
                    .output()
                    .unwrap();
                if tested.status.success() {
                    for e in zip.entries().iter().filter(|e| !e.is_dir()) {
                        if let Err(err) = zip.read(e) {
                            disagreements.push(format!("{}: {err}", path.display()));
                        }
                    }
                }
                compared += 1;
            }
            (Ok(_), false) => ours_only += 1,
            (Err(_), false) => rejected_by_both += 1,
            (Err(e), true) => disagreements.push(format!(
                "{}: we reject ({e}), unzip lists it",
                path.display()
            )),
        }
    }
    eprintln!(
        "zip oracle: {compared} compared with unzip, {ours_only} read only by us, {rejected_by_both} rejected by both, {} disagreements",
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}
