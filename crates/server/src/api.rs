//! The JSON API. Each handler: extract (auth first, so that an unauthorised caller learns
//! nothing from validation errors), call the platform, answer.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use medshield_platform::accounts::{
    ApiKeyView, CreatedApiKey, CreatedUser, NewSession, NewUnit, NewUser, SessionInfo,
    TotpEnrollment, UserView,
};
use medshield_platform::audit::ChainReport;
use medshield_platform::registry::{
    AppDetail, AppPage, AppQuery, AppView, AuditPage, AuthCodeView, ContactView, Dashboard,
    NewRegistration, VerifyOutcome,
};
use medshield_platform::scans::{PackageFacts, ScanDetail, ScanView};
use medshield_store::{Alert, AuditFilter, Region, Unit};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{self, AnySession, Need};
use crate::error::{rejection, ApiError, ErrorBody};
use crate::AppState;

type ApiResult<T> = Result<T, ApiError>;

// ----- extractors whose failures are JSON errors --------------------------------------------

pub struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(e) => Err(rejection(e.status(), e.body_text())),
        }
    }
}

pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(rejection(e.status(), e.body_text())),
        }
    }
}

pub struct Path<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) => Err(rejection(e.status(), e.body_text())),
        }
    }
}

pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Bytes::from_request(req, state).await {
            Ok(b) => Ok(RawBody(b)),
            Err(e) => Err(rejection(e.status(), e.body_text())),
        }
    }
}

// ----- routes -------------------------------------------------------------------------------

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(metrics))
        .routes(routes!(regions))
        .routes(routes!(authcode_keys))
        .routes(routes!(authcode_verify))
        .routes(routes!(login))
        .routes(routes!(login_totp))
        .routes(routes!(totp_enroll))
        .routes(routes!(totp_confirm))
        .routes(routes!(change_password))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(dashboard))
        .routes(routes!(list_apps, register_app))
        .routes(routes!(app_detail))
        .routes(routes!(review_app))
        .routes(routes!(app_scans))
        .routes(routes!(scan_detail))
        .routes(routes!(unmask_contact))
        .routes(routes!(revoke_code))
        .routes(routes!(list_units, create_unit))
        .routes(routes!(list_users, create_user))
        .routes(routes!(disable_user))
        .routes(routes!(reset_user))
        .routes(routes!(list_api_keys, create_api_key))
        .routes(routes!(revoke_api_key))
        .routes(routes!(audit_log))
        .routes(routes!(audit_export))
        .routes(routes!(audit_alerts))
        .routes(routes!(audit_verify))
}

/// Routes whose body is a package: they get the upload limit instead of the JSON limit.
pub fn upload_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(package_facts))
        .routes(routes!(upload_scan))
        .routes(routes!(monitoring_submit))
}

/// Whether the cookie gets `Secure`: always, unless configured off or the browser talks to us
/// directly on a loopback address over plain HTTP (a newcomer's `serve --demo`), where a Secure
/// cookie would not be sent back by every browser. Behind a TLS-terminating proxy the forwarded
/// scheme keeps it on.
fn cookie_is_secure(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    if !state.platform.config.cookie_secure {
        return false;
    }
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let hostname = match host.strip_prefix('[') {
        Some(rest) => format!("[{}]", rest.split(']').next().unwrap_or("")),
        None => host.split(':').next().unwrap_or("").to_string(),
    };
    let loopback = matches!(hostname.as_str(), "localhost" | "127.0.0.1" | "[::1]");
    forwarded_https || !loopback
}

fn session_cookie(secure: bool, token: &str, max_age_s: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}",
        auth::SESSION_COOKIE
    );
    HeaderValue::from_str(&value)
        .unwrap_or_else(|_| HeaderValue::from_static("ms_session=; Path=/; Max-Age=0"))
}

fn with_session(state: &AppState, headers: &axum::http::HeaderMap, s: NewSession) -> Response {
    let max_age = state.platform.config.session_minutes * 60;
    let secure = cookie_is_secure(state, headers);
    let mut res = Json(s.info).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(secure, &s.token, max_age),
    );
    res
}

