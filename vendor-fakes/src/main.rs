//! `vendor-fakes`: starts every vendor fake on 127.0.0.1 (fixed ports by default, `0` for free
//! ones; for Playwright and manual runs), prints per fake the origins to map in
//! `outbound_origin_overrides`, then `ready`, and reads failure switches from standard input:
//! one line `<fake> <mode>` each (e.g. `itglue unauthorized`, `itglue ok`), answered `ok <line>`
//! or `error <why>`. `microsoft365 refuse_refresh` / `microsoft365 allow_refresh` switch the
//! Microsoft 365 fake's refusal of refresh tokens; `microsoft365 token_lifetime:<seconds>` the
//! lifetime of the access tokens it issues.

use std::{io::BufRead, net::SocketAddr, sync::Arc};

use clap::Parser;
use vendor_fakes::{
    atera, autotask, auvik, connectwise_automate, connectwise_psa, datto_rmm, halopsa, hudu,
    huntress, itglue, knowbe4, microsoft365, ninjaone, sentinelone, syncro, FailureMode,
    FakeVendor, Options,
};

/// Local vendor fakes, one per built-in HTTP vendor definition.
#[derive(Parser)]
struct Args {
    /// Every fake on a free port (the per-fake ports below are then ignored).
    #[arg(long)]
    free_ports: bool,
    /// Port of the IT Glue fake (0: a free one).
    #[arg(long, default_value_t = 4101)]
    itglue_port: u16,
    /// Port of the NinjaOne fake (0: a free one).
    #[arg(long, default_value_t = 4102)]
    ninjaone_port: u16,
    /// Port of the Autotask fake (0: a free one).
    #[arg(long, default_value_t = 4103)]
    autotask_port: u16,
    /// Port of the Datto RMM fake (0: a free one).
    #[arg(long, default_value_t = 4111)]
    datto_rmm_port: u16,
    /// Port of the ConnectWise PSA fake (0: a free one).
    #[arg(long, default_value_t = 4112)]
    connectwise_psa_port: u16,
    /// Port of the HaloPSA fake (0: a free one).
    #[arg(long, default_value_t = 4113)]
    halopsa_port: u16,
    /// Port of the Syncro fake (0: a free one).
    #[arg(long, default_value_t = 4114)]
    syncro_port: u16,
    /// Port of the Atera fake (0: a free one).
    #[arg(long, default_value_t = 4121)]
    atera_port: u16,
    /// Port of the Hudu fake (0: a free one).
    #[arg(long, default_value_t = 4122)]
    hudu_port: u16,
    /// Port of the Huntress fake (0: a free one).
    #[arg(long, default_value_t = 4123)]
    huntress_port: u16,
    /// Port of the SentinelOne fake (0: a free one).
    #[arg(long, default_value_t = 4124)]
    sentinelone_port: u16,
    /// Port of the Auvik fake (0: a free one).
    #[arg(long, default_value_t = 4131)]
    auvik_port: u16,
    /// Port of the KnowBe4 fake (0: a free one).
    #[arg(long, default_value_t = 4132)]
    knowbe4_port: u16,
    /// Port of the ConnectWise Automate fake (0: a free one).
    #[arg(long, default_value_t = 4133)]
    connectwise_automate_port: u16,
    /// Port of the Microsoft 365 fake (identity platform and Graph; 0: a free one).
    #[arg(long, default_value_t = 4104)]
    microsoft365_port: u16,
}

fn print(name: &str, fake: &FakeVendor) {
    println!("{name} {}", fake.origin);
    for real in &fake.real_origins {
        println!("  override {real} = {}", fake.origin);
    }
}

/// A failure mode by its command-line name; `Ok(None)` switches failures off.
fn mode(name: &str) -> Result<Option<FailureMode>, String> {
    Ok(Some(match name {
        "ok" | "off" => return Ok(None),
        "unauthorized" => FailureMode::Unauthorized,
        "forbidden" => FailureMode::Forbidden,
        "not_found" => FailureMode::NotFound,
        "server_error" => FailureMode::ServerErrorEchoingCredential,
        "html" => FailureMode::HtmlPage,
        "hang" => FailureMode::Hang,
        other => match other.strip_prefix("rate_limited") {
            Some(rest) => FailureMode::RateLimited {
                retry_after: rest.trim_start_matches(':').parse().unwrap_or(5),
            },
            None => return Err(format!("unknown mode {other:?}")),
        },
    }))
}

