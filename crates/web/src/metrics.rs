//! Prometheus metrics, served on their own listen address (`[web]
//! metrics_listen`) so the public never reaches them: requests by route and
//! status, their durations, the self-check worker's work, and (read from
//! the database at each scrape, so every `serve` on one desk reports the
//! same queue) the self-check queue and the site's mail by state.
//!
//! Labels are route patterns and fixed words only: a path someone made up
//! is counted as `unmatched`, so no label carries what a visitor typed, and
//! the worker's results are not split by whether the person was affected.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use breachdesk_desk::Desk;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Arc;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

type DurationFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// One server's metrics (each `serve` has its own registry: no global
/// recorder, so tests may start as many servers as they like).
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: DurationFamily,
    checks: Family<OutcomeLabels, Counter>,
    worker_mail: Family<OutcomeLabels, Counter>,
    worker_errors: Counter,
    queue: Family<StateLabels, Gauge>,
    site_mail: Family<StateLabels, Gauge>,
}

fn request_durations() -> Histogram {
    // 0.25 ms to ~4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("breachdesk");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by method, route pattern and status",
            requests.clone(),
        );
        let durations: DurationFamily = Family::new_with_constructor(request_durations);
        registry.register(
            "http_request_duration_seconds",
            "Time from request to response, by method and route pattern",
            durations.clone(),
        );
        let checks = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "self_checks",
            "Self-checks the worker finished: answered by mail, suppressed (a result went to the address within 24 h) or invalid (not an address)",
            checks.clone(),
        );
        let worker_mail = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "self_check_mail",
            "Self-check mail this server's worker handed over, by outcome",
            worker_mail.clone(),
        );
        let worker_errors = Counter::default();
        registry.register(
            "self_check_worker_errors",
            "Worker passes that failed (the log says why)",
            worker_errors.clone(),
        );
        let queue = Family::<StateLabels, Gauge>::default();
        registry.register(
            "self_check_queue",
            "Self-check requests in the desk, by state (all servers)",
            queue.clone(),
        );
        let site_mail = Family::<StateLabels, Gauge>::default();
        registry.register(
            "site_mail",
            "The site's mail in the desk, by state (all servers)",
            site_mail.clone(),
        );
        Metrics {
            registry,
            requests,
            durations,
            checks,
            worker_mail,
            worker_errors,
            queue,
            site_mail,
        }
    }

    /// Counts one pass of the self-check worker.
    pub fn worker_pass(&self, report: &breachdesk_site::WorkerReport) {
        let add = |family: &Family<OutcomeLabels, Counter>, outcome, n: usize| {
            if n > 0 {
                family
                    .get_or_create(&OutcomeLabels { outcome })
                    .inc_by(n as u64);
            }
        };
        add(&self.checks, "answered", report.affected + report.nothing);
        add(&self.checks, "suppressed", report.suppressed);
        add(&self.checks, "invalid", report.invalid);
        let mail = &report.mail;
        add(&self.worker_mail, "sent", mail.sent);
        add(&self.worker_mail, "deferred", mail.deferred);
        add(&self.worker_mail, "bounced", mail.bounced);
        add(&self.worker_mail, "failed", mail.failed);
        add(&self.worker_mail, "in_doubt", mail.in_doubt);
    }

    pub fn worker_error(&self) {
        self.worker_errors.inc();
    }

    /// The text exposition, after reading the desk's queue and mail.
    async fn render(&self, desk: &Desk) -> Result<String, String> {
        let store = desk.store();
        let checks = store.check_counts().await.map_err(|e| e.to_string())?;
        let mail = store.site_mail_counts().await.map_err(|e| e.to_string())?;
        // Cleared first: a state no row is in any longer reads as absent,
        // not as its last count.
        self.queue.clear();
        for (state, count) in checks {
            self.queue.get_or_create(&StateLabels { state }).set(count);
        }
        // Summed over kinds: per kind, the self-check results would tell
        // how many askers were affected.
        let mut by_state = std::collections::BTreeMap::<String, i64>::new();
        for (_kind, state, count) in mail {
            *by_state.entry(state).or_default() += count;
        }
        self.site_mail.clear();
        for (state, count) in by_state {
            self.site_mail
                .get_or_create(&StateLabels { state })
                .set(count);
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(|e| e.to_string())?;
        Ok(text)
    }
}

/// Counts and times every request of the public router.
pub(crate) async fn track(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    // The site's methods by name, anything else as one word: no label
    // allocated per request, and none a client can multiply.
    let method = match *request.method() {
        axum::http::Method::GET => "GET",
        axum::http::Method::HEAD => "HEAD",
        axum::http::Method::POST => "POST",
        _ => "other",
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let start = std::time::Instant::now();
    let response = next.run(request).await;
    let seconds = start.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    metrics
        .durations
        .get_or_create(&RouteLabels {
            method,
            route: route.clone(),
        })
        .observe(seconds);
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status,
        })
        .inc();
    response
}

/// The metrics listener's router: `GET /metrics` and nothing else.
pub(crate) fn router(metrics: Arc<Metrics>, desk: Arc<Desk>) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || async move {
            match metrics.render(&desk).await {
                Ok(text) => (
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        ),
                    )],
                    text,
                )
                    .into_response(),
                Err(e) => {
                    tracing::error!("metrics: {e}");
                    (StatusCode::SERVICE_UNAVAILABLE, "metrics unavailable").into_response()
                }
            }
        }),
    )
}
