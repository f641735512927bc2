//! Storage for the MedShield platform.
//!
//! One schema (`migrations/`) serves both embedded SQLite (the default, one file under the data
//! directory) and PostgreSQL (several platform nodes sharing one database). Both are reached
//! through sqlx's `Any` driver so that every query is written once; the schema therefore uses only
//! types both dialects read the same way, and the application generates identifiers and times.
//!
//! This crate owns every SQL statement. It knows rows, not rules: who may see a row is decided by
//! the platform crate, which passes the scope (a region path prefix, a unit id) into the queries.

mod rows;

pub use rows::*;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row, Transaction};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("{0} already exists")]
    Conflict(&'static str),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which SQL dialect sits behind the `Any` pool; a few statements (locks, upserts) differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
}

impl Db {
    /// Opens (creating if needed) the database behind `url` and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let pool = match dialect {
            // SQLite: WAL lets readers run beside the one writer; the busy timeout turns writer
            // contention into waiting instead of SQLITE_BUSY errors.
            Dialect::Sqlite => {
                options
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; \
                                 PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Dialect::Postgres => options.max_connections(16).connect(url).await?,
        };
        MIGRATOR.run(&pool).await?;
        Ok(Db { pool, dialect })
    }

    /// Creates an empty database `name` on the PostgreSQL server at `server_url`
    /// (`postgres://user@host:port`), for tests, benchmarks and first-time setup. `name` must be
    /// a plain identifier.
    pub async fn create_postgres_database(server_url: &str, name: &str) -> Result<String> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(StoreError::UnsupportedUrl(format!(
                "database name {name:?}"
            )));
        }
        sqlx::any::install_default_drivers();
        let admin = sqlx::AnyPool::connect(&format!("{server_url}/postgres")).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await?;
        admin.close().await;
        Ok(format!("{server_url}/{name}"))
    }

    /// Runs one statement as it is. For administration tools and tests (the audit tests edit
    /// rows behind the platform's back to prove that tampering is detected); never with input.
    pub async fn execute_unchecked(&self, sql: &str) -> Result<u64> {
        Ok(sqlx::query(sql).execute(&self.pool).await?.rows_affected())
    }

    /// The SQLite URL for a database file under `dir`, created if missing.
    pub fn sqlite_url(dir: &std::path::Path) -> String {
        format!("sqlite://{}?mode=rwc", dir.join("medshield.db").display())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn begin(&self) -> Result<Transaction<'static, Any>> {
        Ok(self.pool.begin().await?)
    }

    /// Whether the database answers at all (`/healthz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    // ----- settings -------------------------------------------------------------------------

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get::<String, _>(0)))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM settings WHERE key = $1")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // ----- regions --------------------------------------------------------------------------

    pub async fn insert_region(&self, r: &Region) -> Result<()> {
        sqlx::query(
            "INSERT INTO regions (code, parent, path, name_zh, name_en, level) VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(&r.code)
        .bind(&r.parent)
        .bind(&r.path)
        .bind(&r.name_zh)
        .bind(&r.name_en)
        .bind(r.level)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn regions(&self) -> Result<Vec<Region>> {
        Ok(
            sqlx::query_as::<_, Region>("SELECT * FROM regions ORDER BY path")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn region(&self, code: &str) -> Result<Option<Region>> {
        Ok(
            sqlx::query_as::<_, Region>("SELECT * FROM regions WHERE code = $1")
                .bind(code)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    // ----- units ----------------------------------------------------------------------------

    pub async fn insert_unit(&self, u: &Unit) -> Result<()> {
        sqlx::query(
            "INSERT INTO units (id, name_zh, name_en, kind, region_code, created_at) VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(&u.id)
        .bind(&u.name_zh)
        .bind(&u.name_en)
        .bind(&u.kind)
        .bind(&u.region_code)
        .bind(u.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn unit(&self, id: &str) -> Result<Option<Unit>> {
        Ok(
            sqlx::query_as::<_, Unit>("SELECT * FROM units WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Units whose region lies under `region_path` (None: all).
    pub async fn units(&self, region_path: Option<&str>) -> Result<Vec<Unit>> {
        let rows = sqlx::query_as::<_, Unit>(
            "SELECT u.* FROM units u JOIN regions r ON r.code = u.region_code \
             WHERE ($1 = '' OR r.path LIKE $1 || '%') ORDER BY u.name_zh",
        )
        .bind(region_path.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    // ----- users ----------------------------------------------------------------------------

    pub async fn count_users(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>(0))
    }

    pub async fn insert_user(&self, u: &User) -> Result<()> {
        if self.user_by_username(&u.username).await?.is_some() {
            return Err(StoreError::Conflict("username"));
        }
        sqlx::query(
            "INSERT INTO users (id, username, display_name, role, unit_id, password_hash, password_history, \
             must_change_password, totp_secret, totp_enabled, totp_last_step, failed_logins, locked_until, \
             email_enc, phone_enc, disabled, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
        )
        .bind(&u.id)
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(&u.role)
        .bind(&u.unit_id)
        .bind(&u.password_hash)
        .bind(&u.password_history)
        .bind(u.must_change_password)
        .bind(&u.totp_secret)
        .bind(u.totp_enabled)
        .bind(u.totp_last_step)
        .bind(u.failed_logins)
        .bind(u.locked_until)
        .bind(&u.email_enc)
        .bind(&u.phone_enc)
        .bind(u.disabled)
        .bind(u.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn user(&self, id: &str) -> Result<Option<User>> {
        Ok(
            sqlx::query_as::<_, User>("SELECT * FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        Ok(
            sqlx::query_as::<_, User>("SELECT * FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Users of units under `region_path`, or of one unit.
    pub async fn users(
        &self,
        region_path: Option<&str>,
        unit_id: Option<&str>,
    ) -> Result<Vec<User>> {
        Ok(sqlx::query_as::<_, User>(
            "SELECT us.* FROM users us JOIN units u ON u.id = us.unit_id JOIN regions r ON r.code = u.region_code \
             WHERE ($1 = '' OR r.path LIKE $1 || '%') AND ($2 = '' OR us.unit_id = $2) ORDER BY us.username",
        )
        .bind(region_path.unwrap_or(""))
        .bind(unit_id.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn update_user_login_state(
        &self,
        id: &str,
        failed_logins: i64,
        locked_until: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1")
            .bind(id)
            .bind(failed_logins)
            .bind(locked_until)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn update_user_password(
        &self,
        id: &str,
        hash: &str,
        history: &str,
        must_change: bool,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE users SET password_hash = $2, password_history = $3, must_change_password = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(hash)
        .bind(history)
        .bind(i64::from(must_change))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn update_user_totp(
        &self,
        id: &str,
        secret: Option<&str>,
        enabled: bool,
        last_step: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE users SET totp_secret = $2, totp_enabled = $3, totp_last_step = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(secret)
        .bind(i64::from(enabled))
        .bind(last_step)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_user_disabled(&self, id: &str, disabled: bool) -> Result<()> {
        sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
            .bind(id)
            .bind(i64::from(disabled))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ----- sessions -------------------------------------------------------------------------

    pub async fn insert_session(&self, s: &Session) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, stage, created_at, expires_at, ip) \
             VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(&s.token_hash)
        .bind(&s.user_id)
        .bind(&s.csrf_token)
        .bind(&s.stage)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(&s.ip)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        Ok(
            sqlx::query_as::<_, Session>("SELECT * FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_user_sessions(&self, user_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    // ----- API keys -------------------------------------------------------------------------

    pub async fn insert_api_key(&self, k: &ApiKey) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_keys (id, key_hash, prefix, name, unit_id, scopes, created_by, created_at, revoked_at, last_used_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        )
        .bind(&k.id)
        .bind(&k.key_hash)
        .bind(&k.prefix)
        .bind(&k.name)
        .bind(&k.unit_id)
        .bind(&k.scopes)
        .bind(&k.created_by)
        .bind(k.created_at)
        .bind(k.revoked_at)
        .bind(k.last_used_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        Ok(
            sqlx::query_as::<_, ApiKey>("SELECT * FROM api_keys WHERE key_hash = $1")
                .bind(key_hash)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn api_key(&self, id: &str) -> Result<Option<ApiKey>> {
        Ok(
            sqlx::query_as::<_, ApiKey>("SELECT * FROM api_keys WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn api_keys(&self, unit_id: Option<&str>) -> Result<Vec<ApiKey>> {
        Ok(sqlx::query_as::<_, ApiKey>(
            "SELECT * FROM api_keys WHERE ($1 = '' OR unit_id = $1) ORDER BY created_at DESC",
        )
        .bind(unit_id.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn touch_api_key(&self, id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn revoke_api_key(&self, id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ----- apps -----------------------------------------------------------------------------

    pub async fn insert_app(&self, a: &App, contacts: &[Contact]) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_app_row(&mut tx, a).await?;
        for c in contacts {
            sqlx::query(
                "INSERT INTO contacts (id, app_id, name, phone_enc, email_enc, phone_masked, email_masked) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7)",
            )
            .bind(&c.id)
            .bind(&c.app_id)
            .bind(&c.name)
            .bind(&c.phone_enc)
            .bind(&c.email_enc)
            .bind(&c.phone_masked)
            .bind(&c.email_masked)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn app(&self, id: &str) -> Result<Option<App>> {
        Ok(sqlx::query_as::<_, App>("SELECT * FROM apps WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn contacts(&self, app_id: &str) -> Result<Vec<Contact>> {
        Ok(
            sqlx::query_as::<_, Contact>("SELECT * FROM contacts WHERE app_id = $1 ORDER BY name")
                .bind(app_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn contact(&self, id: &str) -> Result<Option<Contact>> {
        Ok(
            sqlx::query_as::<_, Contact>("SELECT * FROM contacts WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// One page of apps matching `filter`, newest change first, and the total that matched.
    pub async fn apps(&self, filter: &AppFilter) -> Result<(Vec<App>, i64)> {
        let search = filter
            .search
            .as_deref()
            .map(|s| format!("%{}%", s.to_lowercase()))
            .unwrap_or_default();
        const WHERE: &str = "($1 = '' OR region_path LIKE $1 || '%') AND ($2 = '' OR unit_id = $2) \
             AND ($3 = '' OR status = $3) AND ($4 = '' OR latest_grade = $4) \
             AND ($5 = '' OR LOWER(name_zh) LIKE $5 OR LOWER(name_en) LIKE $5 OR LOWER(package) LIKE $5)";
        let binds = [
            filter.region_path.as_deref().unwrap_or(""),
            filter.unit_id.as_deref().unwrap_or(""),
            filter.status.as_deref().unwrap_or(""),
            filter.grade.as_deref().unwrap_or(""),
            search.as_str(),
        ];
        let count_sql = format!("SELECT COUNT(*) FROM apps WHERE {WHERE}");
        let mut count = sqlx::query(&count_sql);
        for b in binds {
            count = count.bind(b);
        }
        let total: i64 = count.fetch_one(&self.pool).await?.get(0);
        let page_sql = format!(
            "SELECT * FROM apps WHERE {WHERE} ORDER BY updated_at DESC, id LIMIT $6 OFFSET $7"
        );
        let mut page = sqlx::query_as::<_, App>(&page_sql);
        for b in binds {
            page = page.bind(b);
        }
        let rows = page
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(&self.pool)
            .await?;
        Ok((rows, total))
    }

    pub async fn set_app_status(&self, id: &str, status: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE apps SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(status)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Apps by grade and by region under `region_path` (the dashboard's two charts).
    pub async fn app_stats(&self, region_path: Option<&str>) -> Result<AppStats> {
        let prefix = region_path.unwrap_or("");
        let by_grade = sqlx::query(
            "SELECT COALESCE(latest_grade, '-'), COUNT(*) FROM apps \
             WHERE ($1 = '' OR region_path LIKE $1 || '%') GROUP BY COALESCE(latest_grade, '-')",
        )
        .bind(prefix)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r: AnyRow| (r.get::<String, _>(0), r.get::<i64, _>(1)))
        .collect();
        let by_region = sqlx::query(
            "SELECT region_code, COUNT(*) FROM apps WHERE ($1 = '' OR region_path LIKE $1 || '%') \
             GROUP BY region_code ORDER BY COUNT(*) DESC",
        )
        .bind(prefix)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r: AnyRow| (r.get::<String, _>(0), r.get::<i64, _>(1)))
        .collect();
        let by_status = sqlx::query(
            "SELECT status, COUNT(*) FROM apps WHERE ($1 = '' OR region_path LIKE $1 || '%') GROUP BY status",
        )
        .bind(prefix)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r: AnyRow| (r.get::<String, _>(0), r.get::<i64, _>(1)))
        .collect();
        Ok(AppStats {
            by_grade,
            by_region,
            by_status,
        })
    }

    // ----- reviews and authorization codes --------------------------------------------------

    pub async fn insert_review(&self, r: &Review) -> Result<()> {
        sqlx::query(
            "INSERT INTO reviews (id, app_id, reviewer_id, decision, reason, created_at) VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(&r.id)
        .bind(&r.app_id)
        .bind(&r.reviewer_id)
        .bind(&r.decision)
        .bind(&r.reason)
        .bind(r.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn reviews(&self, app_id: &str) -> Result<Vec<Review>> {
        Ok(sqlx::query_as::<_, Review>(
            "SELECT * FROM reviews WHERE app_id = $1 ORDER BY created_at DESC",
        )
        .bind(app_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn insert_auth_code(&self, c: &AuthCodeRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO auth_codes (jti, app_id, token, kid, issued_at, expires_at, revoked_at, revoked_by, revoke_reason) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&c.jti)
        .bind(&c.app_id)
        .bind(&c.token)
        .bind(&c.kid)
        .bind(c.issued_at)
        .bind(c.expires_at)
        .bind(c.revoked_at)
        .bind(&c.revoked_by)
        .bind(&c.revoke_reason)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn auth_codes(&self, app_id: &str) -> Result<Vec<AuthCodeRow>> {
        Ok(sqlx::query_as::<_, AuthCodeRow>(
            "SELECT * FROM auth_codes WHERE app_id = $1 ORDER BY issued_at DESC",
        )
        .bind(app_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn auth_code(&self, jti: &str) -> Result<Option<AuthCodeRow>> {
        Ok(
            sqlx::query_as::<_, AuthCodeRow>("SELECT * FROM auth_codes WHERE jti = $1")
                .bind(jti)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn revoke_auth_code(
        &self,
        jti: &str,
        by: &str,
        reason: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE auth_codes SET revoked_at = $2, revoked_by = $3, revoke_reason = $4 \
             WHERE jti = $1 AND revoked_at IS NULL",
        )
        .bind(jti)
        .bind(now)
        .bind(by)
        .bind(reason)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    // ----- scans and findings ---------------------------------------------------------------

    pub async fn insert_scan(&self, s: &Scan) -> Result<()> {
        sqlx::query(
            "INSERT INTO scans (id, app_id, blob_sha256, file_name, size_bytes, status, error, submitted_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&s.id)
        .bind(&s.app_id)
        .bind(&s.blob_sha256)
        .bind(&s.file_name)
        .bind(s.size_bytes)
        .bind(&s.status)
        .bind(&s.error)
        .bind(&s.submitted_by)
        .bind(s.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn scan(&self, id: &str) -> Result<Option<Scan>> {
        Ok(
            sqlx::query_as::<_, Scan>("SELECT * FROM scans WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Scans of one app, newest first, without their (large) report bodies.
    pub async fn scans_of_app(&self, app_id: &str) -> Result<Vec<Scan>> {
        Ok(sqlx::query_as::<_, Scan>(
            "SELECT id, app_id, blob_sha256, file_name, size_bytes, status, error, submitted_by, created_at, \
             started_at, finished_at, package, version_name, cert_sha256, score, grade, rule_pack, \
             NULL AS report_json FROM scans WHERE app_id = $1 ORDER BY created_at DESC",
        )
        .bind(app_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The newest scans of apps under `region_path`, without report bodies.
    pub async fn recent_scans(
        &self,
        region_path: Option<&str>,
        unit_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Scan>> {
        Ok(sqlx::query_as::<_, Scan>(
            "SELECT s.id, s.app_id, s.blob_sha256, s.file_name, s.size_bytes, s.status, s.error, s.submitted_by, \
             s.created_at, s.started_at, s.finished_at, s.package, s.version_name, s.cert_sha256, s.score, s.grade, \
             s.rule_pack, NULL AS report_json FROM scans s JOIN apps a ON a.id = s.app_id \
             WHERE ($1 = '' OR a.region_path LIKE $1 || '%') AND ($2 = '' OR a.unit_id = $2) \
             ORDER BY s.created_at DESC LIMIT $3",
        )
        .bind(region_path.unwrap_or(""))
        .bind(unit_id.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Claims the oldest queued scan for a worker. The conditional UPDATE makes the claim atomic
    /// when several workers (or several platform nodes on one PostgreSQL) poll at once.
    pub async fn claim_next_scan(&self, now: i64) -> Result<Option<Scan>> {
        loop {
            let candidate = sqlx::query(
                "SELECT id FROM scans WHERE status = 'queued' ORDER BY created_at, id LIMIT 1",
            )
            .fetch_optional(&self.pool)
            .await?;
            let Some(row) = candidate else {
                return Ok(None);
            };
            let id: String = row.get(0);
            let claimed = sqlx::query(
                "UPDATE scans SET status = 'running', started_at = $2 WHERE id = $1 AND status = 'queued'",
            )
            .bind(&id)
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if claimed == 1 {
                return self.scan(&id).await;
            }
        }
    }

    /// Scans left `running` by a node that stopped are put back in the queue at start.
    pub async fn requeue_running_scans(&self) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE scans SET status = 'queued', started_at = NULL WHERE status = 'running'",
        )
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    pub async fn fail_scan(&self, id: &str, error: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE scans SET status = 'failed', error = $2, finished_at = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(error)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a finished scan, its findings, and the app's latest grade, in one transaction.
    pub async fn complete_scan(&self, done: &CompletedScan, findings: &[Finding]) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE scans SET status = 'done', finished_at = $2, package = $3, version_name = $4, cert_sha256 = $5, \
             score = $6, grade = $7, rule_pack = $8, report_json = $9, error = NULL WHERE id = $1",
        )
        .bind(&done.scan_id)
        .bind(done.finished_at)
        .bind(&done.package)
        .bind(&done.version_name)
        .bind(&done.cert_sha256)
        .bind(done.score)
        .bind(&done.grade)
        .bind(&done.rule_pack)
        .bind(&done.report_json)
        .execute(&mut *tx)
        .await?;
        for f in findings {
            insert_finding(&mut tx, f).await?;
        }
        sqlx::query(
            "UPDATE apps SET latest_scan_id = $2, latest_score = $3, latest_grade = $4, updated_at = $5 WHERE id = $1",
        )
        .bind(&done.app_id)
        .bind(&done.scan_id)
        .bind(done.score)
        .bind(&done.grade)
        .bind(done.finished_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn findings_of_scan(&self, scan_id: &str) -> Result<Vec<Finding>> {
        Ok(sqlx::query_as::<_, Finding>(
            "SELECT * FROM findings WHERE scan_id = $1 ORDER BY deduction DESC, rule_id",
        )
        .bind(scan_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The rules that fire most often under `region_path` (dashboard). Driven from `apps` so that
    /// each app's latest scan is found through `findings_scan`; the older join from `findings`
    /// read all 200k findings of the scale benchmark (docs/benchmarks.md).
    pub async fn top_rules(
        &self,
        region_path: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(String, String, i64)>> {
        Ok(sqlx::query(
            "SELECT f.rule_id, MIN(f.title_zh), COUNT(*) FROM apps a CROSS JOIN findings f \
             WHERE f.scan_id = a.latest_scan_id AND ($1 = '' OR a.region_path LIKE $1 || '%') \
             GROUP BY f.rule_id ORDER BY COUNT(*) DESC, f.rule_id LIMIT $2",
        )
        .bind(region_path.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r: AnyRow| {
            (
                r.get::<String, _>(0),
                r.get::<String, _>(1),
                r.get::<i64, _>(2),
            )
        })
        .collect())
    }

    // ----- audit ----------------------------------------------------------------------------

    /// Appends one record to the audit chain: reads the chain's head, lets `seal` compute the
    /// record's hash from its predecessor's, and inserts it — all under one lock, so the chain
    /// never forks. On PostgreSQL the lock is a transaction-scoped advisory lock shared by every
    /// node; on SQLite the write transaction itself serialises writers.
    pub async fn append_audit(
        &self,
        draft: &AuditDraft,
        seal: impl FnOnce(i64, &str) -> String,
    ) -> Result<AuditRecord> {
        let mut tx = self.begin().await?;
        match self.dialect {
            Dialect::Postgres => {
                sqlx::query("SELECT pg_advisory_xact_lock(7301946)")
                    .execute(&mut *tx)
                    .await?;
            }
            // BEGIN IMMEDIATE is not reachable through Any; a no-op write takes SQLite's write
            // lock at once so that the head we read below cannot change before our insert.
            Dialect::Sqlite => {
                sqlx::query("UPDATE settings SET value = value WHERE key = 'audit.lock'")
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (prev_seq, prev_hash) = match head {
            Some(r) => (r.get::<i64, _>(0), r.get::<String, _>(1)),
            None => (0, String::from(GENESIS_HASH)),
        };
        let seq = prev_seq + 1;
        let hash = seal(seq, &prev_hash);
        let record = AuditRecord {
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
            prev_hash,
            hash,
        };
        sqlx::query(
            "INSERT INTO audit_log (seq, ts, actor_id, actor_name, role, ip, action, target_type, target_id, \
             before_json, after_json, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
        )
        .bind(record.seq)
        .bind(record.ts)
        .bind(&record.actor_id)
        .bind(&record.actor_name)
        .bind(&record.role)
        .bind(&record.ip)
        .bind(&record.action)
        .bind(&record.target_type)
        .bind(&record.target_id)
        .bind(&record.before_json)
        .bind(&record.after_json)
        .bind(&record.prev_hash)
        .bind(&record.hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Audit records in `seq` order from `after_seq` (exclusive), at most `limit`.
    pub async fn audit_records(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditRecord>> {
        Ok(sqlx::query_as::<_, AuditRecord>(
            "SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A page of the audit log, newest first, filtered for the auditor's browser.
    pub async fn audit_page(&self, filter: &AuditFilter) -> Result<(Vec<AuditRecord>, i64)> {
        const WHERE: &str = "($1 = '' OR actor_name = $1) AND ($2 = '' OR action LIKE $2 || '%') \
             AND ($3 = '' OR target_id = $3) AND ts >= $4 AND ts <= $5";
        let count_sql = format!("SELECT COUNT(*) FROM audit_log WHERE {WHERE}");
        let page_sql =
            format!("SELECT * FROM audit_log WHERE {WHERE} ORDER BY seq DESC LIMIT $6 OFFSET $7");
        let total: i64 = sqlx::query(&count_sql)
            .bind(filter.actor.as_deref().unwrap_or(""))
            .bind(filter.action.as_deref().unwrap_or(""))
            .bind(filter.target_id.as_deref().unwrap_or(""))
            .bind(filter.from_ts)
            .bind(filter.to_ts)
            .fetch_one(&self.pool)
            .await?
            .get(0);
        let rows = sqlx::query_as::<_, AuditRecord>(&page_sql)
            .bind(filter.actor.as_deref().unwrap_or(""))
            .bind(filter.action.as_deref().unwrap_or(""))
            .bind(filter.target_id.as_deref().unwrap_or(""))
            .bind(filter.from_ts)
            .bind(filter.to_ts)
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(&self.pool)
            .await?;
        Ok((rows, total))
    }

    /// Count of audit records with `action` by each (actor or ip) since `since` — for analytics.
    pub async fn audit_counts_since(&self, action: &str, since: i64) -> Result<Vec<AuditCount>> {
        Ok(sqlx::query_as::<_, AuditCount>(
            "SELECT actor_name, ip, target_id, COUNT(*) AS n FROM audit_log WHERE action = $1 AND ts >= $2 \
             GROUP BY actor_name, ip, target_id",
        )
        .bind(action)
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn insert_checkpoint(&self, c: &AuditCheckpoint) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_checkpoints (seq, hash, ts, kid, signature) VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(c.seq)
        .bind(&c.hash)
        .bind(c.ts)
        .bind(&c.kid)
        .bind(&c.signature)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn checkpoints(&self) -> Result<Vec<AuditCheckpoint>> {
        Ok(
            sqlx::query_as::<_, AuditCheckpoint>("SELECT * FROM audit_checkpoints ORDER BY seq")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn last_checkpoint(&self) -> Result<Option<AuditCheckpoint>> {
        Ok(sqlx::query_as::<_, AuditCheckpoint>(
            "SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn audit_head(&self) -> Result<Option<(i64, String)>> {
        Ok(
            sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?
                .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1))),
        )
    }

    // ----- alerts ---------------------------------------------------------------------------

    pub async fn insert_alert(&self, a: &Alert) -> Result<()> {
        sqlx::query(
            "INSERT INTO alerts (id, kind, subject, detail, created_at, acknowledged_by) VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(&a.id)
        .bind(&a.kind)
        .bind(&a.subject)
        .bind(&a.detail)
        .bind(a.created_at)
        .bind(&a.acknowledged_by)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether an alert of `kind` about `subject` was raised since `since` (no repeats).
    pub async fn alert_exists_since(&self, kind: &str, subject: &str, since: i64) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM alerts WHERE kind = $1 AND subject = $2 AND created_at >= $3",
        )
        .bind(kind)
        .bind(subject)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get::<i64, _>(0) > 0)
    }

    pub async fn alerts(&self, limit: i64) -> Result<Vec<Alert>> {
        Ok(
            sqlx::query_as::<_, Alert>("SELECT * FROM alerts ORDER BY created_at DESC LIMIT $1")
                .bind(limit)
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

/// The `prev_hash` of the first audit record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

async fn insert_app_row(tx: &mut Transaction<'static, Any>, a: &App) -> Result<()> {
    sqlx::query(
            "INSERT INTO apps (id, unit_id, region_code, region_path, name_zh, name_en, platform, package, cert_sha256, \
             version, channels, status, created_by, created_at, updated_at, latest_scan_id, latest_score, latest_grade) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)",
        )
        .bind(&a.id)
        .bind(&a.unit_id)
        .bind(&a.region_code)
        .bind(&a.region_path)
        .bind(&a.name_zh)
        .bind(&a.name_en)
        .bind(&a.platform)
        .bind(&a.package)
        .bind(&a.cert_sha256)
        .bind(&a.version)
        .bind(&a.channels)
        .bind(&a.status)
        .bind(&a.created_by)
        .bind(a.created_at)
        .bind(a.updated_at)
        .bind(&a.latest_scan_id)
        .bind(a.latest_score)
        .bind(&a.latest_grade)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn insert_finding(tx: &mut Transaction<'static, Any>, f: &Finding) -> Result<()> {
    sqlx::query(
        "INSERT INTO findings (id, scan_id, app_id, rule_id, severity, title_zh, title_en, cwe, deduction) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
    )
    .bind(&f.id)
    .bind(&f.scan_id)
    .bind(&f.app_id)
    .bind(&f.rule_id)
    .bind(&f.severity)
    .bind(&f.title_zh)
    .bind(&f.title_en)
    .bind(&f.cwe)
    .bind(f.deduction)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Db {
    /// Bulk insert for the benchmark and the demo: many apps with one finished scan each.
    pub async fn bulk_insert_apps(
        &self,
        apps: &[App],
        scans: &[Scan],
        findings: &[Finding],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        for a in apps {
            insert_app_row(&mut tx, a).await?;
        }
        for s in scans {
            sqlx::query(
                "INSERT INTO scans (id, app_id, blob_sha256, file_name, size_bytes, status, error, submitted_by, created_at, \
                 started_at, finished_at, package, version_name, cert_sha256, score, grade, rule_pack, report_json) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)",
            )
            .bind(&s.id)
            .bind(&s.app_id)
            .bind(&s.blob_sha256)
            .bind(&s.file_name)
            .bind(s.size_bytes)
            .bind(&s.status)
            .bind(&s.error)
            .bind(&s.submitted_by)
            .bind(s.created_at)
            .bind(s.started_at)
            .bind(s.finished_at)
            .bind(&s.package)
            .bind(&s.version_name)
            .bind(&s.cert_sha256)
            .bind(s.score)
            .bind(&s.grade)
            .bind(&s.rule_pack)
            .bind(&s.report_json)
            .execute(&mut *tx)
            .await?;
        }
        for f in findings {
            insert_finding(&mut tx, f).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
