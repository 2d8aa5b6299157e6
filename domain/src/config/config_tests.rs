#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::result_large_err
)]

use figment::Jail;

use super::*;

const KEY_B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn load_in(jail: &mut Jail) -> Result<Settings, ConfigError> {
    jail.set_env("GATEWAY_MASTER_KEY", KEY_B64);
    Settings::from_raw(RawSettings::from_env_and_file(None)?)
}

fn problem(result: Result<Settings, ConfigError>) -> String {
    result
        .expect_err("configuration should have been refused")
        .to_string()
}

#[test]
fn built_in_defaults_are_a_loopback_sqlite_gateway_without_dev_login() {
    Jail::expect_with(|jail| {
        let s = load_in(jail).unwrap();
        assert_eq!(s.public_url.origin(), "http://127.0.0.1:3000");
        assert_eq!(s.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&s.database.url),
            "sqlite://data/gateway.db?mode=rwc"
        );
        assert!(!s.dev_login.enabled);
        assert_eq!(s.log.format, LogFormat::Text);
        assert!(!s.public_url.is_https());
        assert_eq!(
            s.connections.reliability,
            crate::vendors::Reliability::default()
        );
        Ok(())
    });
}

#[test]
fn metrics_are_off_by_default_and_metrics_listen_must_be_a_socket_address() {
    Jail::expect_with(|jail| {
        assert_eq!(load_in(jail).unwrap().metrics_listen, None);
        jail.set_env("GATEWAY_METRICS_LISTEN", "127.0.0.1:9464");
        assert_eq!(
            load_in(jail).unwrap().metrics_listen,
            Some("127.0.0.1:9464".parse().unwrap())
        );
        jail.set_env("GATEWAY_METRICS_LISTEN", "localhost");
        let problem = problem(load_in(jail));
        assert!(problem.contains("GATEWAY_METRICS_LISTEN"), "{problem}");
        Ok(())
    });
}

#[test]
fn the_breaker_and_retry_keys_are_read() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "gateway.toml",
            "vendor_breaker_failures = 2\nvendor_breaker_cooldown_seconds = 90\n",
        )?;
        jail.set_env("GATEWAY_VENDOR_RETRY_MAX_ATTEMPTS", "1");
        jail.set_env("GATEWAY_VENDOR_RETRY_BUDGET_PERCENT", "20");
        let r = load_in(jail).unwrap().connections.reliability;
        assert_eq!(r.breaker.failures, 2);
        assert_eq!(r.breaker.cool_down, std::time::Duration::from_secs(90));
        assert_eq!(r.retry.max_attempts, 1);
        assert!((r.retry.budget_ratio - 0.2).abs() < 1e-9);
        Ok(())
    });
}

#[test]
fn the_file_overrides_defaults_and_the_environment_overrides_the_file() {
    Jail::expect_with(|jail| {
        jail.create_file("gateway.toml", "public_url = \"https://gw.example.com\"\nbind = \"127.0.0.1:4000\"\nlog_format = \"json\"\n")?;
        jail.set_env("GATEWAY_BIND", "127.0.0.1:5000");
        jail.set_env("DATABASE_URL", "postgres://u:p@127.0.0.1/db");
        let s = load_in(jail).unwrap();
        assert_eq!(s.public_url.origin(), "https://gw.example.com");
        assert!(s.public_url.is_https());
        assert_eq!(s.bind.to_string(), "127.0.0.1:5000");
        assert_eq!(s.log.format, LogFormat::Json);
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&s.database.url),
            "postgres://u:p@127.0.0.1/db"
        );
        // GATEWAY_DATABASE_URL wins over the conventional DATABASE_URL.
        jail.set_env("GATEWAY_DATABASE_URL", "sqlite::memory:");
        let s = load_in(jail).unwrap();
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&s.database.url),
            "sqlite::memory:"
        );
        Ok(())
    });
}

