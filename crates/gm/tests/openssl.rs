//! Cross-checks against the OpenSSL 3 command line, an independent SM2/SM3 implementation.
//!
//! Without an `openssl` 3.x binary these tests print that they did not run, except under CI
//! (`CI=true`), where the missing tool is a failure.

use medshield_gm::{
    hmac_sm3, random_bytes, signature_from_der, signature_to_der, sm3, to_hex, SigningKey,
    VerifyingKey,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `true` when an OpenSSL 3 CLI is on PATH; otherwise reports (or fails under CI).
fn have_openssl(test: &str) -> bool {
    let version = Command::new("openssl").arg("version").output();
    let problem = match &version {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            // SM2 `-rawin -digest sm3 -pkeyopt distid:` needs OpenSSL 3.
            if text.starts_with("OpenSSL 3") {
                return true;
            }
            format!("`openssl version` says {:?}, need OpenSSL 3.x", text.trim())
        }
        Ok(out) => format!("`openssl version` failed: {:?}", out.status),
        Err(e) => format!("cannot run openssl: {e}"),
    };
    assert!(
        !medshield_fixtures::under_ci(),
        "{test}: OpenSSL cross-check is required under CI: {problem}"
    );
    // Written to the real stderr, not via eprintln!, so the harness's output capture cannot hide
    // that a check was skipped.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "{test}: OpenSSL cross-check DID NOT RUN: {problem}"
    );
    false
}

/// A fresh scratch directory per test (no tempfile dependency needed for this).
fn scratch(test: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "medshield-gm-{}-{}-{test}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn openssl(args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("run openssl")
}

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

