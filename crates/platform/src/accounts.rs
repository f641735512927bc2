//! Accounts: sign-in (password, TOTP, lockout), sessions, API keys, users and units.

use base64::Engine;
use medshield_store::{ApiKey, Session, Unit, User};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    new_id, now_ms, password, pii, regions, totp, Actor, Metrics, Permission, Platform,
    PlatformError, Result, Role, Scope, UnitKind,
};

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Where a session stands in the sign-in sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Password accepted, TOTP code still due.
    Totp,
    /// Password accepted; the role requires TOTP and the account has none yet: enrol first.
    EnrollTotp,
    /// Fully signed in.
    Full,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::Totp => "totp",
            Stage::EnrollTotp => "enroll_totp",
            Stage::Full => "full",
        }
    }

    fn parse(s: &str) -> Stage {
        match s {
            "full" => Stage::Full,
            "enroll_totp" => Stage::EnrollTotp,
            _ => Stage::Totp,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub role_title: String,
    pub unit_id: String,
    pub totp_enabled: bool,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: i64,
}

impl UserView {
    fn from_row(u: &User) -> UserView {
        let role = Role::parse(&u.role).unwrap_or(Role::OwnerMember);
        UserView {
            id: u.id.clone(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role,
            role_title: role.title_zh().into(),
            unit_id: u.unit_id.clone(),
            totp_enabled: u.totp_enabled != 0,
            must_change_password: u.must_change_password != 0,
            disabled: u.disabled != 0,
            created_at: u.created_at,
        }
    }
}

/// The state of a signed-in browser, as the UI needs it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub stage: Stage,
    pub csrf_token: String,
    pub expires_at: i64,
    pub user: UserView,
}

/// A new session: the cookie value (shown once, stored only hashed) and its state.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub info: SessionInfo,
}