#[test]
fn a_mistyped_value_names_its_key_and_environment_variable() {
    Jail::expect_with(|jail| {
        jail.set_env("GATEWAY_DEV_LOGIN", "maybe");
        let err = problem(load_in(jail));
        assert!(
            err.contains("dev_login") && err.contains("GATEWAY_DEV_LOGIN"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn an_unknown_key_in_the_file_is_refused() {
    Jail::expect_with(|jail| {
        jail.create_file("gateway.toml", "publc_url = \"https://typo.example\"\n")?;
        let err = problem(load_in(jail));
        assert!(err.contains("publc_url"), "{err}");
        Ok(())
    });
}

#[test]
fn public_url_must_be_an_origin_and_https_unless_loopback() {
    Jail::expect_with(|jail| {
        for (value, expect) in [
            ("http://gw.example.com", "plain http"),
            ("https://gw.example.com/mcp", "origin only"),
            ("ftp://gw.example.com", "not http or https"),
            ("gw.example.com", "not an absolute URL"),
            ("https://user:pw@gw.example.com", "user information"),
        ] {
            jail.set_env("GATEWAY_PUBLIC_URL", value);
            let err = problem(load_in(jail));
            assert!(
                err.contains("GATEWAY_PUBLIC_URL") && err.contains(expect),
                "{value}: {err}"
            );
        }
        for ok in [
            "http://localhost:8080",
            "http://[::1]:3000",
            "https://gw.example.com/",
        ] {
            jail.set_env("GATEWAY_PUBLIC_URL", ok);
            assert!(load_in(jail).is_ok(), "{ok}");
        }
        Ok(())
    });
}

#[test]
fn dev_login_on_a_public_bind_address_is_refused_unless_explicitly_allowed() {
    Jail::expect_with(|jail| {
        jail.set_env("GATEWAY_DEV_LOGIN", "true");
        jail.set_env("GATEWAY_BIND", "0.0.0.0:3000");
        let err = problem(load_in(jail));
        assert!(
            err.contains("GATEWAY_DEV_LOGIN")
                && err.contains("GATEWAY_DEV_LOGIN_ALLOW_REMOTE=true"),
            "{err}"
        );
        jail.set_env("GATEWAY_DEV_LOGIN_ALLOW_REMOTE", "true");
        assert!(load_in(jail).unwrap().dev_login.allow_remote);
        jail.set_env("GATEWAY_DEV_LOGIN_ALLOW_REMOTE", "false");
        jail.set_env("GATEWAY_BIND", "[::1]:3000");
        assert!(load_in(jail).unwrap().dev_login.enabled);
        Ok(())
    });
}

#[test]
fn a_missing_or_doubled_master_key_is_refused() {
    Jail::expect_with(|jail| {
        let err = problem(Settings::from_raw(
            RawSettings::from_env_and_file(None).unwrap(),
        ));
        assert!(
            err.contains("GATEWAY_MASTER_KEY_FILE") && err.contains("keygen"),
            "{err}"
        );
        jail.set_env("GATEWAY_MASTER_KEY_FILE", "/nonexistent");
        let err = problem(load_in(jail));
        assert!(err.contains("set exactly one"), "{err}");
        Ok(())
    });
}

#[test]
fn an_unsupported_database_scheme_is_refused_without_echoing_the_url() {
    Jail::expect_with(|jail| {
        jail.set_env("DATABASE_URL", "mysql://root:hunter2@db/gw");
        let err = problem(load_in(jail));
        assert!(
            err.contains("DATABASE_URL") && err.contains("mysql") && !err.contains("hunter2"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn bad_numbers_and_formats_name_their_key() {
    Jail::expect_with(|jail| {
        for (var, value) in [
            ("GATEWAY_LOG_FORMAT", "xml"),
            ("GATEWAY_BIND", "localhost"),
            ("GATEWAY_SHUTDOWN_GRACE_SECONDS", "0"),
            ("GATEWAY_DATABASE_MAX_CONNECTIONS", "0"),
            ("GATEWAY_SESSION_IDLE_TIMEOUT_MINUTES", "1"),
            ("GATEWAY_VENDOR_BREAKER_FAILURES", "0"),
            ("GATEWAY_VENDOR_BREAKER_COOLDOWN_SECONDS", "0"),
            ("GATEWAY_VENDOR_RETRY_MAX_ATTEMPTS", "9"),
            ("GATEWAY_VENDOR_RETRY_BUDGET_PERCENT", "80"),
        ] {
            jail.clear_env();
            jail.set_env(var, value);
            let err = problem(load_in(jail));
            assert!(err.contains(var), "{var}={value}: {err}");
        }
        Ok(())
    });
}

#[test]
fn an_explicit_config_file_that_does_not_exist_is_an_error() {
    Jail::expect_with(|jail| {
        jail.set_env("GATEWAY_CONFIG", "missing.toml");
        let err = problem(load_in(jail));
        assert!(
            err.contains("GATEWAY_CONFIG") && err.contains("missing.toml"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn identity_providers_need_both_halves_of_their_credentials() {
    Jail::expect_with(|jail| {
        assert!(load_in(jail).unwrap().identity_providers.entra.is_none());
        jail.set_env(
            "GATEWAY_ENTRA_CLIENT_ID",
            "1b7c0a3e-0000-4000-8000-000000000001",
        );
        let message = problem(load_in(jail));
        assert!(message.contains("GATEWAY_ENTRA_CLIENT_SECRET"), "{message}");
        jail.set_env("GATEWAY_ENTRA_CLIENT_SECRET", "s3cret");
        let s = load_in(jail).unwrap();
        let entra = s.identity_providers.entra.unwrap();
        assert_eq!(
            entra.authority.as_str(),
            "https://login.microsoftonline.com/"
        );
        assert!(
            !format!("{entra:?}").contains("s3cret"),
            "the secret is never printed"
        );
        jail.set_env("GATEWAY_AUTH0_CLIENT_ID", "abc");
        jail.set_env("GATEWAY_AUTH0_CLIENT_SECRET", "def");
        let message = problem(load_in(jail));
        assert!(message.contains("GATEWAY_AUTH0_ISSUER"), "{message}");
        Ok(())
    });
}

#[test]
fn the_entra_authority_is_only_an_authority() {
    Jail::expect_with(|jail| {
        jail.set_env("GATEWAY_ENTRA_CLIENT_ID", "id");
        jail.set_env("GATEWAY_ENTRA_CLIENT_SECRET", "secret");
        for bad in [
            "https://login.microsoftonline.com/organizations",
            "https://login.microsoftonline.com/common/v2.0",
            "http://login.microsoftonline.com",
            "https://login.microsoftonline.com?x=1",
        ] {
            jail.set_env("GATEWAY_ENTRA_AUTHORITY", bad);
            let message = problem(load_in(jail));
            assert!(
                message.contains("GATEWAY_ENTRA_AUTHORITY"),
                "{bad}: {message}"
            );
        }
        jail.set_env("GATEWAY_ENTRA_AUTHORITY", "http://127.0.0.1:9555/entra/");
        let s = load_in(jail).unwrap();
        assert_eq!(
            s.identity_providers.entra.unwrap().authority.as_str(),
            "http://127.0.0.1:9555/entra"
        );
        Ok(())
    });
}

#[test]
fn the_auth0_issuer_gets_its_scheme_and_trailing_slash() {
    Jail::expect_with(|jail| {
        jail.set_env("GATEWAY_AUTH0_CLIENT_ID", "id");
        jail.set_env("GATEWAY_AUTH0_CLIENT_SECRET", "secret");
        for (given, issuer) in [
            ("tenant.eu.auth0.com", "https://tenant.eu.auth0.com/"),
            (
                "https://tenant.eu.auth0.com",
                "https://tenant.eu.auth0.com/",
            ),
            ("https://login.example.com/", "https://login.example.com/"),
        ] {
            jail.set_env("GATEWAY_AUTH0_ISSUER", given);
            let s = load_in(jail).unwrap();
            assert_eq!(s.identity_providers.auth0.unwrap().issuer.as_str(), issuer);
        }
        jail.set_env("GATEWAY_AUTH0_ISSUER", "http://tenant.auth0.com/");
        assert!(problem(load_in(jail)).contains("https"));
        Ok(())
    });
}

#[test]
fn operators_are_identities_from_a_list_or_a_comma_separated_string() {
    Jail::expect_with(|jail| {
        jail.set_env(
            "GATEWAY_OPERATORS",
            "dev:ada@example.com, entra:c0a7d3e1-5b2f-4c8a-9e61-0d4f7b2a9c31:3f6b1c2d-8e4a-4b7c-9d1e-2a5f6c7b8d90",
        );
        assert_eq!(load_in(jail).unwrap().operators.len(), 2);
        jail.set_env("GATEWAY_OPERATORS", "ada@example.com");
        let message = problem(load_in(jail));
        assert!(message.contains("GATEWAY_OPERATORS"), "{message}");
        jail.clear_env();
        jail.create_file("gateway.toml", r#"operators = ["auth0:github|5512345"]"#)?;
        assert_eq!(load_in(jail).unwrap().operators.len(), 1);
        Ok(())
    });
}

#[test]
fn the_outbound_guard_is_strict_unless_configured() {
    Jail::expect_with(|jail| {
        let s = load_in(jail).unwrap();
        assert!(!s.outbound.allow_private);
        assert!(s.outbound.origin_overrides.is_empty());
        assert_eq!(s.egress_ip, None);
        assert!(!s.oauth.cimd_allow_insecure_loopback);
        jail.set_env("GATEWAY_OUTBOUND_ALLOW_PRIVATE", "true");
        jail.set_env("GATEWAY_EGRESS_IP", "203.0.113.7");
        jail.set_env("GATEWAY_OAUTH_CIMD_ALLOW_INSECURE_LOOPBACK", "true");
        let s = load_in(jail).unwrap();
        assert!(s.outbound.allow_private);
        assert_eq!(s.egress_ip, Some("203.0.113.7".parse().unwrap()));
        assert!(s.oauth.cimd_allow_insecure_loopback);
        jail.set_env("GATEWAY_EGRESS_IP", "2001:db8::7");
        assert_eq!(
            load_in(jail).unwrap().egress_ip,
            Some("2001:db8::7".parse().unwrap())
        );
        jail.set_env("GATEWAY_EGRESS_IP", "gateway.example.com");
        let message = problem(load_in(jail));
        assert!(
            message.contains("GATEWAY_EGRESS_IP") && message.contains("not an IP address"),
            "{message}"
        );
        Ok(())
    });
}

#[test]
fn origin_overrides_come_from_a_table_or_a_json_object() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "gateway.toml",
            "[outbound_origin_overrides]\n\"https://API.itglue.com/\" = \"http://127.0.0.1:4567\"\n\"https://webapi.autotask.net\" = \"http://localhost:4568\"\n",
        )?;
        let s = load_in(jail).unwrap();
        let overrides = &s.outbound.origin_overrides;
        assert_eq!(overrides.len(), 2);
        assert_eq!(
            overrides["https://api.itglue.com"].as_str(),
            "http://127.0.0.1:4567/"
        );
        assert_eq!(
            overrides["https://webapi.autotask.net"].as_str(),
            "http://localhost:4568/"
        );
        // The environment's JSON object replaces the file's table.
        jail.set_env(
            "GATEWAY_OUTBOUND_ORIGIN_OVERRIDES",
            r#"{"https://api.eu.itglue.com": "http://127.0.0.1:5000"}"#,
        );
        let s = load_in(jail).unwrap();
        assert_eq!(
            s.outbound.origin_overrides.keys().collect::<Vec<_>>(),
            ["https://api.eu.itglue.com"]
        );
        Ok(())
    });
}

#[test]
fn a_bad_origin_override_names_its_entry() {
    Jail::expect_with(|jail| {
        for (value, named) in [
            (
                r#"{"https://api.itglue.com/v1": "http://127.0.0.1:4567"}"#,
                "https://api.itglue.com/v1",
            ),
            (
                r#"{"https://api.itglue.com": "http://u:p@127.0.0.1:4567"}"#,
                "http://u:p@127.0.0.1:4567",
            ),
            (
                r#"{"https://api.itglue.com": "127.0.0.1:4567"}"#,
                "127.0.0.1:4567",
            ),
            (
                r#"{"https://a.example": "http://127.0.0.1:1", "https://A.example:443": "http://127.0.0.1:2"}"#,
                "same origin",
            ),
            ("https://api.itglue.com=http://127.0.0.1:1", "JSON object"),
            // figment reads a bracketed value as a list: its own message names the key.
            (r#"["https://api.itglue.com"]"#, "outbound_origin_overrides"),
        ] {
            jail.set_env("GATEWAY_OUTBOUND_ORIGIN_OVERRIDES", value);
            let message = problem(load_in(jail));
            assert!(
                message.contains("GATEWAY_OUTBOUND_ORIGIN_OVERRIDES") && message.contains(named),
                "{value}: {message}"
            );
        }
        Ok(())
    });
}

#[test]
fn a_previous_master_key_is_optional_checked_like_the_current_one_and_not_the_same() {
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    Jail::expect_with(|jail| {
        assert!(load_in(jail).unwrap().previous_master_key.is_none());
        let old = STANDARD.encode([7u8; 32]);
        jail.set_env("GATEWAY_MASTER_KEY_PREVIOUS", &old);
        let loaded = load_in(jail).unwrap().previous_master_key.unwrap();
        assert_eq!(loaded.expose(), &[7u8; 32]);

        jail.set_env("GATEWAY_MASTER_KEY_PREVIOUS", KEY_B64);
        let err = problem(load_in(jail));
        assert!(
            err.contains("GATEWAY_MASTER_KEY_PREVIOUS") && err.contains("same key"),
            "{err}"
        );
        jail.set_env("GATEWAY_MASTER_KEY_PREVIOUS", STANDARD.encode([7u8; 16]));
        let err = problem(load_in(jail));
        assert!(
            err.contains("GATEWAY_MASTER_KEY_PREVIOUS") && err.contains("16 bytes"),
            "{err}"
        );

        // From a file (gateway.toml key), private like the current key's.
        let path = jail.directory().join("old.key");
        std::fs::write(&path, &old).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        jail.create_file("gateway.toml", "master_key_previous_file = \"old.key\"\n")?;
        let err = problem(load_in(jail));
        assert!(err.contains("set at most one"), "{err}");
        jail.clear_env();
        let loaded = load_in(jail).unwrap().previous_master_key.unwrap();
        assert_eq!(loaded.expose(), &[7u8; 32]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = problem(load_in(jail));
            assert!(
                err.contains("GATEWAY_MASTER_KEY_PREVIOUS_FILE") && err.contains("chmod 600"),
                "{err}"
            );
        }
        Ok(())
    });
}
