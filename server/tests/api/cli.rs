//! The `mcp-gateway` binary itself: help, configuration refusal, migrate, keygen, SIGTERM, admin;
//! `keys rotate` in the sibling `cli_keys.rs`.

use sea_orm::EntityTrait;
use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use crate::helpers::MASTER_KEY_B64;

#[path = "cli_keys.rs"]
mod keys;

fn gateway() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcp-gateway"));
    // Start from a clean configuration environment.
    for (key, _) in std::env::vars() {
        if key.starts_with("GATEWAY_") || key == "DATABASE_URL" {
            command.env_remove(key);
        }
    }
    command
}

#[test]
fn help_lists_the_commands() {
    let output = gateway().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for command in ["serve", "migrate", "keygen", "keys", "admin"] {
        assert!(help.contains(command), "{command} in {help}");
    }
}

#[test]
fn dev_login_on_a_public_address_refuses_to_start_with_a_clear_message() {
    let output = gateway()
        .arg("serve")
        .env("GATEWAY_DEV_LOGIN", "true")
        .env("GATEWAY_BIND", "0.0.0.0:0")
        .env("GATEWAY_MASTER_KEY", MASTER_KEY_B64)
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("GATEWAY_DEV_LOGIN")
            && stderr.contains("GATEWAY_DEV_LOGIN_ALLOW_REMOTE=true"),
        "{stderr}"
    );
}

#[test]
fn a_bad_setting_names_its_key() {
    let output = gateway()
        .env("GATEWAY_LOG_FORMAT", "xml")
        .env("GATEWAY_MASTER_KEY", MASTER_KEY_B64)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("GATEWAY_LOG_FORMAT") && stderr.contains("xml"),
        "{stderr}"
    );
}

#[test]
fn migrate_applies_then_reports_an_up_to_date_schema() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
    let first = gateway()
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out = String::from_utf8(first.stdout).unwrap();
    let all = <migration::Migrator as migration::MigratorTrait>::migrations().len();
    assert!(
        out.contains(&format!("applied {all} migration(s)")),
        "{out}"
    );
    let second = gateway()
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(String::from_utf8(second.stdout)
        .unwrap()
        .contains("schema up to date"));
}

#[test]
fn keygen_writes_a_private_key_file_the_server_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("master.key");
    assert!(gateway()
        .args(["keygen", "--out"])
        .arg(&key)
        .status()
        .unwrap()
        .success());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(
        !gateway()
            .args(["keygen", "--out"])
            .arg(&key)
            .status()
            .unwrap()
            .success(),
        "never overwrites"
    );
}