/// A resolved session: who, and how far through sign-in.
#[derive(Debug, Clone)]
pub struct SessionActor {
    pub actor: Actor,
    pub info: SessionInfo,
    pub token_hash: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewUnit {
    pub name_zh: String,
    pub name_en: String,
    pub kind: UnitKind,
    pub region_code: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    pub user: UserView,
    /// Shown once; the user must change it at first sign-in.
    pub one_time_password: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TotpEnrollment {
    /// Base32 secret for manual entry.
    pub secret: String,
    /// `otpauth://` URI for a QR code.
    pub uri: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKeyView {
    pub id: String,
    pub prefix: String,
    pub name: String,
    pub unit_id: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    pub key: ApiKeyView,
    /// The secret, shown once.
    pub secret: String,
}

fn sm3_hex(s: &str) -> String {
    medshield_gm::to_hex(&medshield_gm::sm3(s.as_bytes()))
}

fn random_token(bytes: usize) -> Result<String> {
    let raw: [u8; 32] = medshield_gm::random_bytes()?;
    Ok(B64URL.encode(&raw[..bytes.min(32)]))
}

/// A new account's row: one-time password to be changed at first sign-in, no TOTP yet.
fn new_user_row(
    username: &str,
    display_name: &str,
    role: Role,
    unit_id: &str,
    otp: &str,
) -> Result<User> {
    Ok(User {
        id: new_id("usr")?,
        username: username.into(),
        display_name: display_name.into(),
        role: role.as_str().into(),
        unit_id: unit_id.into(),
        password_hash: password::hash(otp)?,
        password_history: "[]".into(),
        must_change_password: 1,
        totp_secret: None,
        totp_enabled: 0,
        totp_last_step: 0,
        failed_logins: 0,
        locked_until: 0,
        email_enc: None,
        phone_enc: None,
        disabled: 0,
        created_at: now_ms(),
    })
}

fn valid_username(s: &str) -> bool {
    (3..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
}

impl Platform {
    /// On an empty instance: the national authority unit and the initial administrator with a
    /// one-time password (returned, to be printed once). `None` when accounts already exist.
    pub async fn bootstrap(&self) -> Result<Option<(String, String)>> {
        if self.db.count_users().await? > 0 {
            return Ok(None);
        }
        let unit = Unit {
            id: new_id("unit")?,
            name_zh: "国家卫生健康委员会".into(),
            name_en: "National Health Commission".into(),
            kind: UnitKind::Authority.as_str().into(),
            region_code: regions::NATION.into(),
            created_at: now_ms(),
        };
        self.db.insert_unit(&unit).await?;
        let otp = password::one_time_password()?;
        let user = new_user_row("admin", "系统管理员", Role::Admin, &unit.id, &otp)?;
        self.db.insert_user(&user).await?;
        let system = Actor::system();
        self.audit(
            &system,
            "unit.create",
            "unit",
            &unit.id,
            json!(null),
            json!(unit),
        )
        .await?;
        self.audit(
            &system,
            "user.create",
            "user",
            &user.id,
            json!(null),
            json!({"username": user.username, "role": user.role}),
        )
        .await?;
        Ok(Some((user.username, otp)))
    }

    fn actor_for(&self, user: &User, unit: &Unit, region_path: String, ip: &str) -> Actor {
        Actor {
            user_id: user.id.clone(),
            username: user.username.clone(),
            role: Role::parse(&user.role).unwrap_or(Role::OwnerMember),
            unit_id: user.unit_id.clone(),
            region_code: unit.region_code.clone(),
            region_path,
            ip: ip.to_string(),
            api_key_id: None,
        }
    }

    async fn unit_and_path(&self, unit_id: &str) -> Result<(Unit, String)> {
        let unit = self
            .db
            .unit(unit_id)
            .await?
            .ok_or(PlatformError::NotFound("unit"))?;
        let path = self
            .db
            .region(&unit.region_code)
            .await?
            .map(|r| r.path)
            .unwrap_or_else(|| format!("/{}/", regions::NATION));
        Ok((unit, path))
    }

    /// Password sign-in. Unknown users, wrong passwords and disabled accounts get the same
    /// answer, so that the response does not tell which usernames exist.
    pub async fn login(&self, username: &str, pass: &str, ip: &str) -> Result<NewSession> {
        let now = now_ms();
        let bad =
            || PlatformError::Invalid("用户名或密码错误 / wrong user name or password".into());
        let failed_actor = Actor {
            user_id: String::new(),
            username: username.chars().take(64).collect(),
            role: Role::OwnerMember,
            unit_id: String::new(),
            region_code: String::new(),
            region_path: String::new(),
            ip: ip.into(),
            api_key_id: None,
        };
        let Some(user) = self.db.user_by_username(username).await? else {
            // Spend the same time as a real check.
            let _ = password::verify(pass, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE");
            Metrics::inc(&self.metrics.logins_failed);
            self.audit(
                &failed_actor,
                "auth.login_failed",
                "user",
                username,
                json!(null),
                json!({"reason": "unknown user"}),
            )
            .await?;
            self.analyse_login_failures(username).await?;
            return Err(bad());
        };
        let role = Role::parse(&user.role).unwrap_or(Role::OwnerMember);
        if user.locked_until > now {
            self.audit(
                &failed_actor,
                "auth.login_failed",
                "user",
                username,
                json!(null),
                json!({"reason": "locked"}),
            )
            .await?;
            return Err(PlatformError::Locked {
                until: user.locked_until,
            });
        }
        if user.disabled != 0 || !role.is_human() || !password::verify(pass, &user.password_hash) {
            self.register_failure(&user, &failed_actor, "password")
                .await?;
            return Err(bad());
        }
        self.db.update_user_login_state(&user.id, 0, 0).await?;
        let stage = if user.totp_enabled != 0 {
            Stage::Totp
        } else if role.requires_totp() {
            Stage::EnrollTotp
        } else {
            Stage::Full
        };
        let (unit, path) = self.unit_and_path(&user.unit_id).await?;
        let actor = self.actor_for(&user, &unit, path, ip);
        let session = self.create_session(&user, stage, ip).await?;
        self.audit(
            &actor,
            "auth.password_ok",
            "user",
            &user.id,
            json!(null),
            json!({"stage": stage.as_str()}),
        )
        .await?;
        if stage == Stage::Full {
            self.signed_in(&actor).await?;
        }
        Ok(session)
    }

    async fn register_failure(&self, user: &User, actor: &Actor, what: &str) -> Result<()> {
        let failures = user.failed_logins + 1;
        let threshold = self.config.lockout_threshold.max(1);
        let locked_until = if failures % threshold == 0 {
            // Each further lock doubles: 15 min, 30 min, 1 h … capped at a day.
            let exponent = (failures / threshold - 1).clamp(0, 10) as u32;
            let minutes = (self.config.lockout_minutes * 2i64.pow(exponent)).min(24 * 60);
            now_ms() + minutes * 60_000
        } else {
            0
        };
        self.db
            .update_user_login_state(&user.id, failures, locked_until)
            .await?;
        Metrics::inc(&self.metrics.logins_failed);
        self.audit(
            actor,
            "auth.login_failed",
            "user",
            &user.username,
            json!(null),
            json!({"reason": what, "failures": failures, "locked_until": locked_until}),
        )
        .await?;
        self.analyse_login_failures(&user.username).await
    }

    async fn signed_in(&self, actor: &Actor) -> Result<()> {
        Metrics::inc(&self.metrics.logins_ok);
        self.audit(
            actor,
            "auth.login",
            "user",
            &actor.user_id,
            json!(null),
            json!(null),
        )
        .await?;
        self.analyse_logins_from_ip(&actor.ip).await
    }

    async fn create_session(&self, user: &User, stage: Stage, ip: &str) -> Result<NewSession> {
        let token = random_token(32)?;
        let csrf = random_token(24)?;
        let now = now_ms();
        let expires_at = now + self.config.session_minutes * 60_000;
        self.db
            .insert_session(&Session {
                token_hash: sm3_hex(&token),
                user_id: user.id.clone(),
                csrf_token: csrf.clone(),
                stage: stage.as_str().into(),
                created_at: now,
                expires_at,
                ip: ip.into(),
            })
            .await?;
        Ok(NewSession {
            token,
            info: SessionInfo {
                stage,
                csrf_token: csrf,
                expires_at,
                user: UserView::from_row(user),
            },
        })
    }

    /// The session behind a cookie value, if it is valid.
    pub async fn session(&self, token: &str, ip: &str) -> Result<SessionActor> {
        let hash = sm3_hex(token);
        let session = self
            .db
            .session(&hash)
            .await?
            .ok_or(PlatformError::Unauthenticated)?;
        if session.expires_at < now_ms() {
            self.db.delete_session(&hash).await?;
            return Err(PlatformError::Unauthenticated);
        }
        let user = self
            .db
            .user(&session.user_id)
            .await?
            .ok_or(PlatformError::Unauthenticated)?;
        if user.disabled != 0 {
            return Err(PlatformError::Unauthenticated);
        }
        let (unit, path) = self.unit_and_path(&user.unit_id).await?;
        Ok(SessionActor {
            actor: self.actor_for(&user, &unit, path, ip),
            info: SessionInfo {
                stage: Stage::parse(&session.stage),
                csrf_token: session.csrf_token,
                expires_at: session.expires_at,
                user: UserView::from_row(&user),
            },
            token_hash: hash,
        })
    }

    /// Replaces a session after a sign-in step (a new token each time: no session fixation).
    async fn advance(&self, s: &SessionActor, stage: Stage) -> Result<NewSession> {
        self.db.delete_session(&s.token_hash).await?;
        let user = self
            .db
            .user(&s.actor.user_id)
            .await?
            .ok_or(PlatformError::Unauthenticated)?;
        self.create_session(&user, stage, &s.actor.ip).await
    }

    /// Second factor for a session at the TOTP stage.
    pub async fn login_totp(&self, s: &SessionActor, code: &str) -> Result<NewSession> {
        if s.info.stage != Stage::Totp {
            return Err(PlatformError::Invalid(
                "此会话不需要动态口令 / no TOTP code is due".into(),
            ));
        }
        let user = self
            .db
            .user(&s.actor.user_id)
            .await?
            .ok_or(PlatformError::Unauthenticated)?;
        if user.locked_until > now_ms() {
            return Err(PlatformError::Locked {
                until: user.locked_until,
            });
        }
        let secret = self.totp_secret(&user)?;
        match totp::verify(&secret, code, now_ms() / 1000, user.totp_last_step) {
            Some(step) => {
                self.db
                    .update_user_totp(&user.id, user.totp_secret.as_deref(), true, step)
                    .await?;
                self.db.update_user_login_state(&user.id, 0, 0).await?;
                let next = self.advance(s, Stage::Full).await?;
                self.signed_in(&s.actor).await?;
                Ok(next)
            }
            None => {
                self.register_failure(&user, &s.actor, "totp").await?;
                Err(PlatformError::Invalid(
                    "动态口令错误 / wrong TOTP code".into(),
                ))
            }
        }
    }

    fn totp_secret(&self, user: &User) -> Result<Vec<u8>> {
        let sealed = user
            .totp_secret
            .as_deref()
            .ok_or_else(|| PlatformError::Invalid("未设置动态口令 / no TOTP enrolled".into()))?;
        let b32 = pii::open(self.keys.pii_key(), sealed, "totp", &user.id)?;
        B64URL
            .decode(b32)
            .map_err(|_| PlatformError::Internal("stored TOTP secret unreadable".into()))
    }

    /// Starts TOTP enrolment: a new secret (sealed, not yet enabled) for the authenticator app.
    pub async fn totp_begin(&self, s: &SessionActor) -> Result<TotpEnrollment> {
        if s.info.stage == Stage::Totp {
            return Err(PlatformError::Forbidden(
                "请先完成登录 / finish signing in first".into(),
            ));
        }
        let user = self
            .db
            .user(&s.actor.user_id)
            .await?
            .ok_or(PlatformError::Unauthenticated)?;
        let secret: [u8; 20] = medshield_gm::random_bytes()?;
        let sealed = pii::seal(
            self.keys.pii_key(),
            &B64URL.encode(secret),
            "totp",
            &user.id,
        )?;
        // An enabled factor stays enabled until the new one is confirmed.
        if user.totp_enabled != 0 {
            return Err(PlatformError::Conflict(
                "动态口令已启用 / TOTP is already enabled".into(),
            ));
        }
        self.db
            .update_user_totp(&user.id, Some(&sealed), false, 0)
            .await?;
        Ok(TotpEnrollment {
            secret: totp::base32(&secret),
            uri: totp::provisioning_uri(&secret, "MedShield", &user.username),
        })
    }

    /// Confirms enrolment with a first code; the session becomes fully signed in.
    pub async fn totp_confirm(&self, s: &SessionActor, code: &str) -> Result<NewSession> {
        if s.info.stage == Stage::Totp {
            return Err(PlatformError::Forbidden(
                "请先完成登录 / finish signing in first".into(),
            ));
        }
        let user = self
            .db
            .user(&s.actor.user_id)
            .await?
            .ok_or(PlatformError::Unauthenticated)?;
        if user.totp_enabled != 0 {
            return Err(PlatformError::Conflict(
                "动态口令已启用 / TOTP is already enabled".into(),
            ));
        }
        let secret = self.totp_secret(&user)?;
        let step = totp::verify(&secret, code, now_ms() / 1000, 0)
            .ok_or_else(|| PlatformError::Invalid("动态口令错误 / wrong TOTP code".into()))?;
        self.db
            .update_user_totp(&user.id, user.totp_secret.as_deref(), true, step)
            .await?;
        self.audit(
            &s.actor,
            "user.totp_enable",
            "user",
            &user.id,
            json!({"totp": false}),
            json!({"totp": true}),
        )
        .await?;
        let was_full = s.info.stage == Stage::Full;
        let next = self.advance(s, Stage::Full).await?;
        if !was_full {
            self.signed_in(&s.actor).await?;
        }
        Ok(next)
    }

    pub async fn logout(&self, s: &SessionActor) -> Result<()> {
        self.db.delete_session(&s.token_hash).await?;
        self.audit(
            &s.actor,
            "auth.logout",
            "user",
            &s.actor.user_id,
            json!(null),
            json!(null),
        )
        .await
    }

    /// Changes the signed-in user's password (policy, history); ends their other sessions.
    pub async fn change_password(
        &self,
        s: &SessionActor,
        current: &str,
        new: &str,
    ) -> Result<NewSession> {
        let user = self
            .db
            .user(&s.actor.user_id)
            .await?
            .ok_or(PlatformError::Unauthenticated)?;
        if !password::verify(current, &user.password_hash) {
            return Err(PlatformError::Invalid(
                "当前密码错误 / current password is wrong".into(),
            ));
        }
        password::check_policy(new, &user.username)
            .map_err(|e| PlatformError::Invalid(e.to_string()))?;
        if password::reused(new, &user.password_hash, &user.password_history) {
            return Err(PlatformError::Invalid(
                password::PolicyError::Reused.to_string(),
            ));
        }
        let hash = password::hash(new)?;
        let history = password::push_history(&user.password_history, &user.password_hash);
        self.db
            .update_user_password(&user.id, &hash, &history, false)
            .await?;
        self.db.delete_user_sessions(&user.id).await?;
        self.audit(
            &s.actor,
            "user.password_change",
            "user",
            &user.id,
            json!(null),
            json!(null),
        )
        .await?;
        let user = self
            .db
            .user(&user.id)
            .await?
            .ok_or(PlatformError::Unauthenticated)?;
        self.create_session(&user, s.info.stage, &s.actor.ip).await
    }

    /// The machine actor behind an API key (`Authorization: Bearer msk_…`).
    pub async fn api_key_actor(&self, secret: &str, ip: &str) -> Result<Actor> {
        let key = self
            .db
            .api_key_by_hash(&sm3_hex(secret))
            .await?
            .ok_or(PlatformError::Unauthenticated)?;
        if key.revoked_at.is_some() {
            return Err(PlatformError::Unauthenticated);
        }
        let (unit, path) = self.unit_and_path(&key.unit_id).await?;
        self.db.touch_api_key(&key.id, now_ms()).await?;
        Ok(Actor {
            user_id: key.id.clone(),
            username: format!("apikey:{}", key.name),
            role: Role::Node,
            unit_id: unit.id,
            region_code: unit.region_code,
            region_path: path,
            ip: ip.into(),
            api_key_id: Some(key.id),
        })
    }

    // ----- units ----------------------------------------------------------------------------

    pub async fn create_unit(&self, actor: &Actor, input: NewUnit) -> Result<Unit> {
        actor.require(Permission::UnitsManage)?;
        let name_zh = input.name_zh.trim();
        if name_zh.is_empty()
            || name_zh.chars().count() > 100
            || input.name_en.chars().count() > 200
        {
            return Err(PlatformError::Invalid(
                "单位名称须为 1–100 个字符 / unit name must be 1–100 characters".into(),
            ));
        }
        if self.db.region(&input.region_code).await?.is_none() {
            return Err(PlatformError::Invalid(format!(
                "未知地区 / unknown region {}",
                input.region_code
            )));
        }
        let unit = Unit {
            id: new_id("unit")?,
            name_zh: name_zh.into(),
            name_en: input.name_en.trim().into(),
            kind: input.kind.as_str().into(),
            region_code: input.region_code,
            created_at: now_ms(),
        };
        self.db.insert_unit(&unit).await?;
        self.audit(
            actor,
            "unit.create",
            "unit",
            &unit.id,
            json!(null),
            json!(unit),
        )
        .await?;
        Ok(unit)
    }

    pub async fn units(&self, actor: &Actor) -> Result<Vec<Unit>> {
        actor.require(Permission::UnitsRead)?;
        Ok(match actor.scope() {
            Scope::All => self.db.units(None).await?,
            Scope::Region { path } => self.db.units(Some(&path)).await?,
            Scope::Unit { unit_id } => self.db.unit(&unit_id).await?.into_iter().collect(),
            Scope::Nothing => Vec::new(),
        })
    }

    // ----- users ----------------------------------------------------------------------------

    pub async fn create_user(&self, actor: &Actor, input: NewUser) -> Result<CreatedUser> {
        actor.require(Permission::UsersManage)?;
        if !valid_username(&input.username) {
            return Err(PlatformError::Invalid(
                "用户名须为 3–64 个字母、数字或 . _ - @ / user name: 3–64 of letters, digits, . _ - @".into(),
            ));
        }
        let display = input.display_name.trim();
        if display.is_empty() || display.chars().count() > 64 {
            return Err(PlatformError::Invalid(
                "姓名须为 1–64 个字符 / display name must be 1–64 characters".into(),
            ));
        }
        let unit = self
            .db
            .unit(&input.unit_id)
            .await?
            .ok_or(PlatformError::NotFound("unit"))?;
        let kind = UnitKind::parse(&unit.kind).unwrap_or(UnitKind::Owner);
        if actor.role == Role::OwnerAdmin
            && (unit.id != actor.unit_id || input.role != Role::OwnerMember)
        {
            return Err(PlatformError::Forbidden(
                "运营单位管理员只能为本单位创建成员 / owner admins create members of their own unit only".into(),
            ));
        }
        if input.role == Role::Node {
            return Err(PlatformError::Invalid(
                "监测节点使用 API 密钥 / nodes use API keys".into(),
            ));
        }
        if !input.role.fits_unit_kind(kind) {
            return Err(PlatformError::Invalid(format!(
                "角色 {} 不属于 {} 类单位 / role {} does not belong to a {} unit",
                input.role.title_zh(),
                unit.kind,
                input.role.as_str(),
                unit.kind
            )));
        }
        let otp = password::one_time_password()?;
        let user = new_user_row(&input.username, display, input.role, &unit.id, &otp)?;
        self.db.insert_user(&user).await?;
        let view = UserView::from_row(&user);
        self.audit(
            actor,
            "user.create",
            "user",
            &user.id,
            json!(null),
            json!(view),
        )
        .await?;
        Ok(CreatedUser {
            user: view,
            one_time_password: otp,
        })
    }

    pub async fn users(&self, actor: &Actor) -> Result<Vec<UserView>> {
        actor.require(Permission::UsersRead)?;
        let rows = match actor.role {
            Role::Admin => self.db.users(None, None).await?,
            _ => self.db.users(None, Some(&actor.unit_id)).await?,
        };
        Ok(rows.iter().map(UserView::from_row).collect())
    }

    async fn managed_user(&self, actor: &Actor, user_id: &str) -> Result<User> {
        actor.require(Permission::UsersManage)?;
        let user = self
            .db
            .user(user_id)
            .await?
            .ok_or(PlatformError::NotFound("user"))?;
        if actor.role != Role::Admin && user.unit_id != actor.unit_id {
            return Err(PlatformError::NotFound("user"));
        }
        if user.id == actor.user_id {
            return Err(PlatformError::Invalid(
                "不能对自己执行此操作 / not on your own account".into(),
            ));
        }
        Ok(user)
    }

    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        user_id: &str,
        disabled: bool,
    ) -> Result<UserView> {
        let user = self.managed_user(actor, user_id).await?;
        self.db.set_user_disabled(&user.id, disabled).await?;
        if disabled {
            self.db.delete_user_sessions(&user.id).await?;
        }
        self.audit(
            actor,
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            "user",
            &user.id,
            json!({"disabled": user.disabled != 0}),
            json!({"disabled": disabled}),
        )
        .await?;
        let user = self
            .db
            .user(user_id)
            .await?
            .ok_or(PlatformError::NotFound("user"))?;
        Ok(UserView::from_row(&user))
    }

    /// A new one-time password, TOTP reset, sessions ended, lock lifted.
    pub async fn reset_user(&self, actor: &Actor, user_id: &str) -> Result<CreatedUser> {
        let user = self.managed_user(actor, user_id).await?;
        let otp = password::one_time_password()?;
        let history = password::push_history(&user.password_history, &user.password_hash);
        self.db
            .update_user_password(&user.id, &password::hash(&otp)?, &history, true)
            .await?;
        self.db.update_user_totp(&user.id, None, false, 0).await?;
        self.db.update_user_login_state(&user.id, 0, 0).await?;
        self.db.delete_user_sessions(&user.id).await?;
        self.audit(
            actor,
            "user.reset",
            "user",
            &user.id,
            json!(null),
            json!({"totp": false, "must_change_password": true}),
        )
        .await?;
        let user = self
            .db
            .user(user_id)
            .await?
            .ok_or(PlatformError::NotFound("user"))?;
        Ok(CreatedUser {
            user: UserView::from_row(&user),
            one_time_password: otp,
        })
    }

    // ----- API keys -------------------------------------------------------------------------

    pub async fn create_api_key(
        &self,
        actor: &Actor,
        name: &str,
        unit_id: &str,
    ) -> Result<CreatedApiKey> {
        actor.require(Permission::ApiKeysManage)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(PlatformError::Invalid(
                "名称须为 1–64 个字符 / name must be 1–64 characters".into(),
            ));
        }
        let unit = self
            .db
            .unit(unit_id)
            .await?
            .ok_or(PlatformError::NotFound("unit"))?;
        if unit.kind != UnitKind::Node.as_str() {
            return Err(PlatformError::Invalid(
                "API 密钥只发给监测节点单位 / API keys are for monitoring-node units".into(),
            ));
        }
        let secret = format!("msk_{}", random_token(32)?);
        let key = ApiKey {
            id: new_id("key")?,
            key_hash: sm3_hex(&secret),
            prefix: secret.chars().take(10).collect(),
            name: name.into(),
            unit_id: unit.id,
            scopes: json!(["monitoring:submit"]).to_string(),
            created_by: actor.user_id.clone(),
            created_at: now_ms(),
            revoked_at: None,
            last_used_at: None,
        };
        self.db.insert_api_key(&key).await?;
        let view = api_key_view(&key);
        self.audit(
            actor,
            "apikey.create",
            "api_key",
            &key.id,
            json!(null),
            json!(view),
        )
        .await?;
        Ok(CreatedApiKey { key: view, secret })
    }

    pub async fn api_keys(&self, actor: &Actor) -> Result<Vec<ApiKeyView>> {
        actor.require(Permission::ApiKeysManage)?;
        Ok(self
            .db
            .api_keys(None)
            .await?
            .iter()
            .map(api_key_view)
            .collect())
    }

    pub async fn revoke_api_key(&self, actor: &Actor, id: &str) -> Result<ApiKeyView> {
        actor.require(Permission::ApiKeysManage)?;
        let key = self
            .db
            .api_key(id)
            .await?
            .ok_or(PlatformError::NotFound("API key"))?;
        self.db.revoke_api_key(id, now_ms()).await?;
        self.audit(
            actor,
            "apikey.revoke",
            "api_key",
            id,
            json!({"revoked": key.revoked_at.is_some()}),
            json!({"revoked": true}),
        )
        .await?;
        let key = self
            .db
            .api_key(id)
            .await?
            .ok_or(PlatformError::NotFound("API key"))?;
        Ok(api_key_view(&key))
    }

    // ----- audit analytics ------------------------------------------------------------------

    async fn raise(&self, kind: &str, subject: &str, detail: String, window_ms: i64) -> Result<()> {
        let now = now_ms();
        if self
            .db
            .alert_exists_since(kind, subject, now - window_ms)
            .await?
        {
            return Ok(());
        }
        self.db
            .insert_alert(&medshield_store::Alert {
                id: new_id("alert")?,
                kind: kind.into(),
                subject: subject.into(),
                detail,
                created_at: now,
                acknowledged_by: None,
            })
            .await?;
        tracing::warn!(kind, subject, "audit alert");
        Ok(())
    }

    /// Repeated failures against one account within 15 minutes.
    async fn analyse_login_failures(&self, username: &str) -> Result<()> {
        const WINDOW: i64 = 15 * 60_000;
        let counts = self
            .db
            .audit_counts_since("auth.login_failed", now_ms() - WINDOW)
            .await?;
        let n: i64 = counts
            .iter()
            .filter(|c| c.target_id == username)
            .map(|c| c.n)
            .sum();
        if n >= self.config.lockout_threshold.max(1) {
            self.raise(
                "login_failures",
                username,
                format!("{n} 次登录失败（15 分钟内）/ {n} failed sign-ins within 15 minutes"),
                WINDOW,
            )
            .await?;
        }
        Ok(())
    }

    /// Sign-ins to many different accounts from one address within an hour.
    async fn analyse_logins_from_ip(&self, ip: &str) -> Result<()> {
        const WINDOW: i64 = 60 * 60_000;
        const ACCOUNTS: usize = 5;
        let counts = self
            .db
            .audit_counts_since("auth.login", now_ms() - WINDOW)
            .await?;
        let mut accounts: Vec<&str> = counts
            .iter()
            .filter(|c| c.ip == ip)
            .map(|c| c.actor_name.as_str())
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        if accounts.len() >= ACCOUNTS {
            self.raise(
                "many_accounts_one_ip",
                ip,
                format!("{} 个账号从同一地址登录（1 小时内）/ {} accounts signed in from one address within an hour", accounts.len(), accounts.len()),
                WINDOW,
            )
            .await?;
        }
        Ok(())
    }

    /// Bulk reads of personal data by one account within an hour.
    pub(crate) async fn analyse_pii_reads(&self, actor: &Actor) -> Result<()> {
        const WINDOW: i64 = 60 * 60_000;
        const READS: i64 = 20;
        let counts = self
            .db
            .audit_counts_since("pii.unmask", now_ms() - WINDOW)
            .await?;
        let n: i64 = counts
            .iter()
            .filter(|c| c.actor_name == actor.username)
            .map(|c| c.n)
            .sum();
        if n >= READS {
            self.raise(
                "bulk_pii_reads",
                &actor.username,
                format!(
                    "{n} 次个人信息明文查看（1 小时内）/ {n} personal-data reads within an hour"
                ),
                WINDOW,
            )
            .await?;
        }
        Ok(())
    }

    pub async fn alerts(&self, actor: &Actor) -> Result<Vec<medshield_store::Alert>> {
        actor.require(Permission::AuditRead)?;
        Ok(self.db.alerts(200).await?)
    }
}

fn api_key_view(k: &ApiKey) -> ApiKeyView {
    ApiKeyView {
        id: k.id.clone(),
        prefix: k.prefix.clone(),
        name: k.name.clone(),
        unit_id: k.unit_id.clone(),
        scopes: serde_json::from_str(&k.scopes).unwrap_or_default(),
        created_at: k.created_at,
        revoked_at: k.revoked_at,
        last_used_at: k.last_used_at,
    }
}
