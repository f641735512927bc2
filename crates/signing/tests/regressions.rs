//! Every input under tests/regressions/ (fuzzer finds and hand-made oddities) must yield a
//! report or an error without panicking, and a verified report must carry no errors.
#![allow(clippy::unwrap_used)]

use medshield_signing::{parse_signing_block, verify, VerifyOptions};

#[test]
fn regression_inputs_do_not_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            continue;
        }
        let data = std::fs::read(&p).unwrap();
        n += 1;
        let _ = parse_signing_block(&data, data.len() as u64);
        if let Ok(a) = medshield_zip::Archive::parse(&data) {
            for min_sdk in [1, 24, 28] {
                let r = verify(
                    &a,
                    &VerifyOptions {
                        min_sdk,
                        ..Default::default()
                    },
                );
                if r.verified {
                    assert!(r.errors.is_empty(), "{}", p.display());
                    assert!(!r.signers.is_empty(), "{}", p.display());
                }
            }
        }
    }
    println!("{n} regression inputs");
}

/// A ZIP whose only content is a hostile APK Signing Block: huge sizes and pair lengths.
#[test]
fn hostile_signing_block_in_zip() {
    let mut apk = Vec::new();
    // Signing block whose pair claims 2^63 bytes.
    let mut block = Vec::new();
    block.extend_from_slice(&(1u64 << 63).to_le_bytes());
    block.extend_from_slice(&0x7109_871au32.to_le_bytes());
    let size = (block.len() + 24) as u64;
    apk.extend_from_slice(&size.to_le_bytes());
    apk.extend_from_slice(&block);
    apk.extend_from_slice(&size.to_le_bytes());
    apk.extend_from_slice(b"APK Sig Block 42");
    let cd = apk.len() as u32;
    // Empty central directory + EOCD.
    apk.extend_from_slice(b"PK\x05\x06");
    apk.extend_from_slice(&[0; 8]);
    apk.extend_from_slice(&0u32.to_le_bytes());
    apk.extend_from_slice(&cd.to_le_bytes());
    apk.extend_from_slice(&[0, 0]);
    let b = parse_signing_block(&apk, u64::from(cd)).unwrap();
    assert!(b.pairs.is_empty());
    assert!(b.malformed.is_some());
    if let Ok(a) = medshield_zip::Archive::parse(&apk) {
        let r = verify(&a, &VerifyOptions::default());
        assert!(!r.verified);
        assert!(!r.schemes.v2.present);
    }
}
