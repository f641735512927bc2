//! MedShield platform services: the rules of the house between the HTTP layer and the database.
//!
//! Every operation takes the [`Actor`] performing it, checks the actor's permission and scope
//! (least privilege is enforced here, not only at the routes), changes state through
//! `medshield-store`, and writes the audit record in the same breath. The HTTP server is a thin
//! translation of requests into these calls.

pub mod accounts;
pub mod audit;
pub mod demo;
pub mod keys;
pub mod password;
pub mod pii;
pub mod regions;
pub mod registry;
pub mod roles;
pub mod scans;
pub mod totp;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use base64::Engine;
use medshield_store::{AuditCheckpoint, AuditDraft, Db, StoreError};
use serde::{Deserialize, Serialize};

pub use keys::KeyStore;
pub use roles::{Permission, Role, Scope, UnitKind};

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("{0}")]
    Invalid(String),
    #[error("not signed in")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("account locked until {until} (too many failed sign-ins)")]
    Locked { until: i64 },
    #[error("upload larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for PlatformError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => PlatformError::Conflict(format!("{what} already exists")),
            other => PlatformError::Internal(other.to_string()),
        }
    }
}

impl From<medshield_gm::GmError> for PlatformError {
    fn from(e: medshield_gm::GmError) -> Self {
        PlatformError::Internal(format!("crypto: {e}"))
    }
}

pub type Result<T, E = PlatformError> = std::result::Result<T, E>;

/// Settings with their documented defaults (`docs/platform.md` lists them).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite database, keys and uploaded packages live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; empty: SQLite under `data_dir`.
    pub database_url: String,
    pub listen: String,
    /// Idle sessions end after this many minutes.
    pub session_minutes: i64,
    /// Largest accepted package upload.
    pub max_upload_bytes: u64,
    /// How long an authorization code is valid.
    pub authcode_days: i64,
    /// Mark cookies `Secure`; turn off only behind plain HTTP on a trusted network.
    pub cookie_secure: bool,
    /// Background scan workers.
    pub scan_workers: usize,
    /// The SM4 key for personal data; default `<data_dir>/keys/pii.key`.
    pub pii_key_file: Option<PathBuf>,
    /// Failed sign-ins before the account locks.
    pub lockout_threshold: i64,
    /// The first lock's length; each further lock doubles it (capped at a day).
    pub lockout_minutes: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("medshield-data"),
            database_url: String::new(),
            listen: "127.0.0.1:8080".into(),
            session_minutes: 480,
            max_upload_bytes: 200 * 1024 * 1024,
            authcode_days: 365,
            cookie_secure: true,
            scan_workers: 1,
            pii_key_file: None,
            lockout_threshold: 5,
            lockout_minutes: 15,
        }
    }
}

/// Who is acting, as established by the session or API key.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    pub unit_id: String,
    pub region_code: String,
    pub region_path: String,
    pub ip: String,
    /// The API key's id when the actor is a machine.
    pub api_key_id: Option<String>,
}

impl Actor {
    pub fn scope(&self) -> Scope {
        Scope::for_role(self.role, &self.unit_id, &self.region_path)
    }

    pub fn require(&self, p: Permission) -> Result<()> {
        if self.role.permits(p) {
            Ok(())
        } else {
            Err(PlatformError::Forbidden(format!(
                "角色 {} 无此权限 / role {} may not {p:?}",
                self.role.title_zh(),
                self.role.as_str()
            )))
        }
    }

    /// The actor used for records the platform itself writes (bootstrap, workers).
    pub fn system() -> Actor {
        Actor {
            user_id: "system".into(),
            username: "system".into(),
            role: Role::Admin,
            unit_id: String::new(),
            region_code: regions::NATION.into(),
            region_path: format!("/{}/", regions::NATION),
            ip: "-".into(),
            api_key_id: None,
        }
    }
}

/// Counters exported at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub logins_ok: AtomicU64,
    pub logins_failed: AtomicU64,
    pub scans_done: AtomicU64,
    pub scans_failed: AtomicU64,
    pub audit_records: AtomicU64,
    pub authcodes_issued: AtomicU64,
}

impl Metrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

