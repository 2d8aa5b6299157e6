//! Logging: `tracing` to stdout, human-readable or JSON, one span per request carrying its id.

use domain::config::{LogFormat, LogSettings};
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

/// Installs the global subscriber. `RUST_LOG`, when set, overrides `GATEWAY_LOG_FILTER`.
pub fn init(settings: &LogSettings) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .or_else(|| EnvFilter::try_new(&settings.filter).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    // try_init: a second call (tests) keeps the first subscriber.
    let _ = match settings.format {
        LogFormat::Json => registry
            .with(
                // The span list (root first) puts the request span, with its request id, on
                // every line logged inside nested spans too, such as a vendor call made for the
                // request (security.md AUD-2).
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(true),
            )
            .try_init(),
        LogFormat::Text => registry.with(fmt::layer().with_target(false)).try_init(),
    };
}