#[test]
fn sigterm_stops_the_server_promptly_and_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = gateway()
        .arg("serve")
        .current_dir(dir.path())
        .env("GATEWAY_BIND", "127.0.0.1:0")
        .env("GATEWAY_MASTER_KEY", MASTER_KEY_B64)
        .env("GATEWAY_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The listening line carries the real port.
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut addr = None;
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            addr = Some(rest.split('"').next().unwrap().to_owned());
            break;
        }
    }
    let addr = addr.expect("server announced its address");
    // A keep-alive connection is open when the signal arrives.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    let status = runtime.block_on(async {
        client
            .get(format!("http://{addr}/health"))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    let started = Instant::now();
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            panic!("still running 5 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    // The default database and directory were created in the working directory.
    assert!(dir.path().join("data/gateway.db").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_grant_and_revoke_manage_operators_by_identity_never_by_email() {
    use domain::{
        auth::dev_login::{self, DevSignIn},
        operators::{self, OperatorSources},
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("a.db").display());
    let run = |args: &[&str]| {
        gateway()
            .args(args)
            .env("DATABASE_URL", &url)
            .env("GATEWAY_MASTER_KEY", crate::helpers::MASTER_KEY_B64)
            .output()
            .unwrap()
    };
    // Migrate, then create a user the way a sign-in does.
    assert!(run(&["migrate"]).status.success());
    let db = domain::db::connect(&domain::config::DatabaseSettings {
        url: secrecy::SecretString::from(url.clone()),
        max_connections: 2,
    })
    .await
    .unwrap();
    let user = dev_login::sign_in(
        &db,
        DevSignIn::parse("Olga Operator", "olga@example.com").unwrap(),
        domain::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let sources = OperatorSources {
        configured: &[],
        auth0_issuer: None,
    };

    let by_email = run(&["admin", "grant", "olga@example.com"]);
    assert_eq!(
        by_email.status.code(),
        Some(2),
        "an email alone is not a user reference"
    );
    assert!(String::from_utf8_lossy(&by_email.stderr).contains("dev:<email>"));
    let unknown = run(&["admin", "grant", "dev:nobody@example.com"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("must sign in to the portal once"));
    assert!(!operators::is_operator(&db, sources, user.id).await.unwrap());

    let grant = run(&["admin", "grant", "dev:olga@example.com"]);
    assert!(
        grant.status.success(),
        "{}",
        String::from_utf8_lossy(&grant.stderr)
    );
    assert!(operators::is_operator(&db, sources, user.id).await.unwrap());
    let users = String::from_utf8(run(&["admin", "users"]).stdout).unwrap();
    assert!(
        users.contains(&user.id.to_string())
            && users.contains("dev:olga@example.com")
            && users.contains("granted"),
        "{users}"
    );

    let revoke = run(&["admin", "revoke", &user.id.to_string()]);
    assert!(revoke.status.success());
    assert!(!operators::is_operator(&db, sources, user.id).await.unwrap());
    let actions: Vec<String> = domain::entity::audit_events::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["operator.grant", "operator.revoke"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_invite_codes_plans_and_organisations_from_the_command_line() {
    use domain::{
        auth::dev_login::{self, DevSignIn},
        organizations::{self, Plan},
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("a.db").display());
    let run = |args: &[&str]| {
        let output = gateway()
            .args(args)
            .env("DATABASE_URL", &url)
            .env("GATEWAY_MASTER_KEY", crate::helpers::MASTER_KEY_B64)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    assert_eq!(run(&["migrate"]).0, Some(0));
    let db = domain::db::connect(&domain::config::DatabaseSettings {
        url: secrecy::SecretString::from(url.clone()),
        max_connections: 2,
    })
    .await
    .unwrap();
    let now = domain::OffsetDateTime::now_utc;

    // A code is printed once, on stdout alone; the list never shows it.
    let (code, stdout, stderr) = run(&[
        "admin",
        "invite-codes",
        "create",
        "--label",
        "Acme pilot",
        "--max-uses",
        "2",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let secret = stdout.trim().to_owned();
    assert!(secret.starts_with("PRO-") && secret.len() == 27, "{stdout}");
    let (_, list, _) = run(&["admin", "invite-codes", "list"]);
    assert!(
        list.contains("Acme pilot\t0\t2\tactive") && !list.contains(&secret),
        "{list}"
    );

    // It makes a new organisation Pro; the default plan moves new ones to Pro without a code.
    let ada = dev_login::sign_in(
        &db,
        DevSignIn::parse("Ada", "ada@example.com").unwrap(),
        now(),
    )
    .await
    .unwrap();
    let acme = organizations::create(
        &db,
        &ada,
        "Acme",
        Some(&secret),
        Plan::Free,
        &Default::default(),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(acme.plan, Plan::Pro);
    let (_, shown, _) = run(&["admin", "default-plan"]);
    assert_eq!(shown.trim(), "new organisations start on the free plan");
    let (code, shown, _) = run(&["admin", "default-plan", "pro"]);
    assert_eq!(
        (code, shown.trim()),
        (Some(0), "new organisations start on the pro plan")
    );
    assert_eq!(run(&["admin", "default-plan", "gold"]).0, Some(2));

    // Organisations are listed (`teams`, the old name, still works) and their plan set by id.
    let (code, listed, stderr) = run(&["admin", "organisations"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        listed.contains(&format!("{}\tAcme\tpro\t1\tAda", acme.id)),
        "{listed}"
    );
    assert_eq!(run(&["admin", "teams"]).1, listed);
    let (code, stdout, stderr) = run(&["admin", "set-plan", &acme.id.to_string(), "free"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout.trim(),
        format!("organisation {} is on the free plan", acme.id)
    );
    assert_eq!(
        organizations::membership(&db, ada.id)
            .await
            .unwrap()
            .unwrap()
            .organization
            .plan,
        Plan::Free
    );
    let (code, _, stderr) = run(&["admin", "set-plan", "not-an-id", "free"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not an organisation id"), "{stderr}");
    // The help names organisations; the old name stays out of it.
    let (_, help, _) = run(&["admin", "--help"]);
    assert!(
        help.contains("organisations") && !help.contains("teams"),
        "{help}"
    );

    // Revoked: listed as such, refused when redeemed.
    let id = list
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(run(&["admin", "invite-codes", "revoke", &id]).0, Some(0));
    assert!(run(&["admin", "invite-codes", "list"])
        .1
        .contains("\trevoked\t"));
    let bob = dev_login::sign_in(
        &db,
        DevSignIn::parse("Bob", "bob@example.com").unwrap(),
        now(),
    )
    .await
    .unwrap();
    assert!(organizations::create(
        &db,
        &bob,
        "Bobco",
        Some(&secret),
        Plan::Free,
        &Default::default(),
        now()
    )
    .await
    .is_err());

    let actions: Vec<String> = domain::entity::audit_events::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for expected in [
        "invite_code.create",
        "organization.create",
        "plan.default_change",
        "plan.change",
        "invite_code.revoke",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
}
