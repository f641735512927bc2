//! Password hashing (argon2id) and the password policy.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Minimum length. Long passphrases beat character-class gymnastics, but the issue (and 等保 2.0's
/// 身份鉴别 requirement for complexity) asks for classes too, so both apply.
pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;
/// How many earlier passwords may not be reused.
pub const HISTORY: usize = 5;

const COMMON: &str = include_str!("../data/common-passwords.txt");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("密码至少 {MIN_LENGTH} 个字符 / at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("密码过长 / longer than {MAX_LENGTH} characters")]
    TooLong,
    #[error("密码须包含大写字母、小写字母、数字、符号中的至少三类 / needs three of: upper case, lower case, digits, symbols")]
    TooFewClasses,
    #[error("密码过于常见 / a common password")]
    Common,
    #[error("密码不能包含用户名 / contains the user name")]
    ContainsUsername,
    #[error("不能重复使用最近 {HISTORY} 次用过的密码 / one of the last {HISTORY} passwords")]
    Reused,
}

/// Checks a new password against the policy (history is checked by [`reused`]).
pub fn check_policy(password: &str, username: &str) -> Result<(), PolicyError> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Err(PolicyError::TooShort);
    }
    if chars > MAX_LENGTH {
        return Err(PolicyError::TooLong);
    }
    let classes = [
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .into_iter()
    .filter(|x| *x)
    .count();
    if classes < 3 {
        return Err(PolicyError::TooFewClasses);
    }
    let lower = password.to_lowercase();
    if username.chars().count() >= 3 && lower.contains(&username.to_lowercase()) {
        return Err(PolicyError::ContainsUsername);
    }
    if is_common(&lower) {
        return Err(PolicyError::Common);
    }
    Ok(())
}

/// A common password with decoration: `Password123!`, `Woaini1314@@`, `P@ssw0rd2024`, or a
/// single character repeated, or a keyboard/digit run.
fn is_common(lower: &str) -> bool {
    let core = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let core_front =
        core.trim_start_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let listed = COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|w| w == lower || w == core || w == core_front);
    let distinct = {
        let mut c: Vec<char> = lower.chars().collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    listed || distinct <= 3
}

fn hasher() -> Argon2<'static> {
    // OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): about 30 ms here, slow enough to
    // hurt guessing, fast enough for a login.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> Result<String, crate::PlatformError> {
    let salt_bytes: [u8; 16] = medshield_gm::random_bytes()?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| crate::PlatformError::Internal(format!("salt: {e}")))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| crate::PlatformError::Internal(format!("argon2: {e}")))
}

/// Whether `password` matches the PHC-format `hash`. A malformed stored hash never matches.
pub fn verify(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Whether `password` is the current one or one of the history (JSON array of hashes).
pub fn reused(password: &str, current_hash: &str, history_json: &str) -> bool {
    let history: Vec<String> = serde_json::from_str(history_json).unwrap_or_default();
    verify(password, current_hash) || history.iter().any(|h| verify(password, h))
}

/// The history after a change: the old hash pushed, trimmed to [`HISTORY`] - 1 (the current
/// hash makes the fifth).
pub fn push_history(history_json: &str, old_hash: &str) -> String {
    let mut history: Vec<String> = serde_json::from_str(history_json).unwrap_or_default();
    history.insert(0, old_hash.to_string());
    history.truncate(HISTORY - 1);
    serde_json::to_string(&history).unwrap_or_else(|_| "[]".into())
}

/// A one-time password for a new account or a reset: 20 characters from an alphabet without
/// look-alikes, always meeting the policy.
pub fn one_time_password() -> Result<String, crate::PlatformError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let bytes: [u8; 18] = medshield_gm::random_bytes()?;
    let body: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    // Fixed class anchors so the policy's class rule always holds.
    Ok(format!("{body}-7Kq"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refuses_weak_and_accepts_strong() {
        assert_eq!(check_policy("Short1!", "u"), Err(PolicyError::TooShort));
        assert_eq!(
            check_policy("alllowercaseletters", "u"),
            Err(PolicyError::TooFewClasses)
        );
        assert_eq!(check_policy("Password123!", "u"), Err(PolicyError::Common));
        assert_eq!(check_policy("Woaini1314!!", "u"), Err(PolicyError::Common));
        assert_eq!(check_policy("Aaaaaaaaaaaa1", "u"), Err(PolicyError::Common));
        assert_eq!(
            check_policy("zhangwei-Strong-2026", "zhangwei"),
            Err(PolicyError::ContainsUsername)
        );
        assert_eq!(check_policy("Tiger-Lamp-Quorum-57", "zhangwei"), Ok(()));
        let otp = one_time_password().expect("otp");
        assert_eq!(check_policy(&otp, "admin"), Ok(()), "{otp}");
    }

    #[test]
    fn hashes_verify_and_history_blocks_reuse() {
        let h1 = hash("Tiger-Lamp-Quorum-57").expect("hash");
        assert!(h1.starts_with("$argon2id$"));
        assert!(verify("Tiger-Lamp-Quorum-57", &h1));
        assert!(!verify("Tiger-Lamp-Quorum-58", &h1));
        assert!(!verify("x", "not a hash"));
        let h2 = hash("Second-Password-99").expect("hash");
        let history = push_history("[]", &h1);
        assert!(reused("Tiger-Lamp-Quorum-57", &h2, &history));
        assert!(reused("Second-Password-99", &h2, &history));
        assert!(!reused("Third-Password-77!", &h2, &history));
        let mut long = "[]".to_string();
        for i in 0..10 {
            long = push_history(&long, &format!("h{i}"));
        }
        assert_eq!(
            serde_json::from_str::<Vec<String>>(&long)
                .expect("json")
                .len(),
            HISTORY - 1
        );
    }
}
