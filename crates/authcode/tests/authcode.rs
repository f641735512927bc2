//! Behaviour of authorization-code issue/verify: round trip, tampering, rotation, time window,
//! malformed input.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use medshield_authcode::{
    issue, verify, AuthCodeError, Claims, Keyring, DISTID, MAX_TOKEN_LEN, PREFIX,
};
use medshield_gm::{SigningKey, DEFAULT_DISTID};

const IAT: i64 = 1_750_000_000;
const EXP: i64 = IAT + 365 * 24 * 3600;

fn claims_for(key: &SigningKey) -> Claims {
    Claims {
        app_id: "app-000123".into(),
        package: "com.example.medical.viewer".into(),
        cert_sha256: "5f1c0e3a9b7d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e".into(),
        version: "2.3".into(),
        unit: "unit-44010001".into(),
        region: "440100".into(),
        iat: IAT,
        exp: EXP,
        jti: Claims::new_jti().expect("rng"),
        kid: key.key_id().to_owned(),
    }
}

fn setup() -> (SigningKey, Keyring, Claims, String) {
    let key = SigningKey::generate().expect("key");
    let ring: Keyring = [key.verifying_key().clone()].into_iter().collect();
    let claims = claims_for(&key);
    let token = issue(&claims, &key).expect("issue");
    (key, ring, claims, token)
}

/// Assemble a token from raw payload bytes, signing exactly like the issuer would but without
/// its checks, to test what the verifier does with payloads a correct issuer never writes.
fn sign_raw(payload: &[u8], key: &SigningKey, distid: &str) -> String {
    let head = format!("{PREFIX}.{}", URL_SAFE_NO_PAD.encode(payload));
    let sig = key.sign(head.as_bytes(), distid).expect("sign");
    format!("{head}.{}", URL_SAFE_NO_PAD.encode(sig))
}

#[test]
fn round_trip_and_wire_format() {
    let (_key, ring, claims, token) = setup();
    assert_eq!(verify(&token, &ring, IAT), Ok(claims.clone()));
    assert_eq!(verify(&token, &ring, EXP - 1), Ok(claims.clone()));

    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], "MSAC1");
    assert!(token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'));
    // r || s: 64 bytes -> 86 unpadded base64url characters.
    assert_eq!(parts[2].len(), 86);
    println!("token length: {} bytes", token.len());

    // The payload is the canonical JSON: sorted keys, no whitespace.
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("utf8");
    let expected = format!(
        concat!(
            r#"{{"app_id":"app-000123","#,
            r#""cert_sha256":"5f1c0e3a9b7d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e","#,
            r#""exp":{},"iat":{},"jti":"{}","kid":"{}","#,
            r#""package":"com.example.medical.viewer","region":"440100","#,
            r#""unit":"unit-44010001","version":"2.3"}}"#
        ),
        EXP, IAT, claims.jti, claims.kid
    );
    assert_eq!(payload, expected);
}

#[test]
fn every_character_flip_in_the_token_is_rejected() {
    let (_key, ring, _claims, token) = setup();
    let bytes = token.as_bytes();
    let mut checked = 0;
    for i in 0..bytes.len() {
        for mask in [0x01u8, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40] {
            let mut m = bytes.to_vec();
            m[i] ^= mask;
            let Ok(s) = String::from_utf8(m) else {
                continue;
            };
            assert!(
                verify(&s, &ring, IAT + 1).is_err(),
                "flip {mask:#x} at {i} accepted: {s}"
            );
            checked += 1;
        }
    }
    assert!(
        checked > 6 * bytes.len(),
        "only {checked} mutations checked"
    );
}

#[test]
fn every_bit_flip_in_decoded_payload_or_signature_is_rejected() {
    let (_key, ring, _claims, token) = setup();
    let parts: Vec<&str> = token.split('.').collect();
    let payload = URL_SAFE_NO_PAD.decode(parts[1]).expect("b64");
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).expect("b64");
    for i in 0..payload.len() {
        for bit in 0..8 {
            let mut p = payload.clone();
            p[i] ^= 1 << bit;
            let t = format!("{PREFIX}.{}.{}", URL_SAFE_NO_PAD.encode(&p), parts[2]);
            let err = verify(&t, &ring, IAT + 1).expect_err("tampered payload accepted");
            assert!(
                matches!(
                    err,
                    AuthCodeError::Malformed(_)
                        | AuthCodeError::UnknownKey(_)
                        | AuthCodeError::BadSignature
                ),
                "payload byte {i} bit {bit}: {err:?}"
            );
        }
    }
    for i in 0..sig.len() {
        for bit in 0..8 {
            let mut s = sig.clone();
            s[i] ^= 1 << bit;
            let t = format!("{PREFIX}.{}.{}", parts[1], URL_SAFE_NO_PAD.encode(&s));
            assert_eq!(
                verify(&t, &ring, IAT + 1),
                Err(AuthCodeError::BadSignature),
                "signature byte {i} bit {bit}"
            );
        }
    }
}