// ----- public -------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
struct Health {
    status: String,
    database: String,
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "public", responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn healthz(State(state): State<AppState>) -> Response {
    match state.platform.db.ping().await {
        Ok(()) => Json(Health {
            status: "ok".into(),
            database: "ok".into(),
        })
        .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "degraded".into(),
                database: e.to_string(),
            }),
        )
            .into_response(),
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "public", responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
async fn metrics(State(state): State<AppState>) -> Response {
    use std::sync::atomic::Ordering::Relaxed;
    let m = &state.platform.metrics;
    let mut out = String::new();
    for (name, help, value) in [
        (
            "medshield_logins_total",
            "Successful sign-ins",
            m.logins_ok.load(Relaxed),
        ),
        (
            "medshield_login_failures_total",
            "Failed sign-in attempts",
            m.logins_failed.load(Relaxed),
        ),
        (
            "medshield_scans_completed_total",
            "Scans completed",
            m.scans_done.load(Relaxed),
        ),
        (
            "medshield_scans_failed_total",
            "Scans that failed",
            m.scans_failed.load(Relaxed),
        ),
        (
            "medshield_audit_records_total",
            "Audit records written by this process",
            m.audit_records.load(Relaxed),
        ),
        (
            "medshield_authcodes_issued_total",
            "Authorization codes issued",
            m.authcodes_issued.load(Relaxed),
        ),
    ] {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
        ));
    }
    if let Ok(stats) = state.platform.db.app_stats(None).await {
        out.push_str(
            "# HELP medshield_apps Registered apps by status\n# TYPE medshield_apps gauge\n",
        );
        for (status, n) in stats.by_status {
            out.push_str(&format!("medshield_apps{{status=\"{status}\"}} {n}\n"));
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// The region tree (GB/T 2260 codes).
#[utoipa::path(get, path = "/api/v1/regions", tag = "public", responses((status = 200, body = Vec<Region>)))]
async fn regions(State(state): State<AppState>) -> ApiResult<Json<Vec<Region>>> {
    Ok(Json(state.platform.regions().await?))
}

#[derive(Serialize, ToSchema)]
struct PublicKey {
    kid: String,
    public_key_pem: String,
}

/// The SM2 public keys authorization codes are signed with (current and retired), for offline
/// verification.
#[utoipa::path(get, path = "/api/v1/authcodes/keys", tag = "public", responses((status = 200, body = Vec<PublicKey>)))]
async fn authcode_keys(State(state): State<AppState>) -> Json<Vec<PublicKey>> {
    Json(
        state
            .platform
            .keys
            .public_keys()
            .into_iter()
            .map(|(kid, public_key_pem)| PublicKey {
                kid,
                public_key_pem,
            })
            .collect(),
    )
}

#[derive(Deserialize, ToSchema)]
struct TokenBody {
    token: String,
}

/// Verifies an authorization code: signature, expiry and the revocation list.
#[utoipa::path(post, path = "/api/v1/authcodes/verify", tag = "public", request_body = TokenBody,
    responses((status = 200, body = VerifyOutcome), (status = 400, body = ErrorBody)))]
async fn authcode_verify(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<TokenBody>,
) -> ApiResult<Json<VerifyOutcome>> {
    Ok(Json(state.platform.verify_code(&body.token).await?))
}

// ----- sign-in ------------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
struct LoginBody {
    username: String,
    password: String,
}

#[derive(Deserialize, ToSchema)]
struct CodeBody {
    /// Six-digit TOTP code.
    code: String,
}

#[derive(Deserialize, ToSchema)]
struct PasswordBody {
    current: String,
    new: String,
}

/// Password sign-in; sets the session cookie. The next stage may be TOTP or its enrolment.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = SessionInfo), (status = 400, body = ErrorBody), (status = 423, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    RawBody(body): RawBody,
) -> ApiResult<Response> {
    let body: LoginBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid(format!("请求格式不正确 / malformed request: {e}")))?;
    if body.username.len() > 256 || body.password.len() > 1024 {
        return Err(ApiError::invalid("用户名或密码过长 / too long"));
    }
    let ip = auth::client_ip(&parts);
    let session = state
        .platform
        .login(&body.username, &body.password, &ip)
        .await?;
    Ok(with_session(&state, &parts.headers, session))
}

