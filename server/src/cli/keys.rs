//! `mcp-gateway keys …`: master-key rotation from the command line.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use domain::{
    audit::Actor,
    config::{RawSettings, Settings},
    db,
    vault::{self, Vault},
    OffsetDateTime,
};

#[derive(Debug, Subcommand)]
pub(super) enum KeysCommand {
    /// Re-wrap every data key under the current master key (the last step of a rotation).
    ///
    /// Rotating the master key without downtime:
    ///   1. mcp-gateway keygen --out /etc/mcp-gateway/master-new.key
    ///   2. make the new key the master key (master_key_file / GATEWAY_MASTER_KEY_FILE) and the
    ///      old one the previous key (master_key_previous_file / GATEWAY_MASTER_KEY_PREVIOUS_FILE)
    ///   3. restart every replica: each reads secrets under either key
    ///   4. mcp-gateway keys rotate   (prints the counts; safe to run again or to interrupt)
    ///   5. remove master_key_previous from the configuration and restart again
    ///
    /// Run it with the same configuration as the server. It exits with status 1 when a data key
    /// is under a master key this configuration does not hold: keep that key as
    /// master_key_previous and run it again before retiring it.
    #[command(verbatim_doc_comment)]
    Rotate,
}

/// Runs a `keys` command.
pub(super) async fn run(config: Option<PathBuf>, command: KeysCommand) -> anyhow::Result<()> {
    let settings = Settings::from_raw(RawSettings::from_env_and_file(config.as_deref())?)?;
    let db = db::connect(&settings.database).await?;
    db::migrate(&db).await?;
    match command {
        KeysCommand::Rotate => {
            let Settings {
                master_key,
                previous_master_key,
                ..
            } = settings;
            let vault = Vault::new(master_key, previous_master_key);
            let report = vault::rotate_and_record(
                &db,
                &vault,
                Actor::CommandLine,
                &Default::default(),
                OffsetDateTime::now_utc(),
            )
            .await
            .context("Failed to re-wrap the data keys")?;
            println!("current master key: {}", vault.current_kek_id());
            println!(
                "re-wrapped {}, already current {}, under an unknown master key {}, damaged {}",
                report.rewrapped, report.already_current, report.unknown_kek, report.damaged
            );
            db.close().await?;
            if !report.is_complete() {
                anyhow::bail!(
                    "{} data key(s) are still under another master key; keep the key they need as \
                     master_key_previous (GATEWAY_MASTER_KEY_PREVIOUS_FILE) and run `mcp-gateway keys rotate` \
                     again (damaged rows are named in the log)",
                    report.unknown_kek + report.damaged
                );
            }
            if vault.previous_kek_id().is_some() {
                println!(
                    "every data key is under the current master key: remove master_key_previous \
                     from the configuration and restart"
                );
            }
        }
    }
    Ok(())
}
