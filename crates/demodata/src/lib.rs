#![forbid(unsafe_code)]
//! Deterministic, realistic demo data for a Japanese online shop: a
//! `customers.csv` and a `checkouts.csv` such as a shop would export after a
//! breach, with the messiness real exports have (mixed timestamp forms,
//! full-width and odd-case e-mail addresses, members checking out as guests,
//! shared family cards, abandoned checkouts).
//!
//! The same [`DemoSpec`] always produces byte-identical files, on any number
//! of threads. Rows are generated in blocks on all cores; every customer,
//! guest and card is derived from its index alone, so memory stays small even
//! for tens of millions of rows.

mod address;
mod cards;
mod cell;
mod checkout_rows;
mod checkouts;
mod ctx;
mod customers;
mod email;
mod names;
mod pipeline;
mod places;
mod seed;
mod shape;
mod time;
mod wide;
mod writer;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::checkouts::{Plan, Sequencer};
use crate::ctx::{BLOCK_ROWS, Ctx};
use crate::pipeline::Job;

pub use crate::shape::{Shape, UnknownShape};

/// The header line of `customers.csv` (without the line end).
pub const CUSTOMERS_HEADER: &str = customers::CUSTOMERS_HEADER;
/// The header line of `checkouts.csv` (without the line end).
pub const CHECKOUTS_HEADER: &str = checkout_rows::CHECKOUTS_HEADER;

/// Largest accepted [`DemoSpec::customers`]. The checkout pass keeps 3 bits
/// per customer (which cards are saved), so this bounds memory at ~40 MB.
pub const MAX_CUSTOMERS: u64 = 100_000_000;
/// Largest accepted [`DemoSpec::checkouts`] (about 3 TB of CSV).
pub const MAX_CHECKOUTS: u64 = 10_000_000_000;

/// Which fictional shop the data belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shop {
    /// A software download shop (2020-01 to 2023-06): subscriptions, a
    /// translator device with data-plan extensions, automatic renewal.
    Software,
    /// A cookie and sweets shop (2018-01 until its web store closed on
    /// 2021-06-16), with some in-store card sales from another system.
    Confectionery,
}

impl Shop {
    pub const ALL: [Shop; 2] = [Shop::Software, Shop::Confectionery];

    pub fn as_str(self) -> &'static str {
        match self {
            Shop::Software => "software",
            Shop::Confectionery => "confectionery",
        }
    }
}

impl fmt::Display for Shop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A shop name other than `software` or `confectionery`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown shop {0:?} (expected \"software\" or \"confectionery\")")]
pub struct UnknownShop(pub String);

impl FromStr for Shop {
    type Err = UnknownShop;

    /// `software` or `confectionery`, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Shop, UnknownShop> {
        Shop::ALL
            .into_iter()
            .find(|shop| shop.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownShop(s.to_owned()))
    }
}

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSpec {
    pub shop: Shop,
    pub customers: u64,
    pub checkouts: u64,
    pub seed: u64,
    pub shape: Shape,
}

/// The files written and their row counts (header excluded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoOutput {
    pub customers_path: PathBuf,
    pub checkouts_path: PathBuf,
    pub customers: u64,
    pub checkouts: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{what} = {value} is more than the {max} this generator supports")]
    TooLarge {
        what: &'static str,
        value: u64,
        max: u64,
    },
    #[error("a generator thread stopped unexpectedly")]
    WorkerFailed,
}

impl DemoError {
    pub(crate) fn io(action: &'static str, path: &Path, source: io::Error) -> DemoError {
        DemoError::Io {
            action,
            path: path.to_owned(),
            source,
        }
    }
}

/// Writes `out_dir/customers.csv` and `out_dir/checkouts.csv` (creating
/// `out_dir` if needed). Both appear only once complete; existing files of
/// those names are replaced.
pub fn generate(spec: &DemoSpec, out_dir: &Path) -> Result<DemoOutput, DemoError> {
    generate_with_threads(spec, out_dir, pipeline::worker_count())
}

/// [`generate`] on a given number of worker threads (tests check that the
/// bytes do not depend on it).
fn generate_with_threads(
    spec: &DemoSpec,
    out_dir: &Path,
    threads: usize,
) -> Result<DemoOutput, DemoError> {
    if spec.customers > MAX_CUSTOMERS {
        return Err(DemoError::TooLarge {
            what: "customers",
            value: spec.customers,
            max: MAX_CUSTOMERS,
        });
    }
    if spec.checkouts > MAX_CHECKOUTS {
        return Err(DemoError::TooLarge {
            what: "checkouts",
            value: spec.checkouts,
            max: MAX_CHECKOUTS,
        });
    }
    std::fs::create_dir_all(out_dir).map_err(|e| DemoError::io("create directory", out_dir, e))?;
    let ctx = Ctx::new(spec);
    let customers = writer::write_table(
        out_dir,
        "customers.csv",
        &ctx.customers_header(),
        &CustomerJob(&ctx),
        threads,
        |_| {},
    )?;
    let mut sequencer = Sequencer::new(&ctx);
    let checkouts = writer::write_table(
        out_dir,
        "checkouts.csv",
        &ctx.checkouts_header(),
        &CheckoutJob(&ctx),
        threads,
        |plans| sequencer.apply(plans),
    )?;
    Ok(DemoOutput {
        customers_path: customers.commit()?,
        checkouts_path: checkouts.commit()?,
        customers: spec.customers,
        checkouts: spec.checkouts,
    })
}

