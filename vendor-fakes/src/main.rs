//! `vendor-fakes`: starts every vendor fake on 127.0.0.1 at fixed ports (for Playwright and
//! manual runs) and prints, per fake, the origins to map in `outbound_origin_overrides`.

use std::net::SocketAddr;

use clap::Parser;
use vendor_fakes::{autotask, itglue, ninjaone, FakeVendor, Options};

/// Local vendor fakes (IT Glue, NinjaOne, Autotask).
#[derive(Parser)]
struct Args {
    /// Port of the IT Glue fake.
    #[arg(long, default_value_t = 4101)]
    itglue_port: u16,
    /// Port of the NinjaOne fake.
    #[arg(long, default_value_t = 4102)]
    ninjaone_port: u16,
    /// Port of the Autotask fake.
    #[arg(long, default_value_t = 4103)]
    autotask_port: u16,
}

fn print(name: &str, fake: &FakeVendor) {
    println!("{name} {}", fake.origin);
    for real in &fake.real_origins {
        println!("  override {real} = {}", fake.origin);
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let at = |port: u16| SocketAddr::from(([127, 0, 0, 1], port));
    let itglue = itglue::spawn_on(Options::default(), at(args.itglue_port)).await?;
    let ninjaone = ninjaone::spawn_on(Options::default(), at(args.ninjaone_port)).await?;
    let autotask = autotask::spawn_on(Options::default(), at(args.autotask_port)).await?;
    print("itglue", &itglue);
    print("ninjaone", &ninjaone);
    print("autotask", &autotask);
    tokio::signal::ctrl_c().await
}
