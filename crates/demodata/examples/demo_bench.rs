//! Times one generation run and prints the file sizes:
//! `cargo run --release -p breachdesk-demodata --example demo_bench -- \
//!     software 1000000 10000000 1 demo-out/bench [SHAPE]`

use std::path::PathBuf;
use std::time::Instant;

use breachdesk_demodata::{DemoSpec, Shape, Shop, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_owned());
    let spec = DemoSpec {
        shop: arg(0, "software").parse::<Shop>()?,
        customers: arg(1, "1000000").parse()?,
        checkouts: arg(2, "10000000").parse()?,
        seed: arg(3, "1").parse()?,
        shape: arg(5, "standard").parse::<Shape>()?,
    };
    let out = PathBuf::from(arg(4, "target/demo-bench"));
    let start = Instant::now();
    let written = generate(&spec, &out)?;
    let elapsed = start.elapsed();
    let size = |p: &PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    println!(
        "{} customers ({} bytes), {} checkouts ({} bytes) in {:.2} s",
        written.customers,
        size(&written.customers_path),
        written.checkouts,
        size(&written.checkouts_path),
        elapsed.as_secs_f64()
    );
    Ok(())
}
