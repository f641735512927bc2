//! Every input the fuzzer ever found a problem with (kept under `tests/regressions/`) must parse
//! to Ok or Err without panicking, and summarizing and walking it must terminate.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use medshield_dex::{summarize, Dex};

#[test]
fn regression_inputs_do_not_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut parsed = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        if let Ok(sections) = Dex::parse_container(&bytes) {
            parsed += 1;
            for dex in &sections {
                let s = summarize(dex);
                assert!(
                    s.methods_with_code <= s.encoded_methods,
                    "{}",
                    path.display()
                );
                for s in dex.strings() {
                    let _ = s;
                }
                for i in 0..dex.method_ids_len().min(10_000) {
                    let _ = dex.method_ref(i);
                }
            }
        }
    }
    eprintln!("regressions: {} files, {parsed} parsed", files.len());
}

/// A dex whose every string id points at the same long run of non-NUL bytes: the bulk string
/// walk must stop on its budget instead of rescanning the run for every id.
#[test]
fn shared_unterminated_string_data_is_bounded() {
    let ids = 20_000usize;
    let run = 200_000usize;
    let string_ids_off = 0x70usize;
    let data_off = string_ids_off + 4 * ids;
    let mut b = vec![0u8; data_off];
    // utf16_size 0x7fffffff as uleb128, then a long run without NUL.
    b.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x07]);
    b.extend(std::iter::repeat_n(b'A', run));
    let len = b.len() as u32;
    b[..8].copy_from_slice(b"dex\n035\0");
    b[32..36].copy_from_slice(&len.to_le_bytes());
    b[36..40].copy_from_slice(&0x70u32.to_le_bytes());
    b[40..44].copy_from_slice(&0x1234_5678u32.to_le_bytes());
    b[56..60].copy_from_slice(&(ids as u32).to_le_bytes());
    b[60..64].copy_from_slice(&(string_ids_off as u32).to_le_bytes());
    for i in 0..ids {
        let at = string_ids_off + 4 * i;
        b[at..at + 4].copy_from_slice(&(data_off as u32).to_le_bytes());
    }
    let dex = Dex::parse(&b).unwrap();
    assert!(
        !dex.anomalies().is_empty(),
        "no map list, bad checksum: anomalies expected"
    );
    let start = std::time::Instant::now();
    let results: Vec<_> = dex.strings().collect();
    assert_eq!(results.len(), ids);
    assert!(results.iter().all(Result::is_err));
    assert!(start.elapsed().as_secs() < 5, "took {:?}", start.elapsed());
    let s = summarize(&dex);
    assert_eq!((s.strings, s.classes), (ids as u32, 0));
}
