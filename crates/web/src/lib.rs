#![forbid(unsafe_code)]
//! `breachdesk serve`: the public site of one desk over HTTP. Handlers are
//! thin: every decision (what the page says, whether a token holds, whether
//! a client is over its limit, what a self-check does) is the site crate's.

mod handlers;
mod headers;
mod metrics;
mod state;

pub use state::WebError;

use breachdesk_desk::Desk;
use std::net::SocketAddr;
use std::sync::Arc;

/// Serves the site on `listener` (and Prometheus metrics on
/// `metrics_listener`, when given) until `shutdown` resolves, then finishes
/// the requests in flight and stops the worker after its current pass.
pub async fn serve(
    desk: Arc<Desk>,
    listener: tokio::net::TcpListener,
    metrics_listener: Option<tokio::net::TcpListener>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    let state = state::AppState::open(Arc::clone(&desk)).await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (rotating_tx, rotating_rx) = tokio::sync::oneshot::channel();
    let worker = tokio::spawn(state::run_worker(
        state.clone(),
        stop_rx.clone(),
        rotating_tx,
    ));
    let metrics = metrics_listener.map(|listener| {
        let app = metrics::router(Arc::clone(&state.metrics), Arc::clone(&desk));
        let mut stop = stop_rx;
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|stopped| *stopped).await;
                })
                .await
        })
    });
    let app = handlers::router(state);
    let stop = async move {
        tokio::select! {
            () = shutdown => {}
            Ok(()) = rotating_rx => {}
        }
    };
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .await
    .map_err(WebError::Io)?;
    let _ = stop_tx.send(true);
    let rotation_begun = worker.await.map_err(|e| WebError::Worker(e.to_string()))?;
    if let Some(metrics) = metrics {
        metrics
            .await
            .map_err(|e| WebError::Worker(e.to_string()))?
            .map_err(WebError::Io)?;
    }
    if rotation_begun {
        return Err(WebError::KeyRotating);
    }
    Ok(())
}
