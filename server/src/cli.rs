//! The command line: `mcp-gateway [serve]`, `migrate`, `keygen`, `keys`, `admin`.

mod keys;

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use domain::{
    config::{ConfigError, RawSettings, Settings},
    crypto::MasterKey,
    db,
};
use leptos::config::LeptosOptions;

use crate::{shutdown, startup::Application, telemetry};

/// Name of the site bundle cargo-leptos builds (`[[workspace.metadata.leptos]] name`).
const OUTPUT_NAME: &str = "mcp-gateway";

/// The MCP gateway: one URL for your AI clients, your vendor tools behind it.
#[derive(Debug, Parser)]
#[command(name = "mcp-gateway", version, about, long_about = None)]
struct Cli {
    /// Configuration file (default: ./gateway.toml when present).
    #[arg(long, global = true, env = "GATEWAY_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gateway (the default when no command is given).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Write a new random master key to a file created with mode 0600 (never overwrites).
    Keygen {
        /// Where to write the key.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Master-key rotation: `keys rotate` re-wraps every data key under the current master key.
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Manage operators (platform administrators).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Make a user an operator. USER is a user id, entra:<tenant id>:<object id>, auth0:<sub> or
    /// dev:<email>; the person must have signed in once.
    Grant {
        /// The user.
        user: String,
    },
    /// Take operator rights granted with `grant` away (configured operators stay).
    Revoke {
        /// The user.
        user: String,
    },
    /// List operators (granted and configured).
    List,
    /// List users with their ids and identities.
    Users,
    /// Pro invite codes: create, list, revoke.
    InviteCodes {
        #[command(subcommand)]
        command: InviteCodeCommand,
    },
    /// Show or set the plan new organisations start on (`free` or `pro`; `pro` makes the instance
    /// limit-free). Overrides the `default_plan` configuration key.
    DefaultPlan {
        /// `free` or `pro`; omit to show the current one.
        plan: Option<String>,
    },
    /// List organisations with their plan and members.
    // `teams`: the portal's old word for an organisation; scripts written then keep working.
    #[command(alias = "teams")]
    Organisations,
    /// Set an organisation's plan.
    SetPlan {
        /// The organisation's id (`mcp-gateway admin organisations` lists them).
        #[arg(value_name = "ORGANISATION")]
        organization: String,
        /// `free` or `pro`.
        plan: String,
    },
}

#[derive(Debug, Subcommand)]
enum InviteCodeCommand {
    /// Create a code; it is printed once and stored only as a hash.
    Create {
        /// Who the code is for (shown in lists).
        #[arg(long)]
        label: String,
        /// How many organisations may redeem it (default: no limit).
        #[arg(long)]
        max_uses: Option<u32>,
    },
    /// List codes (never the codes themselves).
    List,
    /// Revoke a code by its id.
    Revoke {
        /// The code's id (`invite-codes list`).
        id: String,
    },
}

/// Parses the command line, runs the command and maps the outcome to an exit code
/// (0 ok, 1 runtime failure, 2 configuration error).
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(cli.config).await,
            Command::Migrate => migrate(cli.config).await,
            Command::Keygen { out } => keygen(&out),
            Command::Keys { command } => keys::run(cli.config, command).await,
            Command::Admin { command } => admin(cli.config, command).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(config) = e.downcast_ref::<ConfigError>() {
                eprintln!("error: {config}");
                return ExitCode::from(2);
            }
            tracing::error!(error = ?e, "mcp-gateway failed");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Option<PathBuf>) -> anyhow::Result<()> {
    let settings = Settings::from_raw(RawSettings::from_env_and_file(config.as_deref())?)?;
    telemetry::init(&settings.log);
    if settings.dev_login.enabled {
        tracing::warn!("the development sign-in is ON: anyone who can reach this gateway can sign in as anyone");
    }
    let app = Application::build(settings, leptos_options()?).await?;
    let addr = app.local_addr()?;
    tracing::info!(%addr, "listening on http://{addr}");
    app.run_until_stopped(shutdown::signal()).await
}