#[test]
fn changed_claims_with_the_old_signature_fail_as_bad_signature() {
    let (_key, ring, claims, token) = setup();
    let sig_b64 = token.rsplit('.').next().expect("sig part");
    let mut forged = claims.clone();
    forged.exp = EXP + 10 * 365 * 24 * 3600;
    let payload = serde_json::to_vec(&forged).expect("json");
    let t = format!("{PREFIX}.{}.{sig_b64}", URL_SAFE_NO_PAD.encode(payload));
    assert_eq!(verify(&t, &ring, IAT), Err(AuthCodeError::BadSignature));
}

#[test]
fn signature_binds_key_and_distinguishing_id() {
    let (key, ring, claims, _token) = setup();
    let payload = serde_json::to_vec(&claims).expect("json");
    // Properly formed, but signed for another protocol's ID: must not verify here.
    let wrong_id = sign_raw(&payload, &key, DEFAULT_DISTID);
    assert_eq!(
        verify(&wrong_id, &ring, IAT),
        Err(AuthCodeError::BadSignature)
    );
    // Another key claiming this key's kid.
    let impostor = SigningKey::generate().expect("key");
    let forged = sign_raw(&payload, &impostor, DISTID);
    assert_eq!(
        verify(&forged, &ring, IAT),
        Err(AuthCodeError::BadSignature)
    );
    // The genuine construction verifies, so the two failures above are about key and ID.
    assert!(verify(&sign_raw(&payload, &key, DISTID), &ring, IAT).is_ok());
}

#[test]
fn retired_key_still_verifies_until_removed() {
    let old = SigningKey::generate().expect("key");
    let new = SigningKey::generate().expect("key");
    let old_token = issue(&claims_for(&old), &old).expect("issue");
    let new_token = issue(&claims_for(&new), &new).expect("issue");
    let mut ring = Keyring::new();
    ring.insert(new.verifying_key().clone());
    let old_kid = ring
        .insert_pem(&old.public_key_pem().expect("pem"))
        .expect("insert pem");
    assert_eq!(old_kid, old.key_id());
    assert_eq!(ring.len(), 2);

    let got = verify(&old_token, &ring, IAT + 100).expect("retired key's code still valid");
    assert_eq!(got.kid, old.key_id());
    assert_eq!(
        verify(&new_token, &ring, IAT + 100).expect("new").kid,
        new.key_id()
    );
    // ...but not past its own expiry.
    assert!(matches!(
        verify(&old_token, &ring, EXP),
        Err(AuthCodeError::Expired { .. })
    ));

    ring.remove(old.key_id());
    assert_eq!(
        verify(&old_token, &ring, IAT + 100),
        Err(AuthCodeError::UnknownKey(old.key_id().to_owned()))
    );
    assert!(verify(&new_token, &ring, IAT + 100).is_ok());
}

#[test]
fn validity_window_is_iat_inclusive_exp_exclusive() {
    let (_key, ring, _claims, token) = setup();
    assert!(verify(&token, &ring, IAT).is_ok());
    assert!(verify(&token, &ring, EXP - 1).is_ok());
    assert_eq!(
        verify(&token, &ring, EXP),
        Err(AuthCodeError::Expired { exp: EXP, now: EXP })
    );
    assert_eq!(
        verify(&token, &ring, i64::MAX),
        Err(AuthCodeError::Expired {
            exp: EXP,
            now: i64::MAX
        })
    );
    assert_eq!(
        verify(&token, &ring, IAT - 1),
        Err(AuthCodeError::NotYetValid {
            iat: IAT,
            now: IAT - 1
        })
    );
    assert!(matches!(
        verify(&token, &ring, i64::MIN),
        Err(AuthCodeError::NotYetValid { .. })
    ));
}

#[test]
fn unknown_kid_is_reported() {
    let (key, _ring, _claims, token) = setup();
    let other = SigningKey::generate().expect("key");
    let ring: Keyring = [other.verifying_key().clone()].into_iter().collect();
    assert_eq!(
        verify(&token, &ring, IAT),
        Err(AuthCodeError::UnknownKey(key.key_id().to_owned()))
    );
    assert_eq!(
        verify(&token, &Keyring::new(), IAT),
        Err(AuthCodeError::UnknownKey(key.key_id().to_owned()))
    );
}

