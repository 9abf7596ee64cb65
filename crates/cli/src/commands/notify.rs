//! `breachdesk notify`: the notices to affected people.

use super::desk_args::{DeskArgs, block_on};
use anyhow::bail;
use breachdesk_notify::Language;
use breachdesk_outreach::{Outreach, SendRequest};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum NotifyCommand {
    /// Render one person's notice in the terminal and to files (the read is audited).
    Preview(PreviewArgs),
    /// Send every affected person their notice, once, through the ledger (resumable).
    Send(SendArgs),
    /// Make a DKIM key in the desk and print the DNS record to publish.
    DkimKey(DkimKeyArgs),
}

#[derive(clap::Args, Debug)]
pub struct DkimKeyArgs {
    #[command(flatten)]
    pub desk: DeskArgs,
    /// Selector to publish the key under (`SELECTOR._domainkey.DOMAIN`).
    #[arg(long, default_value = "breachdesk", value_name = "NAME")]
    pub selector: String,
    /// Domain of the From address (default: the shop email's domain).
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,
}

fn dkim_key(args: DkimKeyArgs) -> anyhow::Result<()> {
    let config = args.desk.config()?;
    let path = config
        .dkim
        .key_file
        .clone()
        .unwrap_or_else(|| config.dir.join("dkim.pem"));
    let record = if path.exists() {
        breachdesk_notify::record_of(&path)?
    } else {
        breachdesk_notify::generate_key(&path)?
    };
    let domain = args
        .domain
        .clone()
        .or_else(|| {
            config
                .shop
                .email
                .rsplit('@')
                .next()
                .filter(|d| d.contains('.'))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "your-shop.example".to_owned());
    println!("DKIM key: {} (owner-only)", path.display());
    println!(
        "Publish this TXT record:\n  {}._domainkey.{domain}.  IN TXT  \"{record}\"",
        args.selector
    );
    println!(
        "Then set in breachdesk.toml:\n  [dkim]\n  selector = \"{}\"\n  domain = \"{domain}\"",
        args.selector
    );
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct SendArgs {
    #[command(flatten)]
    pub desk: DeskArgs,
    /// Where to send: smtp://HOST:PORT, smtps://HOST:PORT or maildir:DIR
    /// (default: `[smtp] url` of the desk).
    #[arg(long, value_name = "URL")]
    pub smtp: Option<String>,
    /// Sender address (default: `[smtp] from`, else the shop's email).
    #[arg(long, value_name = "ADDRESS")]
    pub from: Option<String>,
    /// Name of this mailing; each person gets one notice per campaign
    /// (default: notice-1, or correction-1 with --corrections).
    #[arg(long, value_name = "NAME")]
    pub campaign: Option<String>,
    /// Tell the persons already notified whom a later load left out or gave
    /// other items: a correction each, in the campaign named.
    #[arg(long)]
    pub corrections: bool,
    /// Send at most N notices in this run.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Render every notice and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Tries again within the run after a temporary failure (default: `[smtp] retries`, else 2).
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// First wait before a retry, doubled each time (default: `[smtp] retry_delay_ms`, else 2000).
    #[arg(long, value_name = "MS")]
    pub retry_delay_ms: Option<u64>,
    /// Language of the notices (default: the desk's `[shop] language`).
    #[arg(long, value_name = "ja|en")]
    pub lang: Option<Language>,
    /// SMTP connections kept open, and notices in flight at once (default: `[smtp] connections`, else 4).
    #[arg(long, value_name = "N")]
    pub connections: Option<u32>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct PreviewArgs {
    #[command(flatten)]
    pub desk: DeskArgs,
    /// A person key or email.
    #[arg(value_name = "PERSON")]
    pub person: String,
    /// Language of the notice (default: the desk's `[shop] language`).
    #[arg(long, value_name = "ja|en")]
    pub lang: Option<Language>,
    /// Folder for the rendered files (default: `previews/` in the desk).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(command: NotifyCommand) -> anyhow::Result<()> {
    match command {
        NotifyCommand::Preview(args) => preview(args),
        NotifyCommand::Send(args) => send(args),
        NotifyCommand::DkimKey(args) => dkim_key(args),
    }
}

fn send(args: SendArgs) -> anyhow::Result<()> {
    block_on(async {
        let outreach = Outreach::new(std::sync::Arc::new(args.desk.open().await?));
        let request = SendRequest {
            campaign: args.campaign.clone().unwrap_or_else(|| {
                if args.corrections {
                    "correction-1".to_owned()
                } else {
                    "notice-1".to_owned()
                }
            }),
            corrections: args.corrections,
            smtp: args.smtp.clone(),
            from: args.from.clone(),
            limit: args.limit,
            dry_run: args.dry_run,
            retries: args.retries,
            retry_delay_ms: args.retry_delay_ms,
            language: args.lang,
            connections: args.connections,
        };
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} notices  {per_sec}  ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let report = outreach
            .send(&request, &|done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })
            .await?;
        bar.finish_and_clear();
        outreach.desk().close().await;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            if args.dry_run {
                println!(
                    "campaign {}: {} notices rendered, nothing sent (dry run)",
                    report.campaign, report.rendered
                );
            } else {
                println!(
                    "campaign {}: {} sent, {} deferred, {} bounced, {} failed, {} to letter; {} queued now",
                    report.campaign,
                    report.sent,
                    report.deferred,
                    report.bounced,
                    report.failed,
                    report.letter,
                    report.queued
                );
            }
            let r = &report.revision;
            if r.withdrawn + r.requeued > 0 {
                println!(
                    "the newest load withdrew {} unsent notices and queued {} again",
                    r.withdrawn, r.requeued
                );
            }
            if report.corrections_due > 0 {
                println!(
                    "{} persons were told something the newest load no longer says: `notify send --corrections` tells them",
                    report.corrections_due
                );
            }
            if report.in_doubt > 0 {
                println!(
                    "{} notices were in flight when an earlier run stopped: marked in doubt, not re-sent (check the server's log)",
                    report.in_doubt
                );
            }
            let states: Vec<String> = report
                .states
                .iter()
                .map(|(s, n)| format!("{s} {n}"))
                .collect();
            println!("ledger: {}", states.join(", "));
        }
        Ok(())
    })
}

fn preview(args: PreviewArgs) -> anyhow::Result<()> {
    block_on(async {
        let outreach = Outreach::new(std::sync::Arc::new(args.desk.open().await?));
        let previews = outreach
            .preview(&args.person, args.lang, args.out.as_deref())
            .await?;
        outreach.desk().close().await;
        if previews.is_empty() {
            bail!("no stored person matches that key or email");
        }
        for p in &previews {
            println!("To: {}\nSubject: {}\n\n{}", p.to, p.subject, p.text);
            println!(
                "\n(written to {} and {})",
                p.text_file.display(),
                p.html_file.display()
            );
        }
        Ok(())
    })
}