struct CustomerJob<'a>(&'a Ctx);

impl Job for CustomerJob<'_> {
    type Plan = ();

    fn blocks(&self) -> u64 {
        self.0.customers.div_ceil(BLOCK_ROWS)
    }

    fn plan(&self, _: u64) {}

    fn render(&self, block: u64, _: &(), out: &mut Vec<u8>) {
        let start = block * BLOCK_ROWS;
        customers::render_block(
            self.0,
            start..(start + BLOCK_ROWS).min(self.0.customers),
            out,
        );
    }
}

struct CheckoutJob<'a>(&'a Ctx);

impl Job for CheckoutJob<'_> {
    type Plan = Vec<Plan>;

    fn blocks(&self) -> u64 {
        self.0.checkouts.div_ceil(BLOCK_ROWS)
    }

    fn plan(&self, block: u64) -> Vec<Plan> {
        checkouts::plan_block(self.0, block)
    }

    fn render(&self, block: u64, plans: &Vec<Plan>, out: &mut Vec<u8>) {
        checkout_rows::render_block(self.0, block, plans, out);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn shop_names() {
        assert_eq!("software".parse::<Shop>().unwrap(), Shop::Software);
        assert_eq!(
            "Confectionery".parse::<Shop>().unwrap(),
            Shop::Confectionery
        );
        assert_eq!("bakery".parse::<Shop>(), Err(UnknownShop("bakery".into())));
        for shop in Shop::ALL {
            assert_eq!(shop.to_string().parse::<Shop>().unwrap(), shop);
        }
    }

    #[test]
    fn output_does_not_depend_on_the_number_of_threads() {
        let dir = tempfile::tempdir().unwrap();
        // Several blocks of each file, with a partial last block.
        let spec = DemoSpec {
            shop: Shop::Confectionery,
            customers: 20_000,
            checkouts: 30_000,
            seed: 9,
            shape: crate::Shape::Standard,
        };
        let read = |out: &DemoOutput| {
            (
                std::fs::read(&out.customers_path).unwrap(),
                std::fs::read(&out.checkouts_path).unwrap(),
            )
        };
        let one = read(&generate_with_threads(&spec, &dir.path().join("1"), 1).unwrap());
        let three = read(&generate_with_threads(&spec, &dir.path().join("3"), 3).unwrap());
        assert!(one == three, "files differ between 1 and 3 threads");
    }

    #[test]
    fn empty_tables_and_shops_without_customers() {
        let dir = tempfile::tempdir().unwrap();
        let spec = DemoSpec {
            shop: Shop::Software,
            customers: 5,
            checkouts: 0,
            seed: 1,
            shape: crate::Shape::Standard,
        };
        let out = generate(&spec, &dir.path().join("a")).unwrap();
        assert_eq!(
            std::fs::read_to_string(&out.checkouts_path).unwrap(),
            format!("{CHECKOUTS_HEADER}\n")
        );
        assert_eq!(
            std::fs::read_to_string(&out.customers_path)
                .unwrap()
                .lines()
                .count(),
            6
        );
        // Without customers every online checkout is a guest's.
        let spec = DemoSpec {
            shop: Shop::Confectionery,
            customers: 0,
            checkouts: 500,
            seed: 1,
            shape: crate::Shape::Standard,
        };
        let out = generate(&spec, &dir.path().join("b")).unwrap();
        let text = std::fs::read_to_string(&out.checkouts_path).unwrap();
        assert_eq!(text.lines().count(), 501);
        assert!(
            text.lines()
                .skip(1)
                .all(|l| l.split(',').nth(2) == Some(""))
        );
    }

    #[test]
    fn limits_are_checked_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x");
        let spec = DemoSpec {
            shop: Shop::Software,
            customers: MAX_CUSTOMERS + 1,
            checkouts: 1,
            seed: 0,
            shape: crate::Shape::Standard,
        };
        assert!(matches!(
            generate(&spec, &out),
            Err(DemoError::TooLarge {
                what: "customers",
                ..
            })
        ));
        assert!(!out.exists());
    }
}