#[test]
fn non_canonical_or_extended_payloads_are_malformed_even_when_signed() {
    let (key, ring, claims, _token) = setup();
    let canonical = serde_json::to_string(&claims).expect("json");
    let pretty = serde_json::to_string_pretty(&claims).expect("json");
    let with_space = canonical.replacen(':', ": ", 1);
    let mut value: serde_json::Value = serde_json::from_str(&canonical).expect("value");
    value["extra"] = serde_json::Value::Bool(true);
    let extended = serde_json::to_string(&value).expect("json");
    let escaped = canonical.replacen("app-000123", "app-\\u0030\\u0030\\u00300123", 1);
    let duplicated = canonical.replacen('{', "{\"app_id\":\"x\",", 1);
    for (what, payload) in [
        ("pretty", pretty),
        ("space", with_space),
        ("extra field", extended),
        ("escaped", escaped),
        ("duplicate key", duplicated),
    ] {
        let t = sign_raw(payload.as_bytes(), &key, DISTID);
        assert!(
            matches!(verify(&t, &ring, IAT), Err(AuthCodeError::Malformed(_))),
            "{what}: {:?}",
            verify(&t, &ring, IAT)
        );
    }
    // Signed, canonical, but with an invalid claim value (as a buggy issuer might write).
    let mut bad = claims.clone();
    bad.cert_sha256 = bad.cert_sha256.to_uppercase();
    let t = sign_raw(&serde_json::to_vec(&bad).expect("json"), &key, DISTID);
    assert!(matches!(
        verify(&t, &ring, IAT),
        Err(AuthCodeError::Malformed(_))
    ));
}

#[test]
fn malformed_inputs_are_rejected_without_panicking() {
    let (_key, ring, _claims, token) = setup();
    let parts: Vec<&str> = token.split('.').collect();
    let cases: Vec<String> = vec![
        String::new(),
        ".".into(),
        "..".into(),
        "...".into(),
        "MSAC1".into(),
        format!("MSAC1.{}", parts[1]),
        format!("{}.{}", parts[1], parts[2]),
        format!("{token}."),
        format!("{token}.x"),
        format!(".{token}"),
        format!("MSAC2.{}.{}", parts[1], parts[2]),
        format!("msac1.{}.{}", parts[1], parts[2]),
        format!("MSAC1.{}=.{}", parts[1], parts[2]),
        format!("MSAC1.{}.{}==", parts[1], parts[2]),
        format!("MSAC1.{}+.{}", parts[1], parts[2]),
        format!("MSAC1.{}.{}", parts[1], &parts[2][..85]),
        format!("MSAC1.{}.{}AA", parts[1], parts[2]),
        format!("MSAC1..{}", parts[2]),
        format!("MSAC1.{}.", parts[1]),
        format!("MSAC1.{}.{}", URL_SAFE_NO_PAD.encode("[]"), parts[2]),
        format!("MSAC1.{}.{}", URL_SAFE_NO_PAD.encode("null"), parts[2]),
        format!(
            "MSAC1.{}.{}",
            URL_SAFE_NO_PAD.encode([0xff, 0xfe]),
            parts[2]
        ),
        "MSAC1.\u{00e9}\u{00e9}.\u{4e2d}".into(),
        "MSAC1.a b.c d".into(),
    ];
    for case in &cases {
        assert!(
            matches!(verify(case, &ring, IAT), Err(AuthCodeError::Malformed(_))),
            "{case:?} -> {:?}",
            verify(case, &ring, IAT)
        );
    }
}

#[test]
fn oversized_input_is_rejected_before_decoding() {
    let (_key, ring, _claims, token) = setup();
    // A valid token padded past the cap with more valid-looking base64 in the payload part:
    // the length check must fire first, whatever the content.
    let parts: Vec<&str> = token.split('.').collect();
    let padding = "A".repeat(MAX_TOKEN_LEN);
    let huge = format!("MSAC1.{}{padding}.{}", parts[1], parts[2]);
    assert_eq!(
        verify(&huge, &ring, IAT),
        Err(AuthCodeError::Malformed("longer than MAX_TOKEN_LEN"))
    );
    let huge_garbage = "x".repeat(MAX_TOKEN_LEN + 1);
    assert_eq!(
        verify(&huge_garbage, &ring, IAT),
        Err(AuthCodeError::Malformed("longer than MAX_TOKEN_LEN"))
    );
    // At exactly the cap the other checks run (and fail for their own reason).
    let at_cap = "x".repeat(MAX_TOKEN_LEN);
    assert_eq!(
        verify(&at_cap, &ring, IAT),
        Err(AuthCodeError::Malformed("not three dot-separated parts"))
    );
    let huge_multi = "MSAC1.".repeat(2000);
    assert!(matches!(
        verify(&huge_multi, &ring, IAT),
        Err(AuthCodeError::Malformed(_))
    ));
}

