//! Validation of the front-door keys: trusted proxies, rate limits, the request time limit.

use std::time::Duration;

use super::{ConfigError, RawSettings};
use crate::edge::{EdgeSettings, ForwardedHeader, RateLimits, TrustedProxies};

/// The longest accepted `request_timeout_seconds`.
const MAX_REQUEST_TIMEOUT_SECONDS: u64 = 600;

/// Builds [`EdgeSettings`] from the raw keys, naming the key of the first problem.
pub(super) fn parse_edge(raw: &RawSettings) -> Result<EdgeSettings, ConfigError> {
    let trusted_proxies = TrustedProxies::parse(&raw.trusted_proxies.entries())
        .map_err(|problem| ConfigError::invalid("GATEWAY_TRUSTED_PROXIES", problem))?;
    let forwarded_header = ForwardedHeader::parse(&raw.trusted_proxy_header).ok_or_else(|| {
        ConfigError::invalid(
            "GATEWAY_TRUSTED_PROXY_HEADER",
            format!(
                "`{}` is not supported; use `x-forwarded-for` or `forwarded`",
                raw.trusted_proxy_header
            ),
        )
    })?;
    let limit = |key: &'static str, value: u32| {
        if (1..=100_000).contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::invalid(
                key,
                "must be between 1 and 100000 (requests per minute and client address)",
            ))
        }
    };
    let rate_limits = RateLimits {
        token: limit(
            "GATEWAY_RATE_LIMIT_TOKEN_PER_MINUTE",
            raw.rate_limit_token_per_minute,
        )?,
        authorize: limit(
            "GATEWAY_RATE_LIMIT_AUTHORIZE_PER_MINUTE",
            raw.rate_limit_authorize_per_minute,
        )?,
        sign_in: limit(
            "GATEWAY_RATE_LIMIT_SIGN_IN_PER_MINUTE",
            raw.rate_limit_sign_in_per_minute,
        )?,
        consent: limit(
            "GATEWAY_RATE_LIMIT_CONSENT_PER_MINUTE",
            raw.rate_limit_consent_per_minute,
        )?,
        admin_consent: limit(
            "GATEWAY_RATE_LIMIT_ADMIN_CONSENT_PER_MINUTE",
            raw.rate_limit_admin_consent_per_minute,
        )?,
    };
    if raw.request_timeout_seconds == 0 || raw.request_timeout_seconds > MAX_REQUEST_TIMEOUT_SECONDS
    {
        return Err(ConfigError::invalid(
            "GATEWAY_REQUEST_TIMEOUT_SECONDS",
            format!("must be between 1 and {MAX_REQUEST_TIMEOUT_SECONDS}"),
        ));
    }
    Ok(EdgeSettings {
        trusted_proxies,
        forwarded_header,
        rate_limits,
        request_timeout: Duration::from_secs(raw.request_timeout_seconds),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::config::StringList;

    fn raw() -> RawSettings {
        RawSettings::default()
    }

    #[test]
    fn defaults_trust_no_proxy_and_limit_every_group() {
        let edge = parse_edge(&raw()).unwrap();
        assert!(edge.trusted_proxies.is_empty());
        assert_eq!(edge.forwarded_header, ForwardedHeader::XForwardedFor);
        assert_eq!(edge.rate_limits, RateLimits::default());
        assert_eq!(edge.request_timeout, Duration::from_secs(30));
    }

    #[test]
    fn trusted_proxies_come_as_a_list_or_a_joined_string() {
        let mut settings = raw();
        settings.trusted_proxies = StringList::Joined("10.0.0.0/8, fd00::/8".into());
        let edge = parse_edge(&settings).unwrap();
        assert!(edge.trusted_proxies.contains("10.2.3.4".parse().unwrap()));
        assert!(edge.trusted_proxies.contains("fd00::1".parse().unwrap()));
    }

    type Tweak = Box<dyn Fn(&mut RawSettings)>;

    #[test]
    fn each_bad_key_is_named() {
        let cases: Vec<(&str, Tweak)> = vec![
            (
                "GATEWAY_TRUSTED_PROXIES",
                Box::new(|r| r.trusted_proxies = StringList::List(vec!["lb.internal".into()])),
            ),
            (
                "GATEWAY_TRUSTED_PROXY_HEADER",
                Box::new(|r| r.trusted_proxy_header = "x-real-ip".into()),
            ),
            (
                "GATEWAY_RATE_LIMIT_TOKEN_PER_MINUTE",
                Box::new(|r| r.rate_limit_token_per_minute = 0),
            ),
            (
                "GATEWAY_RATE_LIMIT_ADMIN_CONSENT_PER_MINUTE",
                Box::new(|r| r.rate_limit_admin_consent_per_minute = 0),
            ),
            (
                "GATEWAY_REQUEST_TIMEOUT_SECONDS",
                Box::new(|r| r.request_timeout_seconds = 0),
            ),
        ];
        for (key, tweak) in cases {
            let mut settings = raw();
            tweak(&mut settings);
            let error = parse_edge(&settings).unwrap_err().to_string();
            assert!(error.contains(key), "{key}: {error}");
        }
    }
}
