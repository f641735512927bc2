//! Every failure becomes a status and a JSON body `{"error": code, "message": text}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use medshield_platform::PlatformError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Machine-readable: invalid, unauthenticated, forbidden, csrf, password_change_required,
    /// not_found, conflict, too_large, locked, method_not_allowed, internal.
    pub error: String,
    /// 中文 / English explanation.
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid", message)
    }
}

impl From<PlatformError> for ApiError {
    fn from(e: PlatformError) -> ApiError {
        let message = e.to_string();
        match e {
            PlatformError::Invalid(_) => ApiError::new(StatusCode::BAD_REQUEST, "invalid", message),
            PlatformError::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "请先登录 / sign in first",
            ),
            PlatformError::Forbidden(_) => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
            }
            PlatformError::NotFound(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
            }
            PlatformError::Conflict(_) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            PlatformError::Locked { .. } => ApiError::new(
                StatusCode::LOCKED,
                "locked",
                format!("账号已锁定，请稍后再试 / {message}"),
            ),
            PlatformError::TooLarge { .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
            }
            PlatformError::Internal(_) => {
                tracing::error!(error = %message, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "内部错误，已记录 / internal error, logged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                error: self.code.into(),
                message: self.message,
            }),
        )
            .into_response()
    }
}

/// Unknown API paths get a JSON 404; anything else is the single-page UI's business.
pub async fn fallback(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") || uri.path() == "/api" {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "没有这个接口 / no such endpoint",
        )
        .into_response()
    } else {
        crate::ui::index().await
    }
}

pub async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "不支持此请求方法 / method not allowed",
    )
    .into_response()
}

/// Rejections of axum's extractors (bad JSON, bad query, bad path, body too large) as our
/// JSON errors.
pub fn rejection(status: StatusCode, text: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            status,
            "too_large",
            format!("请求体过大 / request body too large: {text}"),
        )
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("请求格式不正确 / malformed request: {text}"),
        )
    }
}