/// Applies one `<fake> <mode>` line.
fn switch(fakes: &[(&str, Arc<FakeVendor>)], line: &str) -> Result<(), String> {
    let mut words = line.split_whitespace();
    let (Some(name), Some(wanted), None) = (words.next(), words.next(), words.next()) else {
        return Err("expected `<fake> <mode>`".into());
    };
    let fake = fakes
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| f)
        .ok_or_else(|| format!("unknown fake {name:?}"))?;
    // The Microsoft 365 fake's token endpoint can refuse refresh tokens (`invalid_grant`).
    match (name, wanted) {
        ("microsoft365", "refuse_refresh") => microsoft365::refuse_refresh(fake, true),
        ("microsoft365", "allow_refresh") => microsoft365::refuse_refresh(fake, false),
        ("microsoft365", lifetime) if lifetime.starts_with("token_lifetime:") => {
            let seconds = lifetime
                .trim_start_matches("token_lifetime:")
                .parse()
                .map_err(|_| format!("bad lifetime {lifetime:?}"))?;
            microsoft365::set_token_lifetime(fake, seconds);
        }
        _ => fake.set_failure(mode(wanted)?),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let free = args.free_ports;
    let at = |port: u16| SocketAddr::from(([127, 0, 0, 1], if free { 0 } else { port }));
    let itglue = itglue::spawn_on(Options::default(), at(args.itglue_port)).await?;
    let ninjaone = ninjaone::spawn_on(Options::default(), at(args.ninjaone_port)).await?;
    let autotask = autotask::spawn_on(Options::default(), at(args.autotask_port)).await?;
    let datto_rmm = datto_rmm::spawn_on(Options::default(), at(args.datto_rmm_port)).await?;
    let connectwise_psa =
        connectwise_psa::spawn_on(Options::default(), at(args.connectwise_psa_port)).await?;
    let halopsa = halopsa::spawn_on(Options::default(), at(args.halopsa_port)).await?;
    let syncro = syncro::spawn_on(Options::default(), at(args.syncro_port)).await?;
    print("itglue", &itglue);
    print("ninjaone", &ninjaone);
    print("autotask", &autotask);
    print("datto-rmm", &datto_rmm);
    print("connectwise-psa", &connectwise_psa);
    print("halopsa", &halopsa);
    print("syncro", &syncro);
    let atera = atera::spawn_on(Options::default(), at(args.atera_port)).await?;
    let hudu = hudu::spawn_on(Options::default(), at(args.hudu_port)).await?;
    let huntress = huntress::spawn_on(Options::default(), at(args.huntress_port)).await?;
    let sentinelone = sentinelone::spawn_on(Options::default(), at(args.sentinelone_port)).await?;
    print("atera", &atera);
    print("hudu", &hudu);
    print("huntress", &huntress);
    print("sentinelone", &sentinelone);
    let auvik = auvik::spawn_on(Options::default(), at(args.auvik_port)).await?;
    let knowbe4 = knowbe4::spawn_on(Options::default(), at(args.knowbe4_port)).await?;
    let automate =
        connectwise_automate::spawn_on(Options::default(), at(args.connectwise_automate_port))
            .await?;
    print("auvik", &auvik);
    print("knowbe4", &knowbe4);
    print("connectwise-automate", &automate);
    let microsoft365 =
        microsoft365::spawn_on(Options::default(), at(args.microsoft365_port)).await?;
    print("microsoft365", &microsoft365);
    println!("ready");
    let fakes = vec![
        ("itglue", Arc::new(itglue)),
        ("ninjaone", Arc::new(ninjaone)),
        ("autotask", Arc::new(autotask)),
        ("datto-rmm", Arc::new(datto_rmm)),
        ("connectwise-psa", Arc::new(connectwise_psa)),
        ("halopsa", Arc::new(halopsa)),
        ("syncro", Arc::new(syncro)),
        ("atera", Arc::new(atera)),
        ("hudu", Arc::new(hudu)),
        ("huntress", Arc::new(huntress)),
        ("sentinelone", Arc::new(sentinelone)),
        ("auvik", Arc::new(auvik)),
        ("knowbe4", Arc::new(knowbe4)),
        ("connectwise-automate", Arc::new(automate)),
        ("microsoft365", Arc::new(microsoft365)),
    ];
    // Standard input is read on its own thread (blocking reads); at its end the fakes keep
    // serving until Ctrl+C or SIGTERM.
    let switches = fakes.clone();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match switch(&switches, line) {
                Ok(()) => println!("ok {line}"),
                Err(why) => println!("error {why}"),
            }
        }
    });
    tokio::signal::ctrl_c().await?;
    drop(fakes);
    Ok(())
}
