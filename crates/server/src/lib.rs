//! The MedShield HTTP server: JSON API under `/api/v1`, the web UI at `/`, `/healthz`,
//! `/metrics`, and the OpenAPI description at `/api/openapi.json` (generated from the handlers
//! by utoipa) with Swagger UI at `/api/docs`.
//!
//! Handlers are thin: they authenticate (session cookie with CSRF token, or API key), check the
//! permission the route declares, and call one `medshield-platform` operation. Every error is a
//! JSON body with a 4xx status, except a genuine internal failure (5xx, logged).

mod api;
mod auth;
mod error;
mod ui;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use medshield_platform::Platform;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use error::ApiError;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub platform: Arc<Platform>,
}

/// Largest JSON body (uploads have their own, larger limit).
pub const JSON_LIMIT: usize = 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MedShield 移动医疗应用安全风险管控平台 API",
        description = "Registration (事前备案), authorization codes, scans and audit for mobile health apps. \
            Sign in with a session cookie (browser; send X-CSRF-Token on writes) or an API key \
            (`Authorization: Bearer msk_…`, monitoring nodes). Each operation's security requirement names \
            the permission it needs.",
        license(name = "Apache-2.0")
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "public", description = "No sign-in needed"),
        (name = "auth", description = "Sign-in, TOTP, password"),
        (name = "apps", description = "Registration and review"),
        (name = "scans", description = "Package scans"),
        (name = "admin", description = "Units, users, API keys"),
        (name = "audit", description = "Audit trail"),
        (name = "monitoring", description = "Monitoring nodes")
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The router with every route, and the OpenAPI document describing them.
pub fn router(platform: Arc<Platform>) -> Router {
    let state = AppState { platform };
    let upload_limit = usize::try_from(state.platform.config.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let (api_router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api::routes())
        .split_for_parts();
    let uploads = api::upload_routes().layer(DefaultBodyLimit::max(upload_limit));
    let (upload_router, upload_api) = OpenApiRouter::new().merge(uploads).split_for_parts();
    let mut openapi = openapi;
    openapi.merge(upload_api);
    let openapi = Arc::new(openapi);
    let spec = Arc::clone(&openapi);
    Router::new()
        .merge(api_router.layer(DefaultBodyLimit::max(JSON_LIMIT)))
        .merge(upload_router)
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let spec = Arc::clone(&spec);
                async move { axum::Json(spec.as_ref().clone()) }
            }),
        )
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs")
                .url("/api/docs/openapi.json", openapi.as_ref().clone()),
        )
        .merge(ui::routes())
        .fallback(error::fallback)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Headers every response carries: no sniffing, no framing, no referrer leaks, and a content
/// security policy that allows only our own scripts.
async fn security_headers(req: Request<axum::body::Body>, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

/// Serves until Ctrl-C / SIGTERM: HTTP, the scan workers and the periodic audit checkpoint.
pub async fn serve(
    platform: Arc<Platform>,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut workers = Vec::new();
    for _ in 0..platform.config.scan_workers.max(1) {
        workers.push(tokio::spawn(
            Arc::clone(&platform).scan_worker(stop_rx.clone()),
        ));
    }
    let checkpointer = {
        let platform = Arc::clone(&platform);
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(300)) => {}
                    _ = stop.changed() => return,
                }
                if let Err(e) = platform.checkpoint_head().await {
                    tracing::warn!(error = %e, "audit checkpoint");
                }
                let _ = platform
                    .db
                    .delete_expired_sessions(medshield_platform::now_ms())
                    .await;
            }
        })
    };
    let app = router(Arc::clone(&platform));
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    let _ = stop_tx.send(true);
    for w in workers {
        let _ = w.await;
    }
    let _ = checkpointer.await;
    // Pin the head so that `audit verify` covers everything written before the stop.
    if let Err(e) = platform.checkpoint_head().await {
        tracing::warn!(error = %e, "final audit checkpoint");
    }
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
