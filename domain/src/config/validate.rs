//! Turning [`RawSettings`] into [`Settings`]: every check reports the key and the fix.

use std::{net::SocketAddr, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use url::{Host, Url};

use super::{
    raw::DEFAULT_DATABASE_URL, Auth0Settings, ConfigError, DatabaseSettings, DevLoginSettings,
    EntraSettings, IdentityProviderSettings, LogFormat, LogSettings, MasterKeySource, PublicUrl,
    RawSettings, SessionSettings, Settings,
};
use crate::{crypto::MasterKey, users::UserRef};

impl Settings {
    /// Validates every key; the first problem found is returned.
    pub fn from_raw(raw: RawSettings) -> Result<Self, ConfigError> {
        let public_url = parse_public_url(&raw.public_url)?;
        let oauth = parse_oauth(&public_url, &raw)?;
        let onboarding = parse_onboarding(&raw)?;
        let outbound = parse_outbound(&raw)?;
        let egress_ip = parse_egress_ip(raw.egress_ip.as_deref())?;
        let reliability = super::reliability::parse_reliability(&raw)?;
        let edge = super::edge::parse_edge(&raw)?;
        let oauth_apps = super::vendor_oauth::parse_vendor_oauth(&raw.vendor_oauth)?;
        let bind: SocketAddr = raw.bind.parse().map_err(|_| {
            ConfigError::invalid(
                "GATEWAY_BIND",
                format!("`{}` is not a socket address like 127.0.0.1:3000", raw.bind),
            )
        })?;
        let metrics_listen = parse_metrics_listen(raw.metrics_listen.as_deref())?;
        let database = parse_database(raw.database_url, raw.database_max_connections)?;
        let log = parse_log(&raw.log_format, raw.log_filter)?;
        let dev_login = DevLoginSettings {
            enabled: raw.dev_login,
            allow_remote: raw.dev_login_allow_remote,
        };
        if dev_login.enabled && !bind.ip().is_loopback() && !dev_login.allow_remote {
            return Err(ConfigError::invalid(
                "GATEWAY_DEV_LOGIN",
                format!(
                    "the development sign-in lets anyone sign in as anyone, and GATEWAY_BIND={bind} is not a \
                     loopback address; bind to 127.0.0.1 (or [::1]), turn GATEWAY_DEV_LOGIN off, or set \
                     GATEWAY_DEV_LOGIN_ALLOW_REMOTE=true if you really mean it"
                ),
            ));
        }
        let session = parse_session(
            raw.session_idle_timeout_minutes,
            raw.session_absolute_lifetime_hours,
        )?;
        if raw.shutdown_grace_seconds == 0 || raw.shutdown_grace_seconds > 600 {
            return Err(ConfigError::invalid(
                "GATEWAY_SHUTDOWN_GRACE_SECONDS",
                "must be between 1 and 600",
            ));
        }
        let identity_providers = IdentityProviderSettings {
            entra: parse_entra(
                raw.entra_client_id,
                raw.entra_client_secret,
                &raw.entra_authority,
                raw.entra_logout,
            )?,
            auth0: parse_auth0(
                raw.auth0_issuer,
                raw.auth0_client_id,
                raw.auth0_client_secret,
                raw.auth0_logout,
            )?,
        };
        let operators = raw
            .operators
            .entries()
            .iter()
            .map(|entry| {
                UserRef::parse(entry).map_err(|problem| {
                    ConfigError::invalid("GATEWAY_OPERATORS", format!("`{entry}`: {problem}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let default_plan =
            crate::organizations::Plan::parse(&raw.default_plan).ok_or_else(|| {
                ConfigError::invalid(
                    "GATEWAY_DEFAULT_PLAN",
                    format!("`{}` is not a plan; use `free` or `pro`", raw.default_plan),
                )
            })?;
        if raw.audit_retention_days == 0 || raw.audit_retention_days > 3650 {
            return Err(ConfigError::invalid(
                "GATEWAY_AUDIT_RETENTION_DAYS",
                "must be between 1 and 3650 (days)",
            ));
        }
        let master_key = MasterKey::load(&master_key_source(raw.master_key_file, raw.master_key)?)?;
        let previous_master_key = previous_master_key(
            &master_key,
            raw.master_key_previous_file,
            raw.master_key_previous,
        )?;
        Ok(Settings {
            public_url,
            bind,
            database,
            master_key,
            previous_master_key,
            log,
            dev_login,
            session,
            shutdown_grace: Duration::from_secs(raw.shutdown_grace_seconds),
            identity_providers,
            operators,
            default_plan,
            connections: super::ConnectionSettings {
                allow_unchecked: raw.allow_unchecked_connections,
                vendors_dir: raw.vendors_dir.clone(),
                reliability,
                oauth_apps,
            },
            audit_retention: time::Duration::days(i64::from(raw.audit_retention_days)),
            oauth,
            outbound,
            egress_ip,
            onboarding,
            edge,
            metrics_listen,
        })
    }
}

/// `metrics_listen`: a socket address, or empty/unset for no metrics listener.
fn parse_metrics_listen(value: Option<&str>) -> Result<Option<SocketAddr>, ConfigError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(value) => value.parse().map(Some).map_err(|_| {
            ConfigError::invalid(
                "GATEWAY_METRICS_LISTEN",
                format!("`{value}` is not a socket address like 127.0.0.1:9464"),
            )
        }),
    }
}

/// `onboarding` and `entra_admin_role_ids`: a known mode, and role template ids that are GUIDs.
fn parse_onboarding(raw: &RawSettings) -> Result<crate::tenants::OnboardingPolicy, ConfigError> {
    use crate::tenants::{OnboardingMode, OnboardingPolicy, TenantId};
    let mode = OnboardingMode::parse(&raw.onboarding).ok_or_else(|| {
        ConfigError::invalid(
            "GATEWAY_ONBOARDING",
            format!(
                "`{}` is not an onboarding mode; use `self-service` or `operator-approved`",
                raw.onboarding
            ),
        )
    })?;
    let admin_role_ids = raw
        .entra_admin_role_ids
        .entries()
        .iter()
        .map(|id| {
            TenantId::parse(id)
                .map(|guid| guid.as_str().to_owned())
                .ok_or_else(|| {
                    ConfigError::invalid(
                        "GATEWAY_ENTRA_ADMIN_ROLE_IDS",
                        format!("`{id}` is not a role template id (a GUID)"),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if admin_role_ids.is_empty() {
        return Err(ConfigError::invalid(
            "GATEWAY_ENTRA_ADMIN_ROLE_IDS",
            "must name at least one role (nobody could onboard a tenant)",
        ));
    }
    Ok(OnboardingPolicy {
        mode,
        admin_role_ids,
    })
}

/// The outbound guard's settings: each override entry a pair of bare origins, named when not.
fn parse_outbound(raw: &RawSettings) -> Result<crate::outbound::OutboundSettings, ConfigError> {
    const KEY: &str = "GATEWAY_OUTBOUND_ORIGIN_OVERRIDES";
    let mut outbound = crate::outbound::OutboundSettings {
        allow_private: raw.outbound_allow_private,
        ..Default::default()
    };
    let entries = raw
        .outbound_origin_overrides
        .entries()
        .map_err(|problem| ConfigError::invalid(KEY, problem))?;
    for (from, to) in &entries {
        let (key, target) =
            crate::outbound::OutboundSettings::parse_override(from, to).map_err(|problem| {
                ConfigError::invalid(KEY, format!("entry `{from}` → `{to}`: {problem}"))
            })?;
        if outbound.origin_overrides.insert(key, target).is_some() {
            return Err(ConfigError::invalid(
                KEY,
                format!("entry `{from}` → `{to}`: another entry names the same origin"),
            ));
        }
    }
    Ok(outbound)
}

fn parse_egress_ip(value: Option<&str>) -> Result<Option<std::net::IpAddr>, ConfigError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            ConfigError::invalid(
                "GATEWAY_EGRESS_IP",
                format!("`{v}` is not an IP address (like 203.0.113.7 or 2001:db8::7)"),
            )
        }),
    }
}

/// The authorization server's settings: lifetimes within sane bounds, pre-registered clients
/// with unique ids and registrable redirect URIs.
fn parse_oauth(
    public_url: &PublicUrl,
    raw: &RawSettings,
) -> Result<crate::oauth::OAuthSettings, ConfigError> {
    let mut oauth = crate::oauth::OAuthSettings::with_issuer(&public_url.origin());
    let bounded = |key: &'static str, value: u32, min: u32, max: u32| {
        if (min..=max).contains(&value) {
            Ok(i64::from(value))
        } else {
            Err(ConfigError::invalid(
                key,
                format!("must be between {min} and {max}"),
            ))
        }
    };
    oauth.access_token_lifetime = time::Duration::minutes(bounded(
        "GATEWAY_OAUTH_ACCESS_TOKEN_MINUTES",
        raw.oauth_access_token_minutes,
        1,
        60,
    )?);
    oauth.refresh_idle_lifetime = time::Duration::days(bounded(
        "GATEWAY_OAUTH_REFRESH_IDLE_DAYS",
        raw.oauth_refresh_idle_days,
        1,
        365,
    )?);
    oauth.refresh_absolute_lifetime = time::Duration::days(bounded(
        "GATEWAY_OAUTH_REFRESH_ABSOLUTE_DAYS",
        raw.oauth_refresh_absolute_days,
        1,
        730,
    )?);
    if raw.oauth_refresh_absolute_days < raw.oauth_refresh_idle_days {
        return Err(ConfigError::invalid(
            "GATEWAY_OAUTH_REFRESH_ABSOLUTE_DAYS",
            "must not be shorter than oauth_refresh_idle_days",
        ));
    }
    oauth.refresh_grace = time::Duration::seconds(bounded(
        "GATEWAY_OAUTH_REFRESH_GRACE_SECONDS",
        raw.oauth_refresh_grace_seconds,
        0,
        60,
    )?);
    for (index, client) in raw.oauth_clients.iter().enumerate() {
        let key = "oauth_clients";
        if client.client_id.trim().is_empty()
            || client.client_id.starts_with("gwc_")
            || client.client_id.starts_with("svc_")
        {
            return Err(ConfigError::invalid(
                key,
                format!(
                    "entry {}: client_id must be set and must not start with gwc_ or svc_",
                    index + 1
                ),
            ));
        }
        if raw.oauth_clients[..index]
            .iter()
            .any(|c| c.client_id == client.client_id)
        {
            return Err(ConfigError::invalid(
                key,
                format!("client_id `{}` is listed twice", client.client_id),
            ));
        }
        if client.redirect_uris.is_empty() {
            return Err(ConfigError::invalid(
                key,
                format!("`{}`: redirect_uris is empty", client.client_id),
            ));
        }
        for uri in &client.redirect_uris {
            crate::oauth::redirect::validate_registration(uri)
                .map_err(|e| ConfigError::invalid(key, format!("`{}`: {e}", client.client_id)))?;
        }
    }
    oauth.pre_registered = raw.oauth_clients.clone();
    oauth.cimd_allow_insecure_loopback = raw.oauth_cimd_allow_insecure_loopback;
    Ok(oauth)
}

pub(super) fn parse_public_url(value: &str) -> Result<PublicUrl, ConfigError> {
    const KEY: &str = "GATEWAY_PUBLIC_URL";
    let url = Url::parse(value).map_err(|e| {
        ConfigError::invalid(KEY, format!("`{value}` is not an absolute URL ({e})"))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::invalid(
            KEY,
            format!("scheme `{}` is not http or https", url.scheme()),
        ));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::invalid(
            KEY,
            format!("`{value}` must be an origin only (like https://gateway.example.com), without path, query or fragment; it becomes the OAuth issuer"),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::invalid(
            KEY,
            "must not contain user information",
        ));
    }
    if url.scheme() == "http" && !host_is_loopback(&url) {
        return Err(ConfigError::invalid(
            KEY,
            format!(
                "`{value}` uses plain http on a non-loopback host; session cookies and OAuth tokens would travel \
                 unencrypted. Use https (terminate TLS in front of the gateway) — plain http is accepted only for \
                 127.0.0.1, [::1] or localhost"
            ),
        ));
    }
    Ok(PublicUrl(url))
}

/// True for `localhost`, `127.0.0.0/8` and `[::1]`.
pub(crate) fn host_is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Only the database settings (for `mcp-gateway migrate`, which needs nothing else).
pub fn database_settings(raw: &RawSettings) -> Result<DatabaseSettings, ConfigError> {
    parse_database(raw.database_url.clone(), raw.database_max_connections)
}

fn parse_database(
    url: Option<SecretString>,
    max_connections: u32,
) -> Result<DatabaseSettings, ConfigError> {
    const KEY: &str = "DATABASE_URL";
    let url = url.unwrap_or_else(|| SecretString::from(DEFAULT_DATABASE_URL));
    let scheme = url
        .expose_secret()
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !matches!(scheme.as_str(), "sqlite" | "postgres" | "postgresql") {
        // The value may hold a password: name only the scheme.
        return Err(ConfigError::invalid(
            KEY,
            format!("scheme `{scheme}` is not supported; use sqlite://path?mode=rwc or postgres://user:password@host/db"),
        ));
    }
    if max_connections == 0 || max_connections > 1000 {
        return Err(ConfigError::invalid(
            "GATEWAY_DATABASE_MAX_CONNECTIONS",
            "must be between 1 and 1000",
        ));
    }
    Ok(DatabaseSettings {
        url,
        max_connections,
    })
}

fn parse_log(format: &str, filter: String) -> Result<LogSettings, ConfigError> {
    let format = match format.to_ascii_lowercase().as_str() {
        "text" => LogFormat::Text,
        "json" => LogFormat::Json,
        other => {
            return Err(ConfigError::invalid(
                "GATEWAY_LOG_FORMAT",
                format!("`{other}` is not one of: text, json"),
            ))
        }
    };
    if filter.trim().is_empty() {
        return Err(ConfigError::invalid(
            "GATEWAY_LOG_FILTER",
            "must not be empty (e.g. `info`)",
        ));
    }
    Ok(LogSettings { format, filter })
}

fn parse_session(idle_minutes: u64, absolute_hours: u64) -> Result<SessionSettings, ConfigError> {
    if !(5..=7 * 24 * 60).contains(&idle_minutes) {
        return Err(ConfigError::invalid(
            "GATEWAY_SESSION_IDLE_TIMEOUT_MINUTES",
            "must be between 5 and 10080 (7 days)",
        ));
    }
    if !(1..=90 * 24).contains(&absolute_hours) {
        return Err(ConfigError::invalid(
            "GATEWAY_SESSION_ABSOLUTE_LIFETIME_HOURS",
            "must be between 1 and 2160 (90 days)",
        ));
    }
    let idle_timeout = Duration::from_secs(idle_minutes * 60);
    let absolute_lifetime = Duration::from_secs(absolute_hours * 3600);
    if idle_timeout > absolute_lifetime {
        return Err(ConfigError::invalid(
            "GATEWAY_SESSION_IDLE_TIMEOUT_MINUTES",
            "must not be longer than GATEWAY_SESSION_ABSOLUTE_LIFETIME_HOURS",
        ));
    }
    Ok(SessionSettings {
        idle_timeout,
        absolute_lifetime,
    })
}

fn master_key_source(
    file: Option<std::path::PathBuf>,
    inline: Option<SecretString>,
) -> Result<MasterKeySource, ConfigError> {
    match (file, inline) {
        (Some(_), Some(_)) => Err(ConfigError::invalid(
            "GATEWAY_MASTER_KEY",
            "both GATEWAY_MASTER_KEY and GATEWAY_MASTER_KEY_FILE are set; set exactly one",
        )),
        (Some(path), None) => Ok(MasterKeySource::File(path)),
        (None, Some(key)) => Ok(MasterKeySource::Inline(key)),
        (None, None) => Err(ConfigError::invalid(
            "GATEWAY_MASTER_KEY_FILE",
            "no master key configured; it encrypts stored vendor credentials. Create one with \
             `mcp-gateway keygen --out /path/master.key` and set GATEWAY_MASTER_KEY_FILE (or GATEWAY_MASTER_KEY)",
        )),
    }
}

/// The optional previous master key: at most one source, and not the current key again (that
/// would mean the new key was never put in place, and rotating would change nothing).
fn previous_master_key(
    current: &MasterKey,
    file: Option<std::path::PathBuf>,
    inline: Option<SecretString>,
) -> Result<Option<MasterKey>, ConfigError> {
    const KEY: &str = "GATEWAY_MASTER_KEY_PREVIOUS";
    let source = match (file, inline) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(ConfigError::invalid(
                KEY,
                "both GATEWAY_MASTER_KEY_PREVIOUS and GATEWAY_MASTER_KEY_PREVIOUS_FILE are set; set at most one",
            ))
        }
        (Some(path), None) => MasterKeySource::File(path),
        (None, Some(key)) => MasterKeySource::Inline(key),
    };
    let previous = MasterKey::load_previous(&source)?;
    if bool::from(subtle::ConstantTimeEq::ct_eq(
        previous.expose().as_slice(),
        current.expose().as_slice(),
    )) {
        return Err(ConfigError::invalid(
            KEY,
            "is the same key as the master key; set the NEW key as master_key and the old one as \
             master_key_previous (create a new key with `mcp-gateway keygen --out FILE`)",
        ));
    }
    Ok(Some(previous))
}

/// Both halves of a client registration, or neither.
fn client_credentials(
    id: Option<String>,
    secret: Option<SecretString>,
    id_key: &'static str,
    secret_key: &'static str,
) -> Result<Option<(String, SecretString)>, ConfigError> {
    let id = id.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let secret = secret.filter(|s| !s.expose_secret().trim().is_empty());
    match (id, secret) {
        (None, None) => Ok(None),
        (Some(id), Some(secret)) => {
            if id.len() > 200 || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(ConfigError::invalid(
                    id_key,
                    "is not a client id (no spaces, at most 200 characters)",
                ));
            }
            Ok(Some((id, secret)))
        }
        (Some(_), None) => Err(ConfigError::invalid(
            secret_key,
            format!("{id_key} is set but the client secret is missing; set both or neither"),
        )),
        (None, Some(_)) => Err(ConfigError::invalid(
            id_key,
            format!("{secret_key} is set but the client id is missing; set both or neither"),
        )),
    }
}

/// An identity provider's URL: absolute, https (http only on loopback, for local stand-ins),
/// no query, fragment or user information.
fn provider_url(key: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|e| {
        ConfigError::invalid(key, format!("`{value}` is not an absolute URL ({e})"))
    })?;
    match url.scheme() {
        "https" => {}
        "http" if host_is_loopback(&url) => {}
        other => {
            return Err(ConfigError::invalid(
                key,
                format!("`{value}` must use https (scheme `{other}`; plain http is accepted only on a loopback host)"),
            ))
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::invalid(
            key,
            format!("`{value}` must not have a query or fragment"),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::invalid(
            key,
            "must not contain user information",
        ));
    }
    Ok(url)
}

fn parse_entra(
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    authority: &str,
    logout: bool,
) -> Result<Option<EntraSettings>, ConfigError> {
    const AUTHORITY: &str = "GATEWAY_ENTRA_AUTHORITY";
    let Some((client_id, client_secret)) = client_credentials(
        client_id,
        client_secret,
        "GATEWAY_ENTRA_CLIENT_ID",
        "GATEWAY_ENTRA_CLIENT_SECRET",
    )?
    else {
        return Ok(None);
    };
    let mut authority = provider_url(AUTHORITY, authority.trim())?;
    let path = authority.path().trim_end_matches('/').to_owned();
    if ["/organizations", "/common", "/consumers", "/v2.0"]
        .iter()
        .any(|suffix| path.ends_with(suffix))
    {
        return Err(ConfigError::invalid(
            AUTHORITY,
            format!(
                "`{authority}` names a tenant or version; give only the authority, like \
                 https://login.microsoftonline.com (the gateway adds /organizations/v2.0 itself)"
            ),
        ));
    }
    authority.set_path(&path);
    Ok(Some(EntraSettings {
        authority,
        client_id,
        client_secret,
        logout,
    }))
}

fn parse_auth0(
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    logout: bool,
) -> Result<Option<Auth0Settings>, ConfigError> {
    const ISSUER: &str = "GATEWAY_AUTH0_ISSUER";
    let issuer = issuer
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    let credentials = client_credentials(
        client_id,
        client_secret,
        "GATEWAY_AUTH0_CLIENT_ID",
        "GATEWAY_AUTH0_CLIENT_SECRET",
    )?;
    let (issuer, (client_id, client_secret)) =
        match (issuer, credentials) {
            (None, None) => return Ok(None),
            (Some(issuer), Some(credentials)) => (issuer, credentials),
            (None, Some(_)) => return Err(ConfigError::invalid(
                ISSUER,
                "the Auth0 client id and secret are set but the issuer is missing; set it to your \
                 Auth0 domain, like tenant.eu.auth0.com (or your custom domain)",
            )),
            (Some(_), None) => {
                return Err(ConfigError::invalid(
                    "GATEWAY_AUTH0_CLIENT_ID",
                    "GATEWAY_AUTH0_ISSUER is set but the client id and secret are missing",
                ))
            }
        };
    // A bare domain (as the Auth0 dashboard shows it) means https://domain/.
    let issuer = if issuer.contains("://") {
        issuer
    } else {
        format!("https://{issuer}/")
    };
    let mut url = provider_url(ISSUER, &issuer)?;
    // Auth0's issuer always ends with a slash, and ID tokens carry it; compared exactly later.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(Some(Auth0Settings {
        issuer: url,
        client_id,
        client_secret,
        logout,
    }))
}