/// The TOTP step of sign-in.
#[utoipa::path(post, path = "/api/v1/auth/totp", tag = "auth", request_body = CodeBody, security(("session" = [])),
    responses((status = 200, body = SessionInfo), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn login_totp(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    AnySession(s): AnySession,
    JsonBody(body): JsonBody<CodeBody>,
) -> ApiResult<Response> {
    let next = state.platform.login_totp(&s, &body.code).await?;
    Ok(with_session(&state, &headers, next))
}

/// Starts TOTP enrolment: a secret for the authenticator app.
#[utoipa::path(post, path = "/api/v1/auth/totp/enroll", tag = "auth", security(("session" = [])),
    responses((status = 200, body = TotpEnrollment), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn totp_enroll(
    State(state): State<AppState>,
    AnySession(s): AnySession,
) -> ApiResult<Json<TotpEnrollment>> {
    Ok(Json(state.platform.totp_begin(&s).await?))
}

/// Confirms TOTP enrolment with a first code.
#[utoipa::path(post, path = "/api/v1/auth/totp/confirm", tag = "auth", request_body = CodeBody, security(("session" = [])),
    responses((status = 200, body = SessionInfo), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn totp_confirm(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    AnySession(s): AnySession,
    JsonBody(body): JsonBody<CodeBody>,
) -> ApiResult<Response> {
    let next = state.platform.totp_confirm(&s, &body.code).await?;
    Ok(with_session(&state, &headers, next))
}

/// Changes the signed-in user's password.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordBody, security(("session" = [])),
    responses((status = 200, body = SessionInfo), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    AnySession(s): AnySession,
    JsonBody(body): JsonBody<PasswordBody>,
) -> ApiResult<Response> {
    if s.info.stage == medshield_platform::accounts::Stage::Totp {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "请完成动态口令验证 / finish the TOTP step first",
        ));
    }
    let next = state
        .platform
        .change_password(&s, &body.current, &body.new)
        .await?;
    Ok(with_session(&state, &headers, next))
}

/// Ends the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("session" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    AnySession(s): AnySession,
) -> ApiResult<Response> {
    state.platform.logout(&s).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(cookie_is_secure(&state, &headers), "", 0),
    );
    Ok(res)
}

/// The current session.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("session" = [])),
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody)))]
async fn me(AnySession(s): AnySession) -> Json<SessionInfo> {
    Json(s.info)
}

// ----- apps ---------------------------------------------------------------------------------

