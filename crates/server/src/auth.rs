//! Who is calling: session cookies (with CSRF tokens on writes) for people, API keys for
//! machines; and the permission each route declares, as an extractor so that a handler cannot
//! forget it.

use std::marker::PhantomData;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use medshield_platform::accounts::{SessionActor, Stage};
use medshield_platform::{Actor, Permission};

use crate::{ApiError, AppState};

pub const SESSION_COOKIE: &str = "ms_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn check_csrf(parts: &Parts, session: &SessionActor) -> Result<(), ApiError> {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if constant_time_eq(sent.as_bytes(), session.info.csrf_token.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "缺少或错误的 X-CSRF-Token / missing or wrong X-CSRF-Token header",
        ))
    }
}

/// A browser session at any sign-in stage (for the sign-in steps themselves).
pub struct AnySession(pub SessionActor);

impl FromRequestParts<AppState> for AnySession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = cookie(parts, SESSION_COOKIE)
            .ok_or_else(|| ApiError::from(medshield_platform::PlatformError::Unauthenticated))?;
        let session = state.platform.session(&token, &client_ip(parts)).await?;
        check_csrf(parts, &session)?;
        Ok(AnySession(session))
    }
}

/// A marker type naming one permission.
pub trait Perm {
    const PERMISSION: Permission;
}

macro_rules! perms {
    ($($name:ident),* $(,)?) => {
        $(
            pub struct $name;
            impl Perm for $name {
                const PERMISSION: Permission = Permission::$name;
            }
        )*
    };
}

perms!(
    DashboardRead,
    AppsRead,
    AppsRegister,
    AppsReview,
    AuthCodesRevoke,
    ScansRead,
    ScansUpload,
    MonitoringSubmit,
    PiiUnmask,
    AuditRead,
    UnitsRead,
    UnitsManage,
    UsersRead,
    UsersManage,
    ApiKeysManage,
);

/// An actor holding permission `P`: a fully signed-in session whose password is not due for
/// change, or an API key. Anything else is refused before the handler runs.
pub struct Need<P: Perm> {
    pub actor: Actor,
    _p: PhantomData<P>,
}

impl<P: Perm + Send + Sync> FromRequestParts<AppState> for Need<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ip = client_ip(parts);
        let actor = if let Some(secret) = bearer(parts) {
            state.platform.api_key_actor(&secret, &ip).await?
        } else {
            let token = cookie(parts, SESSION_COOKIE).ok_or_else(|| {
                ApiError::from(medshield_platform::PlatformError::Unauthenticated)
            })?;
            let session = state.platform.session(&token, &ip).await?;
            if session.info.stage != Stage::Full {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "请完成动态口令验证 / finish the TOTP step first",
                ));
            }
            check_csrf(parts, &session)?;
            if session.info.user.must_change_password {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "password_change_required",
                    "请先修改初始密码 / change your one-time password first",
                ));
            }
            session.actor
        };
        actor.require(P::PERMISSION)?;
        Ok(Need {
            actor,
            _p: PhantomData,
        })
    }
}