async fn migrate(config: Option<PathBuf>) -> anyhow::Result<()> {
    let raw = RawSettings::from_env_and_file(config.as_deref())?;
    let database = domain::config::database_settings(&raw)?;
    let db = db::connect(&database).await?;
    let pending = db::pending_migrations(&db).await?;
    db::migrate(&db).await?;
    println!(
        "applied {} migration(s){}",
        pending.len(),
        if pending.is_empty() {
            "; schema up to date"
        } else {
            ""
        }
    );
    for name in pending {
        println!("  {name}");
    }
    Ok(())
}

async fn admin(config: Option<PathBuf>, command: AdminCommand) -> anyhow::Result<()> {
    use domain::{audit::Actor, operators, users::UserRef, OffsetDateTime};
    let settings = Settings::from_raw(RawSettings::from_env_and_file(config.as_deref())?)?;
    let db = db::connect(&settings.database).await?;
    db::migrate(&db).await?;
    let auth0_issuer = settings
        .identity_providers
        .auth0
        .as_ref()
        .map(|a| a.issuer.as_str().to_owned());
    let parse = |user: &str| {
        UserRef::parse(user).map_err(|problem| ConfigError::Invalid {
            key: "USER",
            problem: format!("`{user}`: {problem}"),
        })
    };
    let now = OffsetDateTime::now_utc();
    match command {
        AdminCommand::Grant { user } => {
            let user = operators::grant(
                &db,
                &parse(&user)?,
                auth0_issuer.as_deref(),
                Actor::CommandLine,
                now,
            )
            .await?;
            println!("{} ({}) is an operator", user.display_name, user.id);
        }
        AdminCommand::Revoke { user } => {
            let user_ref = parse(&user)?;
            let (user, had_grant) = operators::revoke(
                &db,
                &user_ref,
                auth0_issuer.as_deref(),
                Actor::CommandLine,
                now,
            )
            .await?;
            if had_grant {
                println!(
                    "{} ({}) is no longer an operator",
                    user.display_name, user.id
                );
            } else {
                println!(
                    "{} ({}) had no operator grant; nothing changed",
                    user.display_name, user.id
                );
            }
            let sources = operators::OperatorSources {
                configured: &settings.operators,
                auth0_issuer: auth0_issuer.as_deref(),
            };
            if operators::is_operator(&db, sources, user.id).await? {
                println!("note: they remain an operator through the `operators` configuration key");
            }
        }
        AdminCommand::List => {
            for listing in operators::list_users(&db).await? {
                if listing.granted_operator {
                    println!(
                        "{}\t{}\tgranted\t{}",
                        listing.user.id,
                        listing.user.display_name,
                        listing.identities.join(" ")
                    );
                }
            }
            for configured in &settings.operators {
                println!("-\t-\tconfigured\t{configured}");
            }
        }
        AdminCommand::Users => {
            println!("id\tname\temail\toperator\tidentities");
            for listing in operators::list_users(&db).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    listing.user.id,
                    listing.user.display_name,
                    listing.user.email.as_deref().unwrap_or("-"),
                    if listing.granted_operator {
                        "granted"
                    } else {
                        "-"
                    },
                    listing.identities.join(" ")
                );
            }
        }
        AdminCommand::InviteCodes { command } => invite_codes(&db, command, now).await?,
        AdminCommand::DefaultPlan { plan } => {
            use domain::organizations::{default_plan, set_default_plan};
            if let Some(plan) = plan {
                set_default_plan(
                    &db,
                    parse_plan(&plan)?,
                    Actor::CommandLine,
                    &Default::default(),
                    now,
                )
                .await?;
            }
            println!(
                "new organisations start on the {} plan",
                default_plan(&db, settings.default_plan).await?.as_str()
            );
        }
        AdminCommand::Organisations => {
            println!("id\tname\tplan\tmembers\towner\tcreated");
            for o in domain::organizations::list_organizations(&db).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    o.organization.id,
                    o.organization.name,
                    o.organization.plan.as_str(),
                    o.members,
                    o.owner.as_deref().unwrap_or("-"),
                    o.organization.created_at.date()
                );
            }
        }
        AdminCommand::SetPlan { organization, plan } => {
            let id = uuid::Uuid::parse_str(organization.trim()).map_err(|_| ConfigError::Invalid {
                key: "ORGANISATION",
                problem: format!(
                    "`{organization}` is not an organisation id (`mcp-gateway admin organisations` lists them)"
                ),
            })?;
            let plan = parse_plan(&plan)?;
            domain::organizations::set_plan(
                &db,
                id,
                plan,
                Actor::CommandLine,
                &Default::default(),
                now,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("organisation {id} is on the {} plan", plan.as_str());
        }
    }
    db.close().await?;
    Ok(())
}

