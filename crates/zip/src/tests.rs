//! Archives built byte by byte, so that every trick is exercised without fixture files.

use super::builder::{build, spec};
use super::*;

#[test]
fn reads_stored_and_deflated_entries() {
    let text = b"hello hello hello hello hello".repeat(50);
    let bytes = build(
        &[spec("a.txt", b"stored!", false), spec("b.txt", &text, true)],
        b"",
        false,
    );
    let zip = Archive::parse(&bytes).unwrap();
    assert_eq!(zip.entries().len(), 2);
    assert!(zip.anomalies().is_empty(), "{:?}", zip.anomalies());
    let a = zip.entry("a.txt").unwrap();
    assert!(matches!(zip.read(a).unwrap(), Cow::Borrowed(b"stored!")));
    let b = zip.entry("b.txt").unwrap();
    assert_eq!(b.method, METHOD_DEFLATED);
    assert_eq!(zip.read(b).unwrap().as_ref(), text.as_slice());
    let mut buf = Vec::new();
    zip.read_into(b, &mut buf).unwrap();
    assert_eq!(buf, text);
}

#[test]
fn data_descriptor_entries_use_central_directory_sizes() {
    let mut s = spec("dd.bin", &[7u8; 5000], true);
    s.data_descriptor = true;
    let bytes = build(&[s], b"", false);
    let zip = Archive::parse(&bytes).unwrap();
    assert!(zip.anomalies().is_empty(), "{:?}", zip.anomalies());
    assert_eq!(zip.read(&zip.entries()[0]).unwrap().len(), 5000);
}

#[test]
fn misleading_local_header_is_an_anomaly_and_central_directory_wins() {
    let mut s = spec("classes.dex", b"dex\n035\0 payload", false);
    s.local_method = Some(8);
    s.local_name = Some(b"classes.dey".to_vec());
    let bytes = build(&[s], b"", false);
    let zip = Archive::parse(&bytes).unwrap();
    let fields: Vec<_> = zip
        .anomalies()
        .iter()
        .filter_map(|a| match a {
            Anomaly::LocalHeaderMismatch { field, .. } => Some(*field),
            _ => None,
        })
        .collect();
    assert_eq!(fields, ["name", "compression method"]);
    assert_eq!(
        zip.read(&zip.entries()[0]).unwrap().as_ref(),
        b"dex\n035\0 payload"
    );
}

#[test]
fn duplicate_names_are_recorded_and_lookup_takes_the_first() {
    let bytes = build(
        &[
            spec("AndroidManifest.xml", b"one", false),
            spec("AndroidManifest.xml", b"two", false),
        ],
        b"",
        false,
    );
    let zip = Archive::parse(&bytes).unwrap();
    assert!(zip
        .anomalies()
        .iter()
        .any(|a| matches!(a, Anomaly::DuplicateEntry { .. })));
    assert_eq!(
        zip.read(zip.entry("AndroidManifest.xml").unwrap())
            .unwrap()
            .as_ref(),
        b"one"
    );
    assert_eq!(zip.entries().len(), 2);
}

#[test]
fn zip64_records_are_followed() {
    let content = b"zip64 content".repeat(10);
    let bytes = build(
        &[spec("x", &content, true), spec("y", b"short", false)],
        b"",
        true,
    );
    let zip = Archive::parse(&bytes).unwrap();
    assert!(zip.anomalies().contains(&Anomaly::Zip64));
    assert_eq!(zip.entries().len(), 2);
    assert_eq!(
        zip.read(zip.entry("x").unwrap()).unwrap().as_ref(),
        content.as_slice()
    );
    assert_eq!(
        zip.read(zip.entry("y").unwrap()).unwrap().as_ref(),
        b"short"
    );
}

#[test]
fn comment_holding_a_fake_eocd_is_skipped() {
    let real = build(&[spec("a", b"A", false)], b"", false);
    // A comment that contains an EOCD signature with a bogus comment length.
    let mut fake = EOCD_SIGNATURE.to_le_bytes().to_vec();
    fake.extend_from_slice(&[0; 16]);
    fake.extend_from_slice(&999u16.to_le_bytes());
    let with_comment = build(&[spec("a", b"A", false)], &fake, false);
    let zip = Archive::parse(&with_comment).unwrap();
    assert_eq!(zip.entries().len(), 1);
    assert_eq!(zip.comment(), fake.as_slice());
    assert_eq!(zip.eocd_offset(), (real.len() - EOCD_LEN) as u64);
}

#[test]
fn trailing_garbage_is_an_anomaly() {
    let mut bytes = build(&[spec("a", b"A", false)], b"", false);
    bytes.extend_from_slice(b"junk");
    let zip = Archive::parse(&bytes).unwrap();
    assert!(zip
        .anomalies()
        .iter()
        .any(|a| matches!(a, Anomaly::TrailingData { bytes: 4 })));
}

#[test]
fn size_lies_are_stopped() {
    let mut s = spec("bomb", &[0u8; 100_000], true);
    s.declared_size = Some(10);
    let bytes = build(&[s], b"", false);
    let zip = Archive::parse(&bytes).unwrap();
    let err = zip.read(&zip.entries()[0]).unwrap_err();
    assert!(
        matches!(err, ZipError::SizeMismatch { declared: 10, .. }),
        "{err}"
    );
}