pub struct Platform {
    pub db: Db,
    pub keys: KeyStore,
    pub config: Config,
    pub metrics: Metrics,
    scanner: Arc<medshield_scan::Scanner>,
    /// Serialises audit appends within this process (the store's lock covers other nodes).
    audit_lock: tokio::sync::Mutex<()>,
    /// Wakes the scan workers when a scan is queued.
    pub scan_queued: tokio::sync::Notify,
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform")
            .field("db", &self.db.dialect())
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A new random identifier: `prefix_` and 20 base32 characters (100 bits).
pub fn new_id(prefix: &str) -> Result<String> {
    let bytes: [u8; 13] = medshield_gm::random_bytes()?;
    let mut s = totp::base32(&bytes).to_lowercase();
    s.truncate(20);
    Ok(format!("{prefix}_{s}"))
}

impl Platform {
    /// Opens the database and keys under the configuration, creating them on first start.
    pub async fn open(config: Config) -> Result<Platform> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| PlatformError::Internal(format!("{}: {e}", config.data_dir.display())))?;
        let url = if config.database_url.is_empty() {
            Db::sqlite_url(&config.data_dir)
        } else {
            config.database_url.clone()
        };
        let db = Db::connect(&url).await?;
        let keys = KeyStore::open(&config.data_dir, config.pii_key_file.as_deref())?;
        let rules = medshield_rules::RulePack::load(None)
            .map_err(|e| PlatformError::Internal(format!("rule pack: {e}")))?;
        let signatures = medshield_sdks::SignatureDb::try_builtin()
            .map_err(|e| PlatformError::Internal(format!("SDK signatures: {e}")))?;
        let scanner = medshield_scan::Scanner::new(rules, signatures)
            .map_err(|e| PlatformError::Internal(format!("scanner: {e}")))?;
        let platform = Platform {
            db,
            keys,
            config,
            metrics: Metrics::default(),
            scanner: Arc::new(scanner),
            audit_lock: tokio::sync::Mutex::new(()),
            scan_queued: tokio::sync::Notify::new(),
        };
        regions::seed(&platform.db).await?;
        Ok(platform)
    }

    pub fn scanner(&self) -> &Arc<medshield_scan::Scanner> {
        &self.scanner
    }

    pub fn blobs_dir(&self) -> PathBuf {
        self.config.data_dir.join("blobs").join("sha256")
    }

    /// Appends an audit record; every `CHECKPOINT_EVERY` records the head is signed.
    pub async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        target_type: &str,
        target_id: &str,
        before: serde_json::Value,
        after: serde_json::Value,
    ) -> Result<()> {
        let draft = AuditDraft {
            ts: now_ms(),
            actor_id: actor.user_id.clone(),
            actor_name: actor.username.clone(),
            role: actor.role.as_str().into(),
            ip: actor.ip.clone(),
            action: action.into(),
            target_type: target_type.into(),
            target_id: target_id.into(),
            before_json: before.to_string(),
            after_json: after.to_string(),
        };
        let _guard = self.audit_lock.lock().await;
        let record = self
            .db
            .append_audit(&draft, |seq, prev| {
                let mut r = medshield_store::AuditRecord {
                    seq,
                    ts: draft.ts,
                    actor_id: draft.actor_id.clone(),
                    actor_name: draft.actor_name.clone(),
                    role: draft.role.clone(),
                    ip: draft.ip.clone(),
                    action: draft.action.clone(),
                    target_type: draft.target_type.clone(),
                    target_id: draft.target_id.clone(),
                    before_json: draft.before_json.clone(),
                    after_json: draft.after_json.clone(),
                    prev_hash: prev.to_string(),
                    hash: String::new(),
                };
                r.hash = audit::record_hash(&r);
                r.hash
            })
            .await?;
        Metrics::inc(&self.metrics.audit_records);
        if record.seq % audit::CHECKPOINT_EVERY == 0 {
            self.write_checkpoint(record.seq, &record.hash).await?;
        }
        Ok(())
    }

    async fn write_checkpoint(&self, seq: i64, hash: &str) -> Result<()> {
        let ts = now_ms();
        let key = self.keys.signing_key();
        let sig = key.sign(
            audit::checkpoint_message(seq, hash, ts).as_bytes(),
            audit::CHECKPOINT_DISTID,
        )?;
        self.db
            .insert_checkpoint(&AuditCheckpoint {
                seq,
                hash: hash.to_string(),
                ts,
                kid: key.key_id().to_string(),
                signature: base64::engine::general_purpose::STANDARD.encode(sig),
            })
            .await?;
        Ok(())
    }

    /// Signs the chain's head if it moved since the last checkpoint (periodic task, shutdown).
    pub async fn checkpoint_head(&self) -> Result<()> {
        let _guard = self.audit_lock.lock().await;
        let Some((seq, hash)) = self.db.audit_head().await? else {
            return Ok(());
        };
        let last = self.db.last_checkpoint().await?.map(|c| c.seq).unwrap_or(0);
        if seq > last {
            self.write_checkpoint(seq, &hash).await?;
        }
        Ok(())
    }

    pub async fn verify_audit(&self) -> Result<audit::ChainReport> {
        audit::verify_chain(&self.db, self.keys.keyring()).await
    }
}