type Mutation = Box<dyn Fn(&mut Claims)>;

#[test]
fn issue_refuses_claims_it_could_not_verify() {
    let key = SigningKey::generate().expect("key");
    let other = SigningKey::generate().expect("key");
    let good = claims_for(&key);
    let mut c = good.clone();
    c.kid = other.key_id().to_owned();
    assert!(matches!(
        issue(&c, &key),
        Err(AuthCodeError::KeyMismatch { .. })
    ));

    let cases: Vec<(&str, Mutation)> = vec![
        (
            "uppercase hex",
            Box::new(|c| c.cert_sha256 = c.cert_sha256.to_uppercase()),
        ),
        ("short hex", Box::new(|c| c.cert_sha256.truncate(63))),
        ("version no dot", Box::new(|c| c.version = "2".into())),
        (
            "version three parts",
            Box::new(|c| c.version = "2.3.1".into()),
        ),
        ("version letters", Box::new(|c| c.version = "2.x".into())),
        ("exp == iat", Box::new(|c| c.exp = c.iat)),
        ("empty app_id", Box::new(|c| c.app_id.clear())),
        ("empty jti", Box::new(|c| c.jti.clear())),
        (
            "huge unit",
            Box::new(|c| c.unit = "u".repeat(MAX_TOKEN_LEN)),
        ),
    ];
    for (what, mutate) in cases {
        let mut c = good.clone();
        mutate(&mut c);
        assert!(
            matches!(issue(&c, &key), Err(AuthCodeError::InvalidClaims(_))),
            "{what}: {:?}",
            issue(&c, &key)
        );
    }
    // Unicode and JSON-special characters in free-text claims survive the round trip.
    let mut c = good.clone();
    c.unit = "广州市第一人民医院 \"ICU\"\\\n".into();
    let ring: Keyring = [key.verifying_key().clone()].into_iter().collect();
    let t = issue(&c, &key).expect("issue");
    assert_eq!(verify(&t, &ring, IAT), Ok(c));
}

#[test]
fn jti_is_random_and_url_safe() {
    let a = Claims::new_jti().expect("rng");
    let b = Claims::new_jti().expect("rng");
    assert_ne!(a, b);
    assert_eq!(a.len(), 22);
    assert!(a
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
}

/// SplitMix64: a tiny seeded generator so the mutation test is reproducible without a
/// dependency.
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn random_mutations_never_panic_and_never_verify() {
    let (_key, ring, _claims, token) = setup();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \0\xff";
    let mut rng = SplitMix(0x4D53_4143_3100_0001);
    let mut outcomes = [0usize; 3];
    for round in 0..4000 {
        let mut m = token.as_bytes().to_vec();
        for _ in 0..=rng.below(3) {
            match rng.below(7) {
                0 => {
                    let i = rng.below(m.len());
                    if let Some(b) = m.get_mut(i) {
                        *b ^= 1 << rng.below(8);
                    }
                }
                1 => {
                    let i = rng.below(m.len() + 1);
                    m.insert(i.min(m.len()), alphabet[rng.below(alphabet.len())]);
                }
                2 => {
                    if !m.is_empty() {
                        let i = rng.below(m.len());
                        m.remove(i);
                    }
                }
                3 => m.truncate(rng.below(m.len() + 1)),
                4 => {
                    let i = rng.below(m.len());
                    if let Some(b) = m.get_mut(i) {
                        *b = alphabet[rng.below(alphabet.len())];
                    }
                }
                5 => {
                    // Splice a slice of the token somewhere else (duplicated segments).
                    let a = rng.below(m.len());
                    let b = (a + rng.below(40)).min(m.len());
                    let piece = m[a..b].to_vec();
                    let at = rng.below(m.len() + 1).min(m.len());
                    m.splice(at..at, piece);
                }
                _ => m.push(b'.'),
            }
        }
        let s = String::from_utf8_lossy(&m).into_owned();
        match verify(&s, &ring, IAT + 1) {
            Ok(_) => assert_eq!(s, token, "round {round}: a different token verified: {s}"),
            Err(AuthCodeError::Malformed(_)) => outcomes[0] += 1,
            Err(AuthCodeError::BadSignature) => outcomes[1] += 1,
            Err(AuthCodeError::UnknownKey(_)) => outcomes[2] += 1,
            Err(e) => panic!("round {round}: unexpected {e:?} for {s}"),
        }
    }
    // The mutations must reach past the parser sometimes, or the test exercises only one path.
    println!("mutation outcomes [malformed, bad signature, unknown key]: {outcomes:?}");
    assert!(
        outcomes[0] > 100 && outcomes[1] > 10,
        "outcomes {outcomes:?}"
    );
}
