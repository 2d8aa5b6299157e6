//! The vendor-call reliability keys (`vendor_breaker_*`, `vendor_retry_*`) turned into
//! [`Reliability`]: each bounded, so a typo cannot turn the breaker or the retry budget off by
//! accident (`vendor_retry_max_attempts = 1` turns retries off on purpose).

use std::time::Duration;

use super::{ConfigError, RawSettings};
use crate::vendors::{BreakerSettings, Reliability, RetrySettings};

fn within(
    key: &'static str,
    value: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ConfigError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError::invalid(
            key,
            format!("must be between {} and {}", range.start(), range.end()),
        ))
    }
}

/// Validates the four keys.
pub(super) fn parse_reliability(raw: &RawSettings) -> Result<Reliability, ConfigError> {
    let failures = within(
        "GATEWAY_VENDOR_BREAKER_FAILURES",
        raw.vendor_breaker_failures,
        1..=100,
    )?;
    let cool_down = within(
        "GATEWAY_VENDOR_BREAKER_COOLDOWN_SECONDS",
        raw.vendor_breaker_cooldown_seconds,
        1..=3600,
    )?;
    let attempts = within(
        "GATEWAY_VENDOR_RETRY_MAX_ATTEMPTS",
        raw.vendor_retry_max_attempts,
        1..=5,
    )?;
    let percent = within(
        "GATEWAY_VENDOR_RETRY_BUDGET_PERCENT",
        raw.vendor_retry_budget_percent,
        0..=50,
    )?;
    Ok(Reliability {
        breaker: BreakerSettings {
            failures,
            cool_down: Duration::from_secs(u64::from(cool_down)),
        },
        retry: RetrySettings {
            max_attempts: attempts,
            budget_ratio: f64::from(percent) / 100.0,
            ..RetrySettings::default()
        },
    })
}
