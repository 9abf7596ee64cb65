//! How fast notices may go to each destination domain. Japanese mobile
//! carriers throttle or block bulk senders, so their domains get
//! conservative defaults; the shop can set its own per domain.
//!
//! Pure: the caller passes the time, so the pacing is testable without
//! sleeping.

use std::collections::HashMap;
use std::time::Duration;

/// Messages per minute to the big Japanese carrier domains, unless set.
pub const CARRIER_DEFAULTS: [(&str, u32); 6] = [
    ("docomo.ne.jp", 30),
    ("ezweb.ne.jp", 30),
    ("au.com", 30),
    ("softbank.ne.jp", 30),
    ("i.softbank.jp", 30),
    ("ymobile.ne.jp", 30),
];

/// A token bucket per destination domain.
#[derive(Debug, Clone)]
pub struct DomainLimits {
    per_minute: HashMap<String, u32>,
    /// Rate for every other domain (`None`: unlimited).
    default_per_minute: Option<u32>,
    /// (tokens, time of last refill) per domain; time in milliseconds.
    buckets: HashMap<String, (f64, u64)>,
}

impl DomainLimits {
    /// Carrier defaults, overridden and extended by `configured`.
    pub fn new(configured: &HashMap<String, u32>, default_per_minute: Option<u32>) -> DomainLimits {
        let mut per_minute: HashMap<String, u32> = CARRIER_DEFAULTS
            .iter()
            .map(|(d, n)| ((*d).to_owned(), *n))
            .collect();
        per_minute.extend(configured.iter().map(|(d, n)| (d.to_ascii_lowercase(), *n)));
        DomainLimits {
            per_minute,
            default_per_minute,
            buckets: HashMap::new(),
        }
    }

    fn rate(&self, domain: &str) -> Option<u32> {
        self.per_minute
            .get(domain)
            .copied()
            .or(self.default_per_minute)
            .filter(|n| *n > 0)
    }

    /// How long to wait before sending to `address` at `now_ms`; the
    /// message is counted as sent at the end of that wait.
    pub fn wait_before(&mut self, address: &str, now_ms: u64) -> Duration {
        let domain = address
            .rsplit('@')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let Some(rate) = self.rate(&domain) else {
            return Duration::ZERO;
        };
        // The bucket holds one message: no burst can exceed the rate.
        let per_ms = f64::from(rate) / 60_000.0;
        let (tokens, last) = self.buckets.get(&domain).copied().unwrap_or((1.0, now_ms));
        // `last` may lie ahead, at a slot already promised to a message
        // still waiting: the bucket is then below empty, and the next slot
        // comes one interval after that one.
        let elapsed = now_ms as f64 - last as f64;
        let tokens = (tokens + elapsed * per_ms).min(1.0);
        if tokens >= 1.0 {
            self.buckets.insert(domain, (tokens - 1.0, now_ms));
            return Duration::ZERO;
        }
        let wait_ms = ((1.0 - tokens) / per_ms).ceil() as u64;
        self.buckets.insert(domain, (0.0, now_ms + wait_ms));
        Duration::from_millis(wait_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carrier_domains_are_paced_others_are_not() {
        let mut limits = DomainLimits::new(&HashMap::new(), None);
        assert_eq!(limits.wait_before("a@docomo.ne.jp", 0), Duration::ZERO);
        // 30 a minute: the next one two seconds later.
        assert_eq!(
            limits.wait_before("b@docomo.ne.jp", 0),
            Duration::from_millis(2000)
        );
        assert_eq!(
            limits.wait_before("c@DOCOMO.ne.jp", 2000),
            Duration::from_millis(2000)
        );
        // Another domain is not held up by docomo's pace.
        assert_eq!(limits.wait_before("d@gmail.com", 2000), Duration::ZERO);
        assert_eq!(limits.wait_before("e@gmail.com", 2000), Duration::ZERO);
        // Several waiting at once get consecutive slots, not the same one.
        assert_eq!(
            limits.wait_before("h@docomo.ne.jp", 3000),
            Duration::from_millis(3000)
        );
        // After a pause the bucket has refilled, but never above one message.
        assert_eq!(limits.wait_before("f@docomo.ne.jp", 60_000), Duration::ZERO);
        assert_eq!(
            limits.wait_before("g@docomo.ne.jp", 60_000),
            Duration::from_millis(2000)
        );
    }

    #[test]
    fn configured_rates_override_and_extend() {
        let configured: HashMap<String, u32> = [
            ("docomo.ne.jp".to_owned(), 120),
            ("example.jp".to_owned(), 6),
        ]
        .into();
        let mut limits = DomainLimits::new(&configured, Some(600));
        limits.wait_before("a@docomo.ne.jp", 0);
        assert_eq!(
            limits.wait_before("b@docomo.ne.jp", 0),
            Duration::from_millis(500)
        );
        limits.wait_before("a@example.jp", 0);
        assert_eq!(
            limits.wait_before("b@example.jp", 0),
            Duration::from_millis(10_000)
        );
        limits.wait_before("a@other.example", 0);
        assert_eq!(
            limits.wait_before("b@other.example", 0),
            Duration::from_millis(100)
        );
    }
}