#[test]
fn ratio_and_size_limits_stop_bombs_before_inflating() {
    let bytes = build(&[spec("zeros", &vec![0u8; 4 << 20], true)], b"", false);
    let zip = Archive::parse(&bytes).unwrap();
    let e = &zip.entries()[0];
    assert!(e.uncompressed_size / e.compressed_size > DEFAULT_MAX_RATIO);
    assert!(matches!(
        zip.read(e).unwrap_err(),
        ZipError::RatioExceeded { .. }
    ));

    let limits = Limits {
        max_entry_size: 1000,
        ..Limits::default()
    };
    let bytes = build(&[spec("big", &[1u8; 2000], false)], b"", false);
    let zip = Archive::parse_with_limits(&bytes, limits).unwrap();
    assert!(matches!(
        zip.read(&zip.entries()[0]).unwrap_err(),
        ZipError::EntryTooLarge { size: 2000, .. }
    ));
}

#[test]
fn total_inflated_budget_is_shared_across_reads() {
    let limits = Limits {
        max_total_inflated: 1500,
        ..Limits::default()
    };
    let bytes = build(
        &[spec("a", &[1u8; 1000], true), spec("b", &[2u8; 1000], true)],
        b"",
        false,
    );
    let zip = Archive::parse_with_limits(&bytes, limits).unwrap();
    zip.read(&zip.entries()[0]).unwrap();
    assert!(matches!(
        zip.read(&zip.entries()[1]).unwrap_err(),
        ZipError::TotalInflatedExceeded { .. }
    ));
}

#[test]
fn entry_count_limit() {
    let specs: Vec<_> = (0..10)
        .map(|i| spec(&format!("f{i}"), b"x", false))
        .collect();
    let bytes = build(&specs, b"", false);
    let err = Archive::parse_with_limits(
        &bytes,
        Limits {
            max_entries: 5,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        ZipError::TooManyEntries {
            count: 10,
            limit: 5
        }
    );
}

#[test]
fn crc_mismatch_is_an_error_on_read_but_not_unchecked() {
    let mut s = spec("c", b"content", false);
    s.crc = Some(0xdead_beef);
    let bytes = build(&[s], b"", false);
    let zip = Archive::parse(&bytes).unwrap();
    assert!(matches!(
        zip.read(&zip.entries()[0]).unwrap_err(),
        ZipError::CrcMismatch {
            declared: 0xdead_beef,
            ..
        }
    ));
    assert_eq!(
        zip.read_unchecked(&zip.entries()[0]).unwrap().as_ref(),
        b"content"
    );
}

#[test]
fn suspicious_names_and_fake_encryption_are_recorded() {
    let mut enc = spec("res/raw/x", b"x", false);
    enc.flags = FLAG_ENCRYPTED;
    let bytes = build(
        &[spec("../evil", b"e", false), enc, spec("a\0b", b"n", false)],
        b"",
        false,
    );
    let zip = Archive::parse(&bytes).unwrap();
    let a = zip.anomalies();
    assert!(a.iter().any(
        |x| matches!(x, Anomaly::SuspiciousEntryName { reason, .. } if reason.contains(".."))
    ));
    assert!(a.iter().any(
        |x| matches!(x, Anomaly::SuspiciousEntryName { reason, .. } if reason.contains("NUL"))
    ));
    assert!(a.iter().any(|x| matches!(x, Anomaly::EncryptedFlag { .. })));
}

#[test]
fn not_a_zip_and_truncations_are_errors_never_panics() {
    assert!(matches!(
        Archive::parse(b"").unwrap_err(),
        ZipError::NoEndOfCentralDirectory { .. }
    ));
    assert!(matches!(
        Archive::parse(&[0u8; 100]).unwrap_err(),
        ZipError::NoEndOfCentralDirectory { .. }
    ));
    let bytes = build(
        &[spec("a", &[3u8; 300], true), spec("b", b"bb", false)],
        b"c",
        false,
    );
    for cut in 0..bytes.len() {
        if let Ok(zip) = Archive::parse(&bytes[..cut]) {
            for e in zip.entries() {
                let _ = zip.read(e);
            }
        }
        // Flip one byte at each position too.
        let mut flipped = bytes.clone();
        flipped[cut] ^= 0xff;
        if let Ok(zip) = Archive::parse(&flipped) {
            for e in zip.entries() {
                let _ = zip.read(e);
            }
        }
    }
}

#[test]
fn overlapping_entries_are_recorded() {
    // Two central records pointing at the same local header: the non-recursive zip bomb trick.
    let mut bytes = build(
        &[spec("a", b"AAAA", false), spec("b", b"BBBB", false)],
        b"",
        false,
    );
    let zip = Archive::parse(&bytes).unwrap();
    let second_cd = zip.entries()[1].central_header_offset as usize;
    bytes[second_cd + 42..second_cd + 46].copy_from_slice(&0u32.to_le_bytes());
    let zip = Archive::parse(&bytes).unwrap();
    assert!(zip
        .anomalies()
        .iter()
        .any(|a| matches!(a, Anomaly::OverlappingEntries { .. })));
}

#[test]
fn prefix_reads_only_what_is_asked() {
    let content: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let bytes = build(
        &[
            spec("big", &content, true),
            spec("small", b"dex\n035", false),
        ],
        b"",
        false,
    );
    let zip = Archive::parse(&bytes).unwrap();
    assert_eq!(
        zip.read_prefix(zip.entry("big").unwrap(), 8).unwrap(),
        &content[..8]
    );
    assert_eq!(
        zip.read_prefix(zip.entry("small").unwrap(), 4).unwrap(),
        b"dex\n"
    );
    assert_eq!(
        zip.read_prefix(zip.entry("small").unwrap(), 400).unwrap(),
        b"dex\n035"
    );
}
