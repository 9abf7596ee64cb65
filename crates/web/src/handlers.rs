//! The routes. Each handler reads the request, asks the site crate, and
//! writes the answer; nothing is decided here.

use crate::headers::security_headers;
use crate::state::AppState;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use breachdesk_site::{
    ASSETS, Admission, Form as SiteForm, InquiryForm, Lang, Limit, Message, RateLimiter,
    accept_inquiry,
};
use std::collections::HashMap;
use std::net::SocketAddr;

/// The cookie that carries the form tokens' other half.
const FORM_COOKIE: &str = "bd_form";

pub(crate) fn router(state: AppState) -> Router {
    let https = state.desk.config().web.is_https();
    let body_limit = state.desk.config().web.max_body_bytes;
    let metrics = std::sync::Arc::clone(&state.metrics);
    Router::new()
        .route("/", get(|s| qa(s, Lang::Ja)))
        .route("/en/", get(|s| qa(s, Lang::En)))
        .route("/en", get(|| async { Redirect::permanent("/en/") }))
        .route(
            "/check",
            get(|s, h| check_form(s, h, Lang::Ja)).post(post_check),
        )
        .route("/en/check", get(|s, h| check_form(s, h, Lang::En)))
        .route(
            "/inquiry",
            get(|s, h| inquiry_form(s, h, Lang::Ja)).post(post_inquiry),
        )
        .route("/en/inquiry", get(|s, h| inquiry_form(s, h, Lang::En)))
        .route("/assets/{file}", get(asset))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            https,
            security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ))
        .with_state(state)
}

fn page<T>(status: StatusCode, html: T, cache: &'static str) -> Response
where
    Html<T>: IntoResponse,
{
    let mut response = (status, Html(html)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// A message page; when even that cannot be built, a plain one.
fn message(
    state: &AppState,
    status: StatusCode,
    lang: Lang,
    which: Message,
    reference: Option<&str>,
) -> Response {
    let rendered = match reference {
        None => state.message_page(lang, which),
        Some(_) => state
            .pages
            .message(&state.desk, lang, which, reference)
            .map(|p| axum::body::Bytes::from(p.html)),
    };
    match rendered {
        Ok(html) => page(status, html, "no-store"),
        Err(e) => {
            tracing::error!("rendering a message page: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response()
        }
    }
}

fn failed(state: &AppState, lang: Lang, e: &dyn std::fmt::Display) -> Response {
    tracing::error!("{e}");
    message(
        state,
        StatusCode::INTERNAL_SERVER_ERROR,
        lang,
        Message::Error,
        None,
    )
}

async fn qa(State(state): State<AppState>, lang: Lang) -> Response {
    match state.qa_page(lang).await {
        // Revalidated on every visit: a new generation shows at once.
        Ok(html) => page(StatusCode::OK, html, "no-cache"),
        Err(e) => failed(&state, lang, &e),
    }
}

async fn not_found(State(state): State<AppState>) -> Response {
    message(
        &state,
        StatusCode::NOT_FOUND,
        Lang::Ja,
        Message::NotFound,
        None,
    )
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == FORM_COOKIE)
        .map(|(_, value)| value.to_owned())
}

fn now_seconds(state: &AppState) -> i64 {
    state.desk.now().0.div_euclid(1_000_000)
}

/// A form page with a fresh token, and its cookie.
fn form_page(state: &AppState, headers: &HeaderMap, lang: Lang, form: SiteForm) -> Response {
    let issued =
        match state
            .tokens
            .issue(form.name(), now_seconds(state), cookie(headers).as_deref())
        {
            Ok(i) => i,
            Err(e) => return failed(state, lang, &e),
        };
    let html = match state.pages.form(&state.desk, lang, form, &issued.field) {
        Ok(p) => p.html,
        Err(e) => return failed(state, lang, &e),
    };
    let mut response = page(StatusCode::OK, html, "no-store");
    let secure = if state.desk.config().web.is_https() {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{FORM_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        issued.cookie,
        breachdesk_site::TOKEN_SECONDS
    );
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn check_form(State(state): State<AppState>, headers: HeaderMap, lang: Lang) -> Response {
    form_page(&state, &headers, lang, SiteForm::Check)
}

async fn inquiry_form(State(state): State<AppState>, headers: HeaderMap, lang: Lang) -> Response {
    form_page(&state, &headers, lang, SiteForm::Inquiry)
}

/// Whether a post may proceed: not sent from another site, and carrying
/// the token of this browser's form. (Chromium sends `Origin: null` with
/// `Referrer-Policy: no-referrer`, so the Origin cannot be relied on.)
fn form_allowed(
    state: &AppState,
    form: &str,
    headers: &HeaderMap,
    fields: &HashMap<String, String>,
) -> bool {
    let site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("same-origin");
    if !matches!(site, "same-origin" | "none") {
        return false;
    }
    let field = fields.get("token").map(String::as_str).unwrap_or("");
    state
        .tokens
        .check(form, field, cookie(headers).as_deref(), now_seconds(state))
}

fn client(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> std::net::IpAddr {
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    RateLimiter::client(
        peer.ip(),
        forwarded,
        &state.desk.config().web.trusted_proxies,
    )
}

/// The page's language, or the 403 a post without its form's token gets.
fn admitted(
    state: &AppState,
    form: &str,
    headers: &HeaderMap,
    fields: &HashMap<String, String>,
) -> Result<Lang, Box<Response>> {
    let lang = Lang::from_code(fields.get("lang").map(String::as_str).unwrap_or("ja"));
    if form_allowed(state, form, headers, fields) {
        Ok(lang)
    } else {
        Err(Box::new(message(
            state,
            StatusCode::FORBIDDEN,
            lang,
            Message::Forbidden,
            None,
        )))
    }
}

async fn post_check(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(fields): Form<HashMap<String, String>>,
) -> Response {
    let lang = match admitted(&state, "check", &headers, &fields) {
        Ok(lang) => lang,
        Err(refused) => return *refused,
    };
    let email = fields.get("email").map(String::as_str).unwrap_or("");
    let client = client(&state, peer, &headers);
    let per_hour = state.desk.config().web.checks_per_hour;
    match state
        .intake
        .submit(&state.desk, client, email, lang, per_hour)
        .await
    {
        Ok(Admission::Queued) => message(&state, StatusCode::OK, lang, Message::CheckSent, None),
        Ok(Admission::TooMany) => message(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            lang,
            Message::TooMany,
            None,
        ),
        Err(e) => failed(&state, lang, &e),
    }
}

async fn post_inquiry(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(fields): Form<HashMap<String, String>>,
) -> Response {
    let lang = match admitted(&state, "inquiry", &headers, &fields) {
        Ok(lang) => lang,
        Err(refused) => return *refused,
    };
    let limit = Limit {
        what: "inquiry",
        per_hour: state.desk.config().web.inquiries_per_hour,
    };
    match RateLimiter::allow(
        &state.desk,
        client(&state, peer, &headers),
        limit,
        now_seconds(&state),
    )
    .await
    {
        Ok(true) => {}
        Ok(false) => {
            return message(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                lang,
                Message::TooMany,
                None,
            );
        }
        Err(e) => return failed(&state, lang, &e),
    }
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let form = InquiryForm {
        name: field("name"),
        email: field("email"),
        phone: field("phone"),
        topic: field("topic"),
        message: field("message"),
    };
    match accept_inquiry(&state.desk, &form).await {
        Ok(reference) => message(
            &state,
            StatusCode::OK,
            lang,
            Message::InquirySent,
            Some(&reference),
        ),
        Err(e) => failed(&state, lang, &e),
    }
}