#[test]
fn sm3_matches_openssl_dgst_on_random_inputs() {
    if !have_openssl("sm3_matches_openssl_dgst_on_random_inputs") {
        return;
    }
    let dir = scratch("sm3");
    let seed: [u8; 32] = random_bytes().expect("rng");
    // Lengths around the 64-byte block and padding boundaries, plus larger random-ish sizes.
    let lengths = [0usize, 1, 3, 55, 56, 63, 64, 65, 119, 128, 1000, 4097];
    for (i, &len) in lengths.iter().enumerate() {
        let mut data = Vec::with_capacity(len);
        let mut block = sm3(&[&seed[..], &i.to_le_bytes()].concat());
        while data.len() < len {
            data.extend_from_slice(&block);
            block = sm3(&block);
        }
        data.truncate(len);
        let file = dir.join(format!("in{i}"));
        std::fs::write(&file, &data).expect("write");
        let out = ok(
            &openssl(&["dgst", "-sm3", "-r", p(&file)]),
            "openssl dgst -sm3",
        );
        let theirs = out.split_whitespace().next().unwrap_or_default().to_owned();
        assert_eq!(to_hex(&sm3(&data)), theirs, "length {len}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn hmac_sm3_matches_openssl_mac() {
    if !have_openssl("hmac_sm3_matches_openssl_mac") {
        return;
    }
    let dir = scratch("hmac");
    for key_len in [0usize, 16, 64, 65, 100] {
        let key: [u8; 100] = random_bytes().expect("rng");
        let key = &key[..key_len];
        let data: [u8; 77] = random_bytes().expect("rng");
        let file = dir.join("in");
        std::fs::write(&file, data).expect("write");
        let hexkey = format!("hexkey:{}", to_hex(key));
        let out = openssl(&[
            "mac",
            "-digest",
            "SM3",
            "-macopt",
            &hexkey,
            "-in",
            p(&file),
            "HMAC",
        ]);
        let theirs = ok(&out, "openssl mac HMAC SM3").trim().to_lowercase();
        assert_eq!(
            to_hex(&hmac_sm3(key, &data)),
            theirs,
            "key length {key_len}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn our_signature_verifies_in_openssl() {
    if !have_openssl("our_signature_verifies_in_openssl") {
        return;
    }
    let dir = scratch("oursig");
    let sk = SigningKey::generate().expect("key");
    let pub_pem = dir.join("pub.pem");
    std::fs::write(&pub_pem, sk.public_key_pem().expect("pem")).expect("write");
    let msg_file = dir.join("msg");
    let sig_file = dir.join("sig.der");
    for (distid, msg) in [
        ("MedShield-AuthCode", b"MSAC1.eyJ0ZXN0Ijp0cnVlfQ".to_vec()),
        ("1234567812345678", b"message digest".to_vec()),
        ("x", Vec::new()),
    ] {
        std::fs::write(&msg_file, &msg).expect("write");
        let sig = sk.sign(&msg, distid).expect("sign");
        std::fs::write(&sig_file, signature_to_der(&sig).expect("der")).expect("write");
        let opt = format!("distid:{distid}");
        let verify = |in_file: &Path| {
            openssl(&[
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                p(&pub_pem),
                "-rawin",
                "-digest",
                "sm3",
                "-pkeyopt",
                &opt,
                "-in",
                p(in_file),
                "-sigfile",
                p(&sig_file),
            ])
        };
        let out = ok(&verify(&msg_file), "openssl pkeyutl -verify");
        assert!(out.contains("Signature Verified Successfully"), "{out}");
        // The same call must reject a different message, or the check above proves nothing.
        let other = dir.join("other");
        std::fs::write(&other, [&msg[..], b"!"].concat()).expect("write");
        assert!(
            !verify(&other).status.success(),
            "openssl accepted a wrong message"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn openssl_signature_with_our_exported_key_verifies_here() {
    if !have_openssl("openssl_signature_with_our_exported_key_verifies_here") {
        return;
    }
    let dir = scratch("theirsig");
    let sk = SigningKey::generate().expect("key");
    let key_pem = dir.join("key.pem");
    std::fs::write(&key_pem, sk.to_pkcs8_pem().expect("pem")).expect("write");
    let msg_file = dir.join("msg");
    let sig_file = dir.join("sig.der");
    let msg: [u8; 300] = random_bytes().expect("rng");
    std::fs::write(&msg_file, msg).expect("write");
    for distid in ["MedShield-AuthCode", "1234567812345678"] {
        let opt = format!("distid:{distid}");
        ok(
            &openssl(&[
                "pkeyutl",
                "-sign",
                "-inkey",
                p(&key_pem),
                "-rawin",
                "-digest",
                "sm3",
                "-pkeyopt",
                &opt,
                "-in",
                p(&msg_file),
                "-out",
                p(&sig_file),
            ]),
            "openssl pkeyutl -sign",
        );
        let der = std::fs::read(&sig_file).expect("read sig");
        let sig = signature_from_der(&der).expect("OpenSSL signature is DER");
        sk.verifying_key()
            .verify(&msg, distid, &sig)
            .expect("OpenSSL's signature must verify here");
        assert!(sk.verifying_key().verify(&msg[1..], distid, &sig).is_err());
        assert!(sk.verifying_key().verify(&msg, "other", &sig).is_err());
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn pem_keys_interoperate_with_openssl_pkey() {
    if !have_openssl("pem_keys_interoperate_with_openssl_pkey") {
        return;
    }
    let dir = scratch("pem");
    // Ours -> OpenSSL: it loads our PKCS#8 and derives the same SPKI PEM we export.
    let sk = SigningKey::generate().expect("key");
    let key_pem = dir.join("key.pem");
    std::fs::write(&key_pem, sk.to_pkcs8_pem().expect("pem")).expect("write");
    let their_pub = ok(
        &openssl(&["pkey", "-in", p(&key_pem), "-pubout"]),
        "openssl pkey -in ours -pubout",
    );
    assert_eq!(their_pub, sk.public_key_pem().expect("pem"));
    let text = ok(
        &openssl(&["pkey", "-in", p(&key_pem), "-noout", "-text"]),
        "openssl pkey -text",
    );
    assert!(
        text.contains("SM2"),
        "OpenSSL does not see an SM2 key:\n{text}"
    );

    // OpenSSL -> ours: a key from `genpkey -algorithm SM2` loads, and our public half matches
    // the one OpenSSL writes.
    let gen_pem = dir.join("gen.pem");
    ok(
        &openssl(&["genpkey", "-algorithm", "SM2", "-out", p(&gen_pem)]),
        "openssl genpkey SM2",
    );
    let theirs = SigningKey::from_pkcs8_pem(&std::fs::read_to_string(&gen_pem).expect("read"))
        .expect("load OpenSSL's PKCS#8");
    let their_pub = ok(
        &openssl(&["pkey", "-in", p(&gen_pem), "-pubout"]),
        "openssl pkey -pubout",
    );
    let vk = VerifyingKey::from_public_key_pem(&their_pub).expect("load OpenSSL's SPKI");
    assert_eq!(&vk, theirs.verifying_key());
    let _ = std::fs::remove_dir_all(dir);
}
