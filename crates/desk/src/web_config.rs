//! `[web]`: how `serve` listens and protects the public site.

use serde::Deserialize;

/// The public site's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Address `serve` listens on (`--listen` overrides it).
    pub listen: String,
    /// The address the public reaches the site at (for links in mail,
    /// and HSTS when it is https).
    pub public_url: String,
    /// Peers whose `X-Forwarded-For` is believed (a reverse proxy or load
    /// balancer in front); from anyone else the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Self-check submissions one client may make per hour.
    pub checks_per_hour: u32,
    /// Inquiries one client may send per hour.
    pub inquiries_per_hour: u32,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Where `serve` answers `GET /metrics` (Prometheus); empty: nowhere.
    /// A separate address so the public site never exposes it.
    pub metrics_listen: String,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            listen: "127.0.0.1:8080".to_owned(),
            public_url: String::new(),
            trusted_proxies: Vec::new(),
            checks_per_hour: 20,
            inquiries_per_hour: 10,
            max_body_bytes: 16 * 1024,
            metrics_listen: String::new(),
        }
    }
}

impl WebConfig {
    /// Applies `BREACHDESK_WEB_LISTEN`, `BREACHDESK_WEB_PUBLIC_URL` and
    /// `BREACHDESK_WEB_METRICS_LISTEN`.
    pub(crate) fn with_env(mut self, env: &dyn Fn(&str) -> Option<String>) -> WebConfig {
        if let Some(listen) = env("BREACHDESK_WEB_LISTEN") {
            self.listen = listen;
        }
        if let Some(url) = env("BREACHDESK_WEB_PUBLIC_URL") {
            self.public_url = url;
        }
        if let Some(listen) = env("BREACHDESK_WEB_METRICS_LISTEN") {
            self.metrics_listen = listen;
        }
        self
    }

    /// Whether the public address is https (then HSTS is sent).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