fn parse_plan(value: &str) -> Result<domain::organizations::Plan, ConfigError> {
    domain::organizations::Plan::parse(value).ok_or_else(|| ConfigError::Invalid {
        key: "PLAN",
        problem: format!("`{value}` is not a plan; use `free` or `pro`"),
    })
}

async fn invite_codes(
    db: &sea_orm::DatabaseConnection,
    command: InviteCodeCommand,
    now: domain::OffsetDateTime,
) -> anyhow::Result<()> {
    use domain::{audit::Actor, organizations};
    match command {
        InviteCodeCommand::Create { label, max_uses } => {
            let (row, code) = organizations::create_invite_code(
                db,
                &label,
                max_uses,
                Actor::CommandLine,
                &Default::default(),
                now,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{code}");
            eprintln!(
                "invite code {} for “{}” created; it is shown only now",
                row.id, row.label
            );
        }
        InviteCodeCommand::List => {
            println!("id\tlabel\tuses\tmax_uses\tstatus\tcreated_by");
            for c in organizations::list_invite_codes(db).await? {
                let status = match (c.revoked_at.is_some(), c.is_usable()) {
                    (true, _) => "revoked",
                    (false, true) => "active",
                    (false, false) => "used up",
                };
                println!(
                    "{}\t{}\t{}\t{}\t{status}\t{}",
                    c.id,
                    c.label,
                    c.uses,
                    c.max_uses.map_or("-".to_owned(), |m| m.to_string()),
                    c.created_by
                );
            }
        }
        InviteCodeCommand::Revoke { id } => {
            let parsed = uuid::Uuid::parse_str(id.trim()).map_err(|_| ConfigError::Invalid {
                key: "ID",
                problem: format!(
                    "`{id}` is not an invite code id (`invite-codes list` shows them)"
                ),
            })?;
            organizations::revoke_invite_code(
                db,
                parsed,
                Actor::CommandLine,
                &Default::default(),
                now,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("invite code {parsed} revoked");
        }
    }
    Ok(())
}

fn keygen(out: &std::path::Path) -> anyhow::Result<()> {
    MasterKey::generate_file(out)
        .with_context(|| format!("Failed to write a new master key to {}", out.display()))?;
    println!(
        "wrote a new master key to {} (mode 0600); set GATEWAY_MASTER_KEY_FILE={}",
        out.display(),
        out.display()
    );
    Ok(())
}

/// Leptos' options from the `LEPTOS_*` environment cargo-leptos sets, with the bundle name fixed
/// (so the binary also runs outside cargo-leptos, from the workspace root or with LEPTOS_SITE_ROOT).
pub fn leptos_options() -> anyhow::Result<LeptosOptions> {
    let mut options = leptos::config::get_configuration(None)
        .context("Failed to read the LEPTOS_* environment")?
        .leptos_options;
    if options.output_name.is_empty() {
        options.output_name = OUTPUT_NAME.into();
    }
    Ok(options)
}
