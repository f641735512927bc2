//! Registration (事前备案): applications, review decisions, authorization codes; the app list,
//! the dashboard, personal data on contacts, and the audit log browser.

use medshield_authcode::Claims;
use medshield_store::{App, AppFilter, AuditFilter, AuditRecord, AuthCodeRow, Contact, Review};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    new_id, now_ms, pii, Actor, Metrics, Permission, Platform, PlatformError, Result, Role, Scope,
};

pub const PLATFORMS: [&str; 3] = ["android", "ios", "miniprogram"];
pub const STATUSES: [&str; 4] = ["pending", "approved", "rejected", "revoked"];
pub const GRADES: [&str; 3] = ["A", "B", "C"];
const MAX_CONTACTS: usize = 10;
const MAX_CHANNELS: usize = 30;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewContact {
    pub name: String,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewRegistration {
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    pub platform: String,
    pub package: String,
    pub cert_sha256: String,
    /// Registered version `x.y`.
    pub version: String,
    #[serde(default)]
    pub channels: Vec<String>,
    pub contacts: Vec<NewContact>,
    /// Defaults to the unit's region.
    #[serde(default)]
    pub region_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    /// Whether phone and email are shown in full (after an audited unmask).
    pub unmasked: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppView {
    pub id: String,
    pub unit_id: String,
    pub region_code: String,
    pub name_zh: String,
    pub name_en: String,
    pub platform: String,
    pub package: String,
    pub cert_sha256: String,
    pub version: String,
    pub channels: Vec<String>,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub latest_scan_id: Option<String>,
    pub latest_score: Option<f64>,
    pub latest_grade: Option<String>,
}

impl AppView {
    pub fn from_row(a: &App) -> AppView {
        AppView {
            id: a.id.clone(),
            unit_id: a.unit_id.clone(),
            region_code: a.region_code.clone(),
            name_zh: a.name_zh.clone(),
            name_en: a.name_en.clone(),
            platform: a.platform.clone(),
            package: a.package.clone(),
            cert_sha256: a.cert_sha256.clone(),
            version: a.version.clone(),
            channels: serde_json::from_str(&a.channels).unwrap_or_default(),
            status: a.status.clone(),
            created_at: a.created_at,
            updated_at: a.updated_at,
            latest_scan_id: a.latest_scan_id.clone(),
            latest_score: a.latest_score,
            latest_grade: a.latest_grade.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    pub id: String,
    pub reviewer_id: String,
    pub decision: String,
    pub reason: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuthCodeView {
    pub jti: String,
    pub token: String,
    pub kid: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
}

impl AuthCodeView {
    fn from_row(c: &AuthCodeRow) -> AuthCodeView {
        AuthCodeView {
            jti: c.jti.clone(),
            token: c.token.clone(),
            kid: c.kid.clone(),
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            revoked_at: c.revoked_at,
            revoke_reason: c.revoke_reason.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppDetail {
    pub app: AppView,
    pub unit_name: String,
    pub region_name: String,
    pub contacts: Vec<ContactView>,
    pub reviews: Vec<ReviewView>,
    pub auth_codes: Vec<AuthCodeView>,
    pub scans: Vec<crate::scans::ScanView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppPage {
    pub items: Vec<AppView>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppQuery {
    pub status: Option<String>,
    pub grade: Option<String>,
    pub q: Option<String>,
    pub region: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub total_apps: i64,
    pub by_grade: Vec<Count>,
    pub by_region: Vec<Count>,
    pub by_status: Vec<Count>,
    pub pending_reviews: Vec<AppView>,
    pub recent_scans: Vec<crate::scans::ScanView>,
    pub top_rules: Vec<Count>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerifyOutcome {
    pub valid: bool,
    pub revoked: bool,
    #[schema(value_type = Option<Object>)]
    pub claims: Option<Claims>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRecord>,
    pub total: i64,
}

fn invalid(msg: &str) -> PlatformError {
    PlatformError::Invalid(msg.into())
}

/// A Java package name as Android accepts it: at least two segments, each a Java identifier.
pub fn valid_package(p: &str) -> bool {
    p.len() <= 255
        && p.split('.').count() >= 2
        && p.split('.').all(|seg| {
            let mut chars = seg.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// The registered version, `major.minor` (the paper's x.y).
pub fn valid_version(v: &str) -> bool {
    let mut parts = v.split('.');
    let ok = |s: Option<&str>| {
        s.is_some_and(|s| !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit()))
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// `x.y` from a version name like `3.2.15-release`, if it starts with two numbers.
pub fn major_minor(version_name: &str) -> Option<String> {
    let mut nums = version_name
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty());
    let v = format!("{}.{}", nums.next()?, nums.next().unwrap_or("0"));
    valid_version(&v).then_some(v)
}

fn valid_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Platform {
    pub(crate) async fn visible_app(&self, actor: &Actor, id: &str) -> Result<App> {
        let app = self
            .db
            .app(id)
            .await?
            .ok_or(PlatformError::NotFound("app"))?;
        // Out of scope looks exactly like absent: no probing for other regions' app ids.
        if !actor.scope().covers(&app.unit_id, &app.region_path) {
            return Err(PlatformError::NotFound("app"));
        }
        Ok(app)
    }

    /// An owner applies to register an app (状态: pending).
    pub async fn register_app(&self, actor: &Actor, input: NewRegistration) -> Result<AppView> {
        actor.require(Permission::AppsRegister)?;
        let name_zh = input.name_zh.trim();
        if name_zh.is_empty()
            || name_zh.chars().count() > 100
            || input.name_en.chars().count() > 200
        {
            return Err(invalid(
                "应用名称须为 1–100 个字符 / app name must be 1–100 characters",
            ));
        }
        if !PLATFORMS.contains(&input.platform.as_str()) {
            return Err(invalid("平台须为 android、ios 或 miniprogram / platform must be android, ios or miniprogram"));
        }
        if !valid_package(&input.package) {
            return Err(invalid("包名格式不正确 / not a valid package name"));
        }
        let cert = input
            .cert_sha256
            .trim()
            .to_ascii_lowercase()
            .replace(':', "");
        if !valid_sha256(&cert) {
            return Err(invalid(
                "签名证书 SHA-256 须为 64 位十六进制 / certificate SHA-256 must be 64 hex digits",
            ));
        }
        if !valid_version(&input.version) {
            return Err(invalid(
                "备案版本须为 x.y 形式 / registered version must look like x.y",
            ));
        }
        if input.channels.len() > MAX_CHANNELS
            || input
                .channels
                .iter()
                .any(|c| c.trim().is_empty() || c.chars().count() > 200)
        {
            return Err(invalid("发布渠道不正确 / invalid channels"));
        }
        if input.contacts.is_empty() || input.contacts.len() > MAX_CONTACTS {
            return Err(invalid(
                "须填写 1–10 名责任联系人 / 1–10 responsible contacts are required",
            ));
        }
        for c in &input.contacts {
            if c.name.trim().is_empty() || c.name.chars().count() > 64 {
                return Err(invalid(
                    "联系人姓名须为 1–64 个字符 / contact name must be 1–64 characters",
                ));
            }
            if !pii::valid_phone(&c.phone) {
                return Err(invalid("联系人电话格式不正确 / invalid contact phone"));
            }
            if !pii::valid_email(&c.email) {
                return Err(invalid("联系人邮箱格式不正确 / invalid contact e-mail"));
            }
        }
        let unit = self
            .db
            .unit(&actor.unit_id)
            .await?
            .ok_or(PlatformError::NotFound("unit"))?;
        let region_code = input
            .region_code
            .clone()
            .unwrap_or_else(|| unit.region_code.clone());
        let region = self
            .db
            .region(&region_code)
            .await?
            .ok_or_else(|| invalid("未知地区 / unknown region"))?;
        let now = now_ms();
        let app = App {
            id: new_id("app")?,
            unit_id: unit.id.clone(),
            region_code: region.code.clone(),
            region_path: region.path.clone(),
            name_zh: name_zh.into(),
            name_en: input.name_en.trim().into(),
            platform: input.platform.clone(),
            package: input.package.clone(),
            cert_sha256: cert,
            version: input.version.clone(),
            channels: serde_json::to_string(&input.channels).unwrap_or_else(|_| "[]".into()),
            status: "pending".into(),
            created_by: actor.user_id.clone(),
            created_at: now,
            updated_at: now,
            latest_scan_id: None,
            latest_score: None,
            latest_grade: None,
        };
        let key = self.keys.pii_key();
        let mut contacts = Vec::new();
        for c in &input.contacts {
            let id = new_id("ct")?;
            contacts.push(Contact {
                phone_enc: pii::seal(key, c.phone.trim(), "phone", &id)?,
                email_enc: pii::seal(key, c.email.trim(), "email", &id)?,
                phone_masked: pii::mask_phone(c.phone.trim()),
                email_masked: pii::mask_email(c.email.trim()),
                id,
                app_id: app.id.clone(),
                name: c.name.trim().into(),
            });
        }
        self.db.insert_app(&app, &contacts).await?;
        let view = AppView::from_row(&app);
        // Personal data is never written to the audit log in the clear: masked forms only.
        let masked: Vec<_> = contacts
            .iter()
            .map(|c| json!({"name": c.name, "phone": c.phone_masked, "email": c.email_masked}))
            .collect();
        self.audit(
            actor,
            "app.register",
            "app",
            &app.id,
            json!(null),
            json!({"app": view, "contacts": masked}),
        )
        .await?;
        Ok(view)
    }

    pub async fn apps(&self, actor: &Actor, q: AppQuery) -> Result<AppPage> {
        actor.require(Permission::AppsRead)?;
        let limit = q.limit.unwrap_or(50).clamp(1, 200);
        let offset = q.offset.unwrap_or(0).clamp(0, 1_000_000);
        if let Some(s) = &q.status {
            if !s.is_empty() && !STATUSES.contains(&s.as_str()) {
                return Err(invalid("未知状态 / unknown status"));
            }
        }
        if let Some(g) = &q.grade {
            if !g.is_empty() && !GRADES.contains(&g.as_str()) {
                return Err(invalid("等级须为 A、B 或 C / grade must be A, B or C"));
            }
        }
        let mut filter = AppFilter {
            status: q.status.filter(|s| !s.is_empty()),
            grade: q.grade.filter(|s| !s.is_empty()),
            search: q
                .q
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().chars().take(100).collect()),
            limit,
            offset,
            ..AppFilter::default()
        };
        match actor.scope() {
            Scope::All => {}
            Scope::Region { path } => filter.region_path = Some(path),
            Scope::Unit { unit_id } => filter.unit_id = Some(unit_id),
            Scope::Nothing => {
                return Ok(AppPage {
                    items: vec![],
                    total: 0,
                    limit,
                    offset,
                })
            }
        }
        // A region filter narrows within the scope, never widens it.
        if let Some(code) = q.region.filter(|s| !s.is_empty()) {
            let region = self
                .db
                .region(&code)
                .await?
                .ok_or_else(|| invalid("未知地区 / unknown region"))?;
            match &filter.region_path {
                Some(own) if !region.path.starts_with(own.as_str()) => {
                    return Ok(AppPage {
                        items: vec![],
                        total: 0,
                        limit,
                        offset,
                    })
                }
                _ => filter.region_path = Some(region.path),
            }
        }
        let (rows, total) = self.db.apps(&filter).await?;
        Ok(AppPage {
            items: rows.iter().map(AppView::from_row).collect(),
            total,
            limit,
            offset,
        })
    }

    pub async fn app_detail(&self, actor: &Actor, id: &str) -> Result<AppDetail> {
        actor.require(Permission::AppsRead)?;
        let app = self.visible_app(actor, id).await?;
        let unit_name = self
            .db
            .unit(&app.unit_id)
            .await?
            .map(|u| u.name_zh)
            .unwrap_or_default();
        let region_name = self
            .db
            .region(&app.region_code)
            .await?
            .map(|r| r.name_zh)
            .unwrap_or_default();
        let contacts = self
            .db
            .contacts(&app.id)
            .await?
            .into_iter()
            .map(|c| ContactView {
                id: c.id,
                name: c.name,
                phone: c.phone_masked,
                email: c.email_masked,
                unmasked: false,
            })
            .collect();
        let reviews = self
            .db
            .reviews(&app.id)
            .await?
            .into_iter()
            .map(|r: Review| ReviewView {
                id: r.id,
                reviewer_id: r.reviewer_id,
                decision: r.decision,
                reason: r.reason,
                created_at: r.created_at,
            })
            .collect();
        let auth_codes = self
            .db
            .auth_codes(&app.id)
            .await?
            .iter()
            .map(AuthCodeView::from_row)
            .collect();
        let scans = self
            .db
            .scans_of_app(&app.id)
            .await?
            .iter()
            .map(crate::scans::ScanView::from_row)
            .collect();
        Ok(AppDetail {
            app: AppView::from_row(&app),
            unit_name,
            region_name,
            contacts,
            reviews,
            auth_codes,
            scans,
        })
    }

    /// Shows one contact's phone and e-mail in full — audited, and watched for bulk reads.
    pub async fn unmask_contact(&self, actor: &Actor, contact_id: &str) -> Result<ContactView> {
        actor.require(Permission::PiiUnmask)?;
        let contact = self
            .db
            .contact(contact_id)
            .await?
            .ok_or(PlatformError::NotFound("contact"))?;
        self.visible_app(actor, &contact.app_id).await?;
        let key = self.keys.pii_key();
        let view = ContactView {
            phone: pii::open(key, &contact.phone_enc, "phone", &contact.id)?,
            email: pii::open(key, &contact.email_enc, "email", &contact.id)?,
            id: contact.id.clone(),
            name: contact.name.clone(),
            unmasked: true,
        };
        self.audit(
            actor,
            "pii.unmask",
            "contact",
            &contact.id,
            json!(null),
            json!({"app_id": contact.app_id, "fields": ["phone", "email"]}),
        )
        .await?;
        self.analyse_pii_reads(actor).await?;
        Ok(view)
    }

    /// A reviewer of the app's region approves (issuing the authorization code) or rejects.
    pub async fn review_app(
        &self,
        actor: &Actor,
        id: &str,
        approve: bool,
        reason: &str,
    ) -> Result<AppDetail> {
        actor.require(Permission::AppsReview)?;
        let app = self.visible_app(actor, id).await?;
        if app.status != "pending" {
            return Err(PlatformError::Conflict(format!("只能审核待审核的申请，当前状态 {} / only pending applications can be reviewed (status {})", app.status, app.status)));
        }
        let reason = reason.trim();
        if !approve && reason.is_empty() {
            return Err(invalid("驳回须说明理由 / a rejection needs a reason"));
        }
        if reason.chars().count() > 2000 {
            return Err(invalid("理由过长 / reason too long"));
        }
        let now = now_ms();
        let decision = if approve { "approved" } else { "rejected" };
        self.db
            .insert_review(&Review {
                id: new_id("rev")?,
                app_id: app.id.clone(),
                reviewer_id: actor.user_id.clone(),
                decision: decision.into(),
                reason: reason.into(),
                created_at: now,
            })
            .await?;
        self.db.set_app_status(&app.id, decision, now).await?;
        self.audit(
            actor,
            &format!("app.{}", if approve { "approve" } else { "reject" }),
            "app",
            &app.id,
            json!({"status": app.status}),
            json!({"status": decision, "reason": reason}),
        )
        .await?;
        if approve {
            self.issue_code(actor, &app).await?;
        }
        self.app_detail_unchecked(actor, id).await
    }

    async fn app_detail_unchecked(&self, actor: &Actor, id: &str) -> Result<AppDetail> {
        // Reviewers hold AppsRead; this keeps one view for both paths.
        self.app_detail(actor, id).await
    }

    /// Issues the SM2-signed authorization code binding the registration's facts.
    async fn issue_code(&self, actor: &Actor, app: &App) -> Result<AuthCodeRow> {
        let key = self.keys.signing_key();
        let iat = now_ms() / 1000;
        let claims = Claims {
            app_id: app.id.clone(),
            cert_sha256: app.cert_sha256.clone(),
            exp: iat + self.config.authcode_days * 86_400,
            iat,
            jti: Claims::new_jti().map_err(|e| PlatformError::Internal(e.to_string()))?,
            kid: key.key_id().to_string(),
            package: app.package.clone(),
            region: app.region_code.clone(),
            unit: app.unit_id.clone(),
            version: app.version.clone(),
        };
        let token = medshield_authcode::issue(&claims, key)
            .map_err(|e| PlatformError::Internal(format!("authorization code: {e}")))?;
        let row = AuthCodeRow {
            jti: claims.jti.clone(),
            app_id: app.id.clone(),
            token,
            kid: claims.kid.clone(),
            issued_at: claims.iat * 1000,
            expires_at: claims.exp * 1000,
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
        };
        self.db.insert_auth_code(&row).await?;
        Metrics::inc(&self.metrics.authcodes_issued);
        self.audit(
            actor,
            "authcode.issue",
            "auth_code",
            &row.jti,
            json!(null),
            json!({"app_id": app.id, "kid": row.kid, "expires_at": row.expires_at}),
        )
        .await?;
        Ok(row)
    }

    /// Revokes an app's authorization code; the app's registration becomes `revoked`.
    pub async fn revoke_code(
        &self,
        actor: &Actor,
        jti: &str,
        reason: &str,
    ) -> Result<AuthCodeView> {
        actor.require(Permission::AuthCodesRevoke)?;
        let code = self
            .db
            .auth_code(jti)
            .await?
            .ok_or(PlatformError::NotFound("authorization code"))?;
        let app = self.visible_app(actor, &code.app_id).await?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 2000 {
            return Err(invalid("撤销须说明理由 / a revocation needs a reason"));
        }
        let now = now_ms();
        if !self
            .db
            .revoke_auth_code(jti, &actor.user_id, reason, now)
            .await?
        {
            return Err(PlatformError::Conflict(
                "授权码已撤销 / already revoked".into(),
            ));
        }
        self.db.set_app_status(&app.id, "revoked", now).await?;
        self.audit(
            actor,
            "authcode.revoke",
            "auth_code",
            jti,
            json!({"revoked": false}),
            json!({"revoked": true, "reason": reason}),
        )
        .await?;
        let code = self
            .db
            .auth_code(jti)
            .await?
            .ok_or(PlatformError::NotFound("authorization code"))?;
        Ok(AuthCodeView::from_row(&code))
    }

    /// Verifies a code with the platform's keys and its revocation list (public endpoint).
    pub async fn verify_code(&self, token: &str) -> Result<VerifyOutcome> {
        match medshield_authcode::verify(token, self.keys.keyring(), now_ms() / 1000) {
            Ok(claims) => {
                let revoked = self
                    .db
                    .auth_code(&claims.jti)
                    .await?
                    .is_none_or(|c| c.revoked_at.is_some());
                Ok(VerifyOutcome {
                    valid: !revoked,
                    revoked,
                    claims: Some(claims),
                    error: revoked.then(|| "revoked".to_string()),
                })
            }
            Err(e) => Ok(VerifyOutcome {
                valid: false,
                revoked: false,
                claims: None,
                error: Some(e.to_string()),
            }),
        }
    }

    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard> {
        actor.require(Permission::DashboardRead)?;
        let (region_path, unit_id) = match actor.scope() {
            Scope::All => (None, None),
            Scope::Region { path } => (Some(path), None),
            Scope::Unit { unit_id } => (None, Some(unit_id)),
            Scope::Nothing => (None, Some(String::from("-"))),
        };
        let regions: std::collections::HashMap<String, String> = self
            .db
            .regions()
            .await?
            .into_iter()
            .map(|r| (r.code, r.name_zh))
            .collect();
        let (by_grade, by_region, by_status, total_apps) = if let Some(unit) = &unit_id {
            // Owners: their own apps only; counted from the (small) list.
            let (rows, total) = self
                .db
                .apps(&AppFilter {
                    unit_id: Some(unit.clone()),
                    limit: 10_000,
                    ..AppFilter::default()
                })
                .await?;
            let mut grade = std::collections::BTreeMap::<String, i64>::new();
            let mut region = std::collections::BTreeMap::<String, i64>::new();
            let mut status = std::collections::BTreeMap::<String, i64>::new();
            for a in &rows {
                *grade
                    .entry(a.latest_grade.clone().unwrap_or_else(|| "-".into()))
                    .or_default() += 1;
                *region.entry(a.region_code.clone()).or_default() += 1;
                *status.entry(a.status.clone()).or_default() += 1;
            }
            (
                grade.into_iter().collect(),
                region.into_iter().collect(),
                status.into_iter().collect(),
                total,
            )
        } else {
            let stats = self.db.app_stats(region_path.as_deref()).await?;
            let total = stats.by_status.iter().map(|(_, n)| n).sum();
            (stats.by_grade, stats.by_region, stats.by_status, total)
        };
        let counts = |v: Vec<(String, i64)>, label: &dyn Fn(&str) -> String| -> Vec<Count> {
            v.into_iter()
                .map(|(k, n)| Count {
                    label: label(&k),
                    key: k,
                    count: n,
                })
                .collect()
        };
        let pending_filter = AppFilter {
            region_path: region_path.clone(),
            unit_id: unit_id.clone(),
            status: Some("pending".into()),
            limit: 10,
            ..AppFilter::default()
        };
        let pending = self.db.apps(&pending_filter).await?.0;
        let recent = self
            .db
            .recent_scans(region_path.as_deref(), unit_id.as_deref(), 10)
            .await?;
        let top_rules = if unit_id.is_none() {
            self.db.top_rules(region_path.as_deref(), 10).await?
        } else {
            Vec::new()
        };
        Ok(Dashboard {
            total_apps,
            by_grade: counts(by_grade, &|k| {
                if k == "-" {
                    "未评级".into()
                } else {
                    format!("{k} 级")
                }
            }),
            by_region: counts(by_region, &|k| {
                regions.get(k).cloned().unwrap_or_else(|| k.to_string())
            }),
            by_status: counts(by_status, &|k| k.to_string()),
            pending_reviews: pending.iter().map(AppView::from_row).collect(),
            recent_scans: recent
                .iter()
                .map(crate::scans::ScanView::from_row)
                .collect(),
            top_rules: top_rules
                .into_iter()
                .map(|(id, title, n)| Count {
                    key: id,
                    label: title,
                    count: n,
                })
                .collect(),
        })
    }

    pub async fn audit_page(&self, actor: &Actor, mut filter: AuditFilter) -> Result<AuditPage> {
        actor.require(Permission::AuditRead)?;
        filter.limit = filter.limit.clamp(1, 500);
        filter.offset = filter.offset.clamp(0, 10_000_000);
        if filter.to_ts <= 0 {
            filter.to_ts = i64::MAX;
        }
        let (items, total) = self.db.audit_page(&filter).await?;
        Ok(AuditPage { items, total })
    }

    /// Exporting the log is itself an audited act.
    pub async fn audit_export(
        &self,
        actor: &Actor,
        filter: AuditFilter,
    ) -> Result<Vec<AuditRecord>> {
        actor.require(Permission::AuditRead)?;
        let page = self
            .audit_page(
                actor,
                AuditFilter {
                    limit: 500,
                    offset: 0,
                    ..filter.clone()
                },
            )
            .await?;
        let mut all = page.items;
        let mut offset = all.len() as i64;
        while offset < page.total && offset < 100_000 {
            let more = self
                .audit_page(
                    actor,
                    AuditFilter {
                        limit: 500,
                        offset,
                        ..filter.clone()
                    },
                )
                .await?
                .items;
            if more.is_empty() {
                break;
            }
            offset += more.len() as i64;
            all.extend(more);
        }
        self.audit(
            actor,
            "audit.export",
            "audit_log",
            "-",
            json!(null),
            json!({"records": all.len()}),
        )
        .await?;
        Ok(all)
    }

    /// Regions as a flat list for forms and filters.
    pub async fn regions(&self) -> Result<Vec<medshield_store::Region>> {
        Ok(self.db.regions().await?)
    }

    /// Whether an actor may see an app's scans (owners of the unit, regulators of the region).
    pub fn can_upload(role: Role) -> bool {
        role.permits(Permission::ScansUpload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_and_version_shapes() {
        assert!(valid_package("cn.example.hospital"));
        assert!(valid_package("com.a_b.c1"));
        assert!(!valid_package("nodots"));
        assert!(!valid_package("cn..x"));
        assert!(!valid_package("cn.1abc"));
        assert!(
            valid_version("3.2")
                && !valid_version("3")
                && !valid_version("3.2.1")
                && !valid_version("a.b")
        );
        assert_eq!(major_minor("3.2.15-release").as_deref(), Some("3.2"));
        assert_eq!(major_minor("v7").as_deref(), Some("7.0"));
        assert_eq!(major_minor("beta"), None);
    }
}
