//! Per-client limits, counted in the database so every `serve` of the
//! desk counts together. A client is its peer address, or the address a
//! trusted proxy forwarded; it is stored only as a keyed digest.

use crate::SiteError;
use breachdesk_desk::Desk;
use std::net::IpAddr;

/// One limit: at most `per_hour` requests of `what` per client per hour.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub what: &'static str,
    pub per_hour: u32,
}

pub struct RateLimiter;

impl RateLimiter {
    /// The client a request comes from: the peer, unless the peer is a
    /// trusted proxy and says whom it forwards (the last address in
    /// `X-Forwarded-For` that is not itself a trusted proxy).
    pub fn client(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
        if !trusted.contains(&peer) {
            return peer;
        }
        let Some(header) = forwarded_for else {
            return peer;
        };
        header
            .split(',')
            .rev()
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .find(|a| !trusted.contains(a))
            .unwrap_or(peer)
    }

    /// The counter `client`'s requests of `what` go to (a keyed digest: the
    /// address is never stored), and the hour it is counted in.
    pub(crate) fn bucket(
        desk: &Desk,
        what: &str,
        client: IpAddr,
        now_seconds: i64,
    ) -> (Vec<u8>, i64) {
        (
            desk.site_digest(what, &client.to_string()),
            now_seconds - now_seconds.rem_euclid(3600),
        )
    }

    /// Counts this request; `false` when the client is over the limit.
    pub async fn allow(
        desk: &Desk,
        client: IpAddr,
        limit: Limit,
        now_seconds: i64,
    ) -> Result<bool, SiteError> {
        let (bucket, window) = RateLimiter::bucket(desk, limit.what, client, now_seconds);
        let hits = desk
            .store()
            .count_request(&bucket, window, window - 3600)
            .await?;
        Ok(hits <= i64::from(limit.per_hour))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxy = ip("10.0.0.2");
        let trusted = [proxy];
        // From a stranger the header is a lie anyone can tell.
        assert_eq!(
            RateLimiter::client(ip("203.0.113.9"), Some("1.2.3.4"), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            RateLimiter::client(proxy, Some("198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        // The client may prepend whatever it likes; the proxy appends the truth.
        assert_eq!(
            RateLimiter::client(proxy, Some("1.2.3.4, 198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            RateLimiter::client(proxy, Some("198.51.100.7, 10.0.0.2"), &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(RateLimiter::client(proxy, None, &trusted), proxy);
        assert_eq!(RateLimiter::client(proxy, Some("garbage"), &trusted), proxy);
    }
}
