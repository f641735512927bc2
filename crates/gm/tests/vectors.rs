//! Published known-answer vectors for SM3, SM4-GCM and SM2, plus behaviour tests of the API.

use medshield_gm::{
    hmac_sm3, signature_from_der, signature_to_der, sm3, to_hex, GmError, SigningKey, Sm3Hasher,
    Sm4GcmKey, VerifyingKey, DEFAULT_DISTID, SM4_GCM_OVERHEAD,
};

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

// GB/T 32905-2016 Appendix A, example 1: SM3("abc").
#[test]
fn sm3_gbt32905_example1_abc() {
    assert_eq!(
        to_hex(&sm3(b"abc")),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
}

// GB/T 32905-2016 Appendix A, example 2: SM3("abcd" x 16), a full 64-byte block (so padding
// spills into a second block).
#[test]
fn sm3_gbt32905_example2_abcd_x16() {
    let msg = b"abcd".repeat(16);
    assert_eq!(
        to_hex(&sm3(&msg)),
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    );
}

#[test]
fn sm3_incremental_matches_one_shot_at_every_split() {
    let msg: Vec<u8> = (0u8..=200).collect();
    let whole = sm3(&msg);
    for split in 0..msg.len() {
        let mut h = Sm3Hasher::new();
        h.update(&msg[..split]).update(&msg[split..]);
        assert_eq!(h.finalize(), whole, "split at {split}");
    }
}

#[test]
fn hmac_sm3_depends_on_key_and_data_and_hashes_long_keys() {
    let a = hmac_sm3(b"key", b"data");
    assert_ne!(a, hmac_sm3(b"kez", b"data"));
    assert_ne!(a, hmac_sm3(b"key", b"datb"));
    // RFC 2104: a key longer than the block is replaced by its hash.
    let long = [0x5au8; 100];
    assert_eq!(hmac_sm3(&long, b"x"), hmac_sm3(&sm3(&long), b"x"));
    // ...while a 64-byte key is used as is, so it differs from its hash.
    let block = [0x5au8; 64];
    assert_ne!(hmac_sm3(&block, b"x"), hmac_sm3(&sm3(&block), b"x"));
}

// RFC 8998 Appendix A.1 (SM4-GCM test vector).
const GCM_KEY: &str = "0123456789ABCDEFFEDCBA9876543210";
const GCM_IV: &str = "00001234567800000000ABCD";
const GCM_AAD: &str = "FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2";
const GCM_PT: &str = "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB CCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD
                      EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFF EEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA";
const GCM_CT: &str = "17F399F08C67D5EE19D0DC9969C4BB7D 5FD46FD3756489069157B282BB200735
                      D82710CA5C22F0CCFA7CBF93D496AC15 A56834CBCF98C397B4024A2691233B8D";
const GCM_TAG: &str = "83DE3541E4C2B58177E065A9BF7B62EC";

fn gcm_key() -> Sm4GcmKey {
    let key: [u8; 16] = unhex(GCM_KEY).try_into().expect("16-byte key");
    Sm4GcmKey::from_bytes(key)
}

fn gcm_iv() -> [u8; 12] {
    unhex(GCM_IV).try_into().expect("12-byte IV")
}

#[test]
fn sm4_gcm_rfc8998_a1_seal() {
    let out = gcm_key()
        .seal_with_nonce(&gcm_iv(), &unhex(GCM_PT), &unhex(GCM_AAD))
        .expect("seal");
    let mut expected = unhex(GCM_CT);
    expected.extend(unhex(GCM_TAG));
    assert_eq!(to_hex(&out), to_hex(&expected));
}

#[test]
fn sm4_gcm_rfc8998_a1_open_through_sealed_format() {
    // Build the sealed wire format by hand from the RFC's numbers: nonce || ct || tag.
    let mut sealed = unhex(GCM_IV);
    sealed.extend(unhex(GCM_CT));
    sealed.extend(unhex(GCM_TAG));
    let aad = unhex(GCM_AAD);
    let key = gcm_key();
    assert_eq!(key.open(&sealed, &aad).expect("open"), unhex(GCM_PT));
    // Every single-bit flip anywhere (nonce, ciphertext, tag) must be rejected.
    for i in 0..sealed.len() {
        for bit in 0..8 {
            let mut bad = sealed.clone();
            bad[i] ^= 1 << bit;
            assert_eq!(
                key.open(&bad, &aad),
                Err(GmError::Decrypt),
                "byte {i} bit {bit}"
            );
        }
    }
    assert_eq!(key.open(&sealed, b"other aad"), Err(GmError::Decrypt));
}

#[test]
fn sm4_gcm_round_trip_random_nonces_and_short_inputs() {
    let key = Sm4GcmKey::generate().expect("key");
    for len in [0usize, 1, 15, 16, 17, 1000] {
        let pt: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        let a = key.seal(&pt, b"ctx").expect("seal");
        let b = key.seal(&pt, b"ctx").expect("seal");
        assert_eq!(a.len(), len + SM4_GCM_OVERHEAD);
        assert_ne!(a[..12], b[..12], "nonces must differ between seals");
        assert_eq!(key.open(&a, b"ctx").expect("open"), pt);
        assert_eq!(key.open(&b, b"ctx").expect("open"), pt);
    }
    let other = Sm4GcmKey::generate().expect("key");
    let sealed = key.seal(b"secret", b"").expect("seal");
    assert_eq!(other.open(&sealed, b""), Err(GmError::Decrypt));
    for n in 0..SM4_GCM_OVERHEAD {
        assert_eq!(key.open(&sealed[..n], b""), Err(GmError::SealedTooShort(n)));
    }
}

// GM/T 0003.5-2012 Annex A (= GB/T 32918.5-2017 Annex A): signature example on the recommended
// SM2 curve, ID "1234567812345678", message "message digest". Also reproduced in OpenSSL's
// test/sm2_internal_test.c. (The examples in GB/T 32918.2 itself use a different, example
// curve, which no production library implements.)
const SM2_D: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
const SM2_X: &str = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
const SM2_Y: &str = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
const SM2_R: &str = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
const SM2_S: &str = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";

fn published_public_key() -> VerifyingKey {
    let mut point = vec![0x04];
    point.extend(unhex(SM2_X));
    point.extend(unhex(SM2_Y));
    VerifyingKey::from_sec1_bytes(&point).expect("published point is on the curve")
}

fn published_signature() -> Vec<u8> {
    let mut sig = unhex(SM2_R);
    sig.extend(unhex(SM2_S));
    sig
}

#[test]
fn sm2_gmt0003_5_published_signature_verifies() {
    let vk = published_public_key();
    let sig = published_signature();
    vk.verify(b"message digest", DEFAULT_DISTID, &sig)
        .expect("published signature must verify");
    // Same signature, different message / ID / s: all must fail.
    assert_eq!(
        vk.verify(b"message digesT", DEFAULT_DISTID, &sig),
        Err(GmError::BadSignature)
    );
    assert_eq!(
        vk.verify(b"message digest", "1234567812345679", &sig),
        Err(GmError::BadSignature)
    );
    let mut bad = sig.clone();
    bad[63] ^= 1;
    assert_eq!(
        vk.verify(b"message digest", DEFAULT_DISTID, &bad),
        Err(GmError::BadSignature)
    );
}

#[test]
fn sm2_gmt0003_5_private_key_derives_published_public_key() {
    let d: [u8; 32] = unhex(SM2_D).try_into().expect("32 bytes");
    let sk = SigningKey::from_bytes(&d).expect("valid scalar");
    assert_eq!(sk.verifying_key(), &published_public_key());
    // Our own signature with the published key verifies against the published public key.
    // (The standard's r, s come from its fixed k; ours use a deterministic k, so only
    // verification can be compared, not bytes.)
    let sig = sk.sign(b"message digest", DEFAULT_DISTID).expect("sign");
    published_public_key()
        .verify(b"message digest", DEFAULT_DISTID, &sig)
        .expect("verify");
}

#[test]
fn sm2_round_trip_pem_and_key_id() {
    let sk = SigningKey::generate().expect("key");
    let pem = sk.to_pkcs8_pem().expect("pem");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let sk2 = SigningKey::from_pkcs8_pem(&pem).expect("reload");
    assert_eq!(sk.to_bytes(), sk2.to_bytes());

    let pub_pem = sk.public_key_pem().expect("pub pem");
    assert!(pub_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    let vk = VerifyingKey::from_public_key_pem(&pub_pem).expect("reload pub");
    assert_eq!(&vk, sk.verifying_key());

    // key_id = first 8 bytes of SM3(SPKI DER), hex.
    assert_eq!(vk.key_id(), to_hex(&sm3(vk.public_key_der())[..8]));
    assert_eq!(vk.key_id().len(), 16);
    let other = SigningKey::generate().expect("key");
    assert_ne!(other.key_id(), sk.key_id());

    let sig = sk.sign(b"payload", "MedShield").expect("sign");
    assert_eq!(sig.len(), 64);
    vk.verify(b"payload", "MedShield", &sig).expect("verify");
    assert_eq!(
        vk.verify(b"payload", DEFAULT_DISTID, &sig),
        Err(GmError::BadSignature)
    );
    assert_eq!(
        other.verifying_key().verify(b"payload", "MedShield", &sig),
        Err(GmError::BadSignature)
    );
}

#[test]
fn sm2_every_signature_bit_flip_is_rejected() {
    let sk = SigningKey::generate().expect("key");
    let vk = sk.verifying_key();
    let sig = sk.sign(b"m", "id").expect("sign");
    for i in 0..sig.len() {
        for bit in 0..8 {
            let mut bad = sig.clone();
            bad[i] ^= 1 << bit;
            let err = vk
                .verify(b"m", "id", &bad)
                .expect_err("tampered signature accepted");
            assert!(
                matches!(err, GmError::BadSignature | GmError::MalformedSignature),
                "{err:?}"
            );
        }
    }
}

#[test]
fn sm2_malformed_inputs_are_errors_not_panics() {
    let vk = published_public_key();
    for len in [0usize, 1, 63, 65, 128] {
        assert_eq!(
            vk.verify(b"m", "id", &vec![1u8; len]),
            Err(GmError::MalformedSignature),
            "len {len}"
        );
    }
    // r = 0, s = 0, and r, s >= n are outside [1, n-1].
    assert_eq!(
        vk.verify(b"m", "id", &[0u8; 64]),
        Err(GmError::MalformedSignature)
    );
    assert_eq!(
        vk.verify(b"m", "id", &[0xffu8; 64]),
        Err(GmError::MalformedSignature)
    );
    let long_id = "x".repeat(8192);
    let sig = published_signature();
    assert_eq!(
        vk.verify(b"m", &long_id, &sig),
        Err(GmError::DistIdTooLong(8192))
    );
    let sk = SigningKey::generate().expect("key");
    assert_eq!(sk.sign(b"m", &long_id), Err(GmError::DistIdTooLong(8192)));
    // The longest allowed ID works.
    let max_id = "x".repeat(8191);
    let sig = sk.sign(b"m", &max_id).expect("sign");
    sk.verifying_key()
        .verify(b"m", &max_id, &sig)
        .expect("verify");

    assert_eq!(
        SigningKey::from_bytes(&[0u8; 32]).err(),
        Some(GmError::PrivateKey)
    );
    assert_eq!(
        SigningKey::from_bytes(&[0xffu8; 32]).err(),
        Some(GmError::PrivateKey)
    );
    assert_eq!(
        SigningKey::from_pkcs8_pem("garbage").err(),
        Some(GmError::PrivateKey)
    );
    assert_eq!(
        VerifyingKey::from_public_key_pem("").err(),
        Some(GmError::PublicKey)
    );
    assert_eq!(
        VerifyingKey::from_sec1_bytes(&[4u8; 65]).err(),
        Some(GmError::PublicKey)
    );
    assert_eq!(
        signature_from_der(&[0x30, 0x00]),
        Err(GmError::MalformedSignature)
    );
}

#[test]
fn sm2_der_conversion_round_trips() {
    let sig = published_signature();
    let der = signature_to_der(&sig).expect("der");
    // Both r and s have the top bit set, so each INTEGER gets a 0x00 pad: 2 + 2*(2+33) = 72.
    assert_eq!(der.len(), 72);
    assert_eq!(der[0], 0x30);
    assert_eq!(signature_from_der(&der).expect("raw").to_vec(), sig);
}

#[test]
fn debug_output_hides_key_material() {
    let d: [u8; 32] = unhex(SM2_D).try_into().expect("32 bytes");
    let sk = SigningKey::from_bytes(&d).expect("key");
    let shown = format!("{sk:?}");
    assert!(!shown.to_lowercase().contains("3945208f"), "{shown}");
    assert!(shown.contains(sk.key_id()));
    assert_eq!(format!("{:?}", gcm_key()), "Sm4GcmKey(..)");
}
