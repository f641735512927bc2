//! Personal data at rest: SM4-GCM sealed, base64 in the database, masked for display.
//!
//! The associated data binds each ciphertext to its column and row, so a sealed phone number
//! copied into another row or into the e-mail column fails to open instead of being shown as
//! somebody else's.

use base64::Engine;
use medshield_gm::Sm4GcmKey;

use crate::PlatformError;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub fn seal(
    key: &Sm4GcmKey,
    plaintext: &str,
    field: &str,
    row_id: &str,
) -> Result<String, PlatformError> {
    let aad = format!("{field}|{row_id}");
    Ok(B64.encode(key.seal(plaintext.as_bytes(), aad.as_bytes())?))
}

pub fn open(
    key: &Sm4GcmKey,
    sealed: &str,
    field: &str,
    row_id: &str,
) -> Result<String, PlatformError> {
    let aad = format!("{field}|{row_id}");
    let bytes = B64
        .decode(sealed)
        .map_err(|_| PlatformError::Internal(format!("{field} of {row_id}: not base64")))?;
    let plain = key
        .open(&bytes, aad.as_bytes())
        .map_err(|_| PlatformError::Internal(format!("{field} of {row_id}: does not decrypt")))?;
    String::from_utf8(plain)
        .map_err(|_| PlatformError::Internal(format!("{field} of {row_id}: not UTF-8")))
}

/// `13812341234` → `138****1234`; other shapes keep at most their first 3 and last 4 characters.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// `zhang.wei@hospital.cn` → `z***@hospital.cn`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// A mainland mobile number or a landline with area code, digits with optional `+86`/dashes.
pub fn valid_phone(phone: &str) -> bool {
    let digits: String = phone
        .trim_start_matches("+86")
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .collect();
    (7..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && email.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_binds_field_and_row() {
        let key = Sm4GcmKey::generate().expect("key");
        let sealed = seal(&key, "13812341234", "phone", "c1").expect("seal");
        assert!(!sealed.contains("1381234"));
        assert_eq!(
            open(&key, &sealed, "phone", "c1").expect("open"),
            "13812341234"
        );
        assert!(open(&key, &sealed, "phone", "c2").is_err());
        assert!(open(&key, &sealed, "email", "c1").is_err());
        let other = Sm4GcmKey::generate().expect("key");
        assert!(open(&other, &sealed, "phone", "c1").is_err());
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("12345"), "*****");
        assert_eq!(mask_email("zhang.wei@hospital.cn"), "z***@hospital.cn");
        assert!(valid_phone("+86 138-1234-1234") && !valid_phone("call me"));
        assert!(valid_email("a@b.cn") && !valid_email("a@b") && !valid_email("@b.cn"));
    }
}
