//! Row types, one per table, as the database holds them (ciphertexts still sealed, JSON still text).

use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Region {
    pub code: String,
    pub parent: Option<String>,
    pub path: String,
    pub name_zh: String,
    pub name_en: String,
    pub level: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Unit {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: String,
    pub region_code: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_id: String,
    pub password_hash: String,
    pub password_history: String,
    pub must_change_password: i64,
    pub totp_secret: Option<String>,
    pub totp_enabled: i64,
    pub totp_last_step: i64,
    pub failed_logins: i64,
    pub locked_until: i64,
    pub email_enc: Option<String>,
    pub phone_enc: Option<String>,
    pub disabled: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub token_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub stage: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub ip: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKey {
    pub id: String,
    pub key_hash: String,
    pub prefix: String,
    pub name: String,
    pub unit_id: String,
    pub scopes: String,
    pub created_by: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct App {
    pub id: String,
    pub unit_id: String,
    pub region_code: String,
    pub region_path: String,
    pub name_zh: String,
    pub name_en: String,
    pub platform: String,
    pub package: String,
    pub cert_sha256: String,
    pub version: String,
    pub channels: String,
    pub status: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub latest_scan_id: Option<String>,
    pub latest_score: Option<f64>,
    pub latest_grade: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Contact {
    pub id: String,
    pub app_id: String,
    pub name: String,
    pub phone_enc: String,
    pub email_enc: String,
    pub phone_masked: String,
    pub email_masked: String,
}

#[derive(Debug, Clone, Default)]
pub struct AppFilter {
    /// Region path prefix the caller may see (None: everything).
    pub region_path: Option<String>,
    /// Restrict to one owner unit.
    pub unit_id: Option<String>,
    pub status: Option<String>,
    pub grade: Option<String>,
    /// Case-insensitive substring of the names or the package.
    pub search: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppStats {
    pub by_grade: Vec<(String, i64)>,
    pub by_region: Vec<(String, i64)>,
    pub by_status: Vec<(String, i64)>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Review {
    pub id: String,
    pub app_id: String,
    pub reviewer_id: String,
    pub decision: String,
    pub reason: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuthCodeRow {
    pub jti: String,
    pub app_id: String,
    pub token: String,
    pub kid: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Scan {
    pub id: String,
    pub app_id: String,
    pub blob_sha256: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub status: String,
    pub error: Option<String>,
    pub submitted_by: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub package: Option<String>,
    pub version_name: Option<String>,
    pub cert_sha256: Option<String>,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub rule_pack: Option<String>,
    pub report_json: Option<String>,
}

/// What a worker learned from a finished scan.
#[derive(Debug, Clone)]
pub struct CompletedScan {
    pub scan_id: String,
    pub app_id: String,
    pub finished_at: i64,
    pub package: String,
    pub version_name: String,
    pub cert_sha256: String,
    pub score: f64,
    pub grade: String,
    pub rule_pack: String,
    pub report_json: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Finding {
    pub id: String,
    pub scan_id: String,
    pub app_id: String,
    pub rule_id: String,
    pub severity: String,
    pub title_zh: String,
    pub title_en: String,
    pub cwe: String,
    pub deduction: f64,
}

/// An audit record before the chain gives it a sequence number and a hash.
#[derive(Debug, Clone)]
pub struct AuditDraft {
    pub ts: i64,
    pub actor_id: String,
    pub actor_name: String,
    pub role: String,
    pub ip: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before_json: String,
    pub after_json: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub seq: i64,
    pub ts: i64,
    pub actor_id: String,
    pub actor_name: String,
    pub role: String,
    pub ip: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before_json: String,
    pub after_json: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// Action prefix, e.g. `app.` for every app action.
    pub action: Option<String>,
    pub target_id: Option<String>,
    pub from_ts: i64,
    pub to_ts: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditCount {
    pub actor_name: String,
    pub ip: String,
    pub target_id: String,
    pub n: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct AuditCheckpoint {
    pub seq: i64,
    pub hash: String,
    pub ts: i64,
    pub kid: String,
    pub signature: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub detail: String,
    pub created_at: i64,
    pub acknowledged_by: Option<String>,
}
