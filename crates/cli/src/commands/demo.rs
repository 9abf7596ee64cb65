//! `breachdesk demo-data`: realistic data for a fictional shop.

use anyhow::anyhow;
use breachdesk_demodata::{DemoSpec, Shape, Shop, generate};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct DemoDataArgs {
    /// Which fictional shop: software or confectionery.
    #[arg(long, value_name = "SHOP")]
    pub shop: String,
    /// Number of customer accounts.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub customers: u64,
    /// Number of checkouts.
    #[arg(long, default_value_t = 10000, value_name = "M")]
    pub checkouts: u64,
    /// Random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Shape of the data: standard (the shop as it is), members-heavy
    /// (70 % signed-in members, many checkouts each), match-heavy (about half
    /// of all checkouts inside the example incident) or wide (long addresses
    /// and free-text columns).
    #[arg(long, default_value = "standard", value_name = "SHAPE")]
    pub shape: String,
    /// Output directory (customers.csv and checkouts.csv are written there).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: DemoDataArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let shop: Shop = args.shop.parse().map_err(|e| anyhow!("--shop: {e}"))?;
    let shape: Shape = args.shape.parse().map_err(|e| anyhow!("--shape: {e}"))?;
    let spec = DemoSpec {
        shop,
        shape,
        customers: args.customers,
        checkouts: args.checkouts,
        seed: args.seed,
    };
    let out = generate(&spec, &args.out)?;
    eprintln!(
        "{} customers -> {}\n{} checkouts -> {}\n({:.1}s)",
        out.customers,
        out.customers_path.display(),
        out.checkouts,
        out.checkouts_path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