/// Apps by grade, region and status; pending reviews; recent scans; the most frequent findings.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "apps", security(("session" = ["dashboard_read"])),
    responses((status = 200, body = Dashboard), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn dashboard(
    State(state): State<AppState>,
    need: Need<auth::DashboardRead>,
) -> ApiResult<Json<Dashboard>> {
    Ok(Json(state.platform.dashboard(&need.actor).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AppListParams {
    /// pending | approved | rejected | revoked
    status: Option<String>,
    /// A | B | C
    grade: Option<String>,
    /// Substring of the names or the package.
    q: Option<String>,
    /// Region code (narrows within the caller's scope).
    region: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// Registered apps within the caller's scope.
#[utoipa::path(get, path = "/api/v1/apps", tag = "apps", params(AppListParams), security(("session" = ["apps_read"])),
    responses((status = 200, body = AppPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_apps(
    State(state): State<AppState>,
    need: Need<auth::AppsRead>,
    Query(p): Query<AppListParams>,
) -> ApiResult<Json<AppPage>> {
    let q = AppQuery {
        status: p.status,
        grade: p.grade,
        q: p.q,
        region: p.region,
        limit: p.limit,
        offset: p.offset,
    };
    Ok(Json(state.platform.apps(&need.actor, q).await?))
}

/// Applies to register an app (事前备案); a reviewer of the region decides.
#[utoipa::path(post, path = "/api/v1/apps", tag = "apps", request_body = NewRegistration, security(("session" = ["apps_register"])),
    responses((status = 201, body = AppView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn register_app(
    State(state): State<AppState>,
    need: Need<auth::AppsRegister>,
    JsonBody(body): JsonBody<NewRegistration>,
) -> ApiResult<Response> {
    let app = state.platform.register_app(&need.actor, body).await?;
    Ok((StatusCode::CREATED, Json(app)).into_response())
}

/// Reads package name, version and signing certificate from an APK to prefill a registration.
#[utoipa::path(post, path = "/api/v1/apps/from-package", tag = "apps", security(("session" = ["apps_register"])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The APK"),
    responses((status = 200, body = PackageFacts), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn package_facts(
    need: Need<auth::AppsRegister>,
    RawBody(body): RawBody,
) -> ApiResult<Json<PackageFacts>> {
    let _ = need;
    let facts =
        tokio::task::spawn_blocking(move || medshield_platform::scans::package_facts(&body))
            .await
            .map_err(|e| {
                ApiError::from(medshield_platform::PlatformError::Internal(e.to_string()))
            })??;
    Ok(Json(facts))
}

/// One app: registration, contacts (masked), reviews, authorization codes, scans.
#[utoipa::path(get, path = "/api/v1/apps/{id}", tag = "apps", params(("id" = String, Path)), security(("session" = ["apps_read"])),
    responses((status = 200, body = AppDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn app_detail(
    State(state): State<AppState>,
    need: Need<auth::AppsRead>,
    Path(id): Path<String>,
) -> ApiResult<Json<AppDetail>> {
    Ok(Json(state.platform.app_detail(&need.actor, &id).await?))
}

#[derive(Deserialize, ToSchema)]
struct ReviewBody {
    /// approve | reject
    decision: String,
    #[serde(default)]
    reason: String,
}

/// Approves (issuing the SM2-signed authorization code) or rejects a pending registration.
#[utoipa::path(post, path = "/api/v1/apps/{id}/review", tag = "apps", params(("id" = String, Path)), request_body = ReviewBody,
    security(("session" = ["apps_review"])),
    responses((status = 200, body = AppDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn review_app(
    State(state): State<AppState>,
    need: Need<auth::AppsReview>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReviewBody>,
) -> ApiResult<Json<AppDetail>> {
    let approve = match body.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(ApiError::invalid(
                "decision 须为 approve 或 reject / decision must be approve or reject",
            ))
        }
    };
    Ok(Json(
        state
            .platform
            .review_app(&need.actor, &id, approve, &body.reason)
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UploadParams {
    /// The file's name, for display.
    file_name: Option<String>,
}

/// Uploads a package of the app; it is scanned in the background.
#[utoipa::path(post, path = "/api/v1/apps/{id}/scans", tag = "scans", params(("id" = String, Path), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The APK"),
    security(("session" = ["scans_upload"])),
    responses((status = 202, body = ScanView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn upload_scan(
    State(state): State<AppState>,
    need: Need<auth::ScansUpload>,
    Path(id): Path<String>,
    Query(p): Query<UploadParams>,
    RawBody(body): RawBody,
) -> ApiResult<Response> {
    let name = p.file_name.unwrap_or_else(|| "upload.apk".into());
    let scan = state
        .platform
        .upload_scan(&need.actor, &id, &name, &body)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(scan)).into_response())
}

/// The app's scans, newest first (the grade history).
#[utoipa::path(get, path = "/api/v1/apps/{id}/scans", tag = "scans", params(("id" = String, Path)), security(("session" = ["scans_read"])),
    responses((status = 200, body = Vec<ScanView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn app_scans(
    State(state): State<AppState>,
    need: Need<auth::ScansRead>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ScanView>>> {
    Ok(Json(state.platform.scans_of_app(&need.actor, &id).await?))
}

/// A scan with its full report (findings, score breakdown, SDKs, protections).
#[utoipa::path(get, path = "/api/v1/scans/{id}", tag = "scans", params(("id" = String, Path)), security(("session" = ["scans_read"])),
    responses((status = 200, body = ScanDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn scan_detail(
    State(state): State<AppState>,
    need: Need<auth::ScansRead>,
    Path(id): Path<String>,
) -> ApiResult<Json<ScanDetail>> {
    Ok(Json(state.platform.scan_detail(&need.actor, &id).await?))
}

/// Shows a contact's phone and e-mail in full (audited).
#[utoipa::path(post, path = "/api/v1/contacts/{id}/unmask", tag = "apps", params(("id" = String, Path)), security(("session" = ["pii_unmask"])),
    responses((status = 200, body = ContactView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unmask_contact(
    State(state): State<AppState>,
    need: Need<auth::PiiUnmask>,
    Path(id): Path<String>,
) -> ApiResult<Json<ContactView>> {
    Ok(Json(state.platform.unmask_contact(&need.actor, &id).await?))
}

#[derive(Deserialize, ToSchema)]
struct ReasonBody {
    reason: String,
}

/// Revokes an authorization code.
#[utoipa::path(post, path = "/api/v1/authcodes/{jti}/revoke", tag = "apps", params(("jti" = String, Path)), request_body = ReasonBody,
    security(("session" = ["auth_codes_revoke"])),
    responses((status = 200, body = AuthCodeView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn revoke_code(
    State(state): State<AppState>,
    need: Need<auth::AuthCodesRevoke>,
    Path(jti): Path<String>,
    JsonBody(body): JsonBody<ReasonBody>,
) -> ApiResult<Json<AuthCodeView>> {
    Ok(Json(
        state
            .platform
            .revoke_code(&need.actor, &jti, &body.reason)
            .await?,
    ))
}

// ----- administration -----------------------------------------------------------------------

/// Units within the caller's scope.
#[utoipa::path(get, path = "/api/v1/units", tag = "admin", security(("session" = ["units_read"])),
    responses((status = 200, body = Vec<Unit>), (status = 403, body = ErrorBody)))]
async fn list_units(
    State(state): State<AppState>,
    need: Need<auth::UnitsRead>,
) -> ApiResult<Json<Vec<Unit>>> {
    Ok(Json(state.platform.units(&need.actor).await?))
}

/// Creates a unit (authority, regulator, owner, monitoring node, standards body).
#[utoipa::path(post, path = "/api/v1/units", tag = "admin", request_body = NewUnit, security(("session" = ["units_manage"])),
    responses((status = 201, body = Unit), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_unit(
    State(state): State<AppState>,
    need: Need<auth::UnitsManage>,
    JsonBody(body): JsonBody<NewUnit>,
) -> ApiResult<Response> {
    let unit = state.platform.create_unit(&need.actor, body).await?;
    Ok((StatusCode::CREATED, Json(unit)).into_response())
}

/// Users the caller manages.
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", security(("session" = ["users_read"])),
    responses((status = 200, body = Vec<UserView>), (status = 403, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    need: Need<auth::UsersRead>,
) -> ApiResult<Json<Vec<UserView>>> {
    Ok(Json(state.platform.users(&need.actor).await?))
}

/// Creates a user with a one-time password (shown once).
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = NewUser, security(("session" = ["users_manage"])),
    responses((status = 201, body = CreatedUser), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    need: Need<auth::UsersManage>,
    JsonBody(body): JsonBody<NewUser>,
) -> ApiResult<Response> {
    let user = state.platform.create_user(&need.actor, body).await?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

#[derive(Deserialize, ToSchema)]
struct DisableBody {
    disabled: bool,
}

/// Disables or re-enables a user.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "admin", params(("id" = String, Path)), request_body = DisableBody,
    security(("session" = ["users_manage"])),
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn disable_user(
    State(state): State<AppState>,
    need: Need<auth::UsersManage>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DisableBody>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        state
            .platform
            .set_user_disabled(&need.actor, &id, body.disabled)
            .await?,
    ))
}

/// Resets a user's password (new one-time password) and TOTP.
#[utoipa::path(post, path = "/api/v1/users/{id}/reset", tag = "admin", params(("id" = String, Path)), security(("session" = ["users_manage"])),
    responses((status = 200, body = CreatedUser), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reset_user(
    State(state): State<AppState>,
    need: Need<auth::UsersManage>,
    Path(id): Path<String>,
) -> ApiResult<Json<CreatedUser>> {
    Ok(Json(state.platform.reset_user(&need.actor, &id).await?))
}

#[derive(Deserialize, ToSchema)]
struct NewApiKey {
    name: String,
    unit_id: String,
}

/// API keys of monitoring nodes.
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "admin", security(("session" = ["api_keys_manage"])),
    responses((status = 200, body = Vec<ApiKeyView>), (status = 403, body = ErrorBody)))]
async fn list_api_keys(
    State(state): State<AppState>,
    need: Need<auth::ApiKeysManage>,
) -> ApiResult<Json<Vec<ApiKeyView>>> {
    Ok(Json(state.platform.api_keys(&need.actor).await?))
}

/// Creates an API key for a monitoring node unit (the secret is shown once).
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "admin", request_body = NewApiKey, security(("session" = ["api_keys_manage"])),
    responses((status = 201, body = CreatedApiKey), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_api_key(
    State(state): State<AppState>,
    need: Need<auth::ApiKeysManage>,
    JsonBody(body): JsonBody<NewApiKey>,
) -> ApiResult<Response> {
    let key = state
        .platform
        .create_api_key(&need.actor, &body.name, &body.unit_id)
        .await?;
    Ok((StatusCode::CREATED, Json(key)).into_response())
}

/// Revokes an API key.
#[utoipa::path(post, path = "/api/v1/api-keys/{id}/revoke", tag = "admin", params(("id" = String, Path)), security(("session" = ["api_keys_manage"])),
    responses((status = 200, body = ApiKeyView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_api_key(
    State(state): State<AppState>,
    need: Need<auth::ApiKeysManage>,
    Path(id): Path<String>,
) -> ApiResult<Json<ApiKeyView>> {
    Ok(Json(state.platform.revoke_api_key(&need.actor, &id).await?))
}

// ----- audit --------------------------------------------------------------------------------

#[derive(Deserialize, IntoParams, Clone)]
#[into_params(parameter_in = Query)]
struct AuditParams {
    /// Exact user name.
    actor: Option<String>,
    /// Action prefix, e.g. `app.` or `auth.login`.
    action: Option<String>,
    target_id: Option<String>,
    /// From (Unix ms, inclusive).
    from: Option<i64>,
    /// To (Unix ms, inclusive).
    to: Option<i64>,
    limit: Option<i64>,
    offset: Option<i64>,
}

impl AuditParams {
    fn filter(self) -> AuditFilter {
        AuditFilter {
            actor: self.actor.filter(|s| !s.is_empty()),
            action: self.action.filter(|s| !s.is_empty()),
            target_id: self.target_id.filter(|s| !s.is_empty()),
            from_ts: self.from.unwrap_or(0),
            to_ts: self.to.unwrap_or(i64::MAX),
            limit: self.limit.unwrap_or(50),
            offset: self.offset.unwrap_or(0),
        }
    }
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams), security(("session" = ["audit_read"])),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn audit_log(
    State(state): State<AppState>,
    need: Need<auth::AuditRead>,
    Query(p): Query<AuditParams>,
) -> ApiResult<Json<AuditPage>> {
    Ok(Json(
        state.platform.audit_page(&need.actor, p.filter()).await?,
    ))
}

/// Exports the (filtered) audit log as JSON lines; the export is itself audited.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", params(AuditParams), security(("session" = ["audit_read"])),
    responses((status = 200, description = "JSON lines", content_type = "application/x-ndjson"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn audit_export(
    State(state): State<AppState>,
    need: Need<auth::AuditRead>,
    Query(p): Query<AuditParams>,
) -> ApiResult<Response> {
    let records = state.platform.audit_export(&need.actor, p.filter()).await?;
    let mut out = String::new();
    for r in records {
        out.push_str(&serde_json::to_string(&r).unwrap_or_default());
        out.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"medshield-audit.jsonl\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// Alerts raised by the audit analytics.
#[utoipa::path(get, path = "/api/v1/audit/alerts", tag = "audit", security(("session" = ["audit_read"])),
    responses((status = 200, body = Vec<Alert>), (status = 403, body = ErrorBody)))]
async fn audit_alerts(
    State(state): State<AppState>,
    need: Need<auth::AuditRead>,
) -> ApiResult<Json<Vec<Alert>>> {
    Ok(Json(state.platform.alerts(&need.actor).await?))
}

/// Verifies the audit hash chain and its signed checkpoints.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("session" = ["audit_read"])),
    responses((status = 200, body = ChainReport), (status = 403, body = ErrorBody)))]
async fn audit_verify(
    State(state): State<AppState>,
    need: Need<auth::AuditRead>,
) -> ApiResult<Json<ChainReport>> {
    let _ = need;
    Ok(Json(state.platform.verify_audit().await?))
}

// ----- monitoring ---------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct MonitoringParams {
    /// Distribution channel the package was fetched from.
    channel: Option<String>,
    file_name: Option<String>,
}

/// A monitoring node submits a package fetched from a channel; it is filed under the registered
/// app of that package in the node's region and scanned.
#[utoipa::path(post, path = "/api/v1/monitoring/packages", tag = "monitoring", params(MonitoringParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The APK"),
    security(("api_key" = ["monitoring_submit"])),
    responses((status = 202, body = ScanView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn monitoring_submit(
    State(state): State<AppState>,
    need: Need<auth::MonitoringSubmit>,
    Query(p): Query<MonitoringParams>,
    RawBody(body): RawBody,
) -> ApiResult<Response> {
    let scan = state
        .platform
        .submit_monitoring(
            &need.actor,
            p.channel.as_deref().unwrap_or(""),
            p.file_name.as_deref().unwrap_or("package.apk"),
            &body,
        )
        .await?;
    Ok((StatusCode::ACCEPTED, Json(scan)).into_response())
}
