//! `serve`, `site build` and `inquiries`: the public site of a desk.

use super::desk_args::{DeskArgs, block_on};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub desk: DeskArgs,
    /// Address to listen on (overrides `[web] listen`); port 0 picks a free one.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Address for Prometheus `GET /metrics` (overrides `[web] metrics_listen`).
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<String>,
}

#[derive(clap::Subcommand, Debug)]
pub enum SiteCommand {
    /// Write the Q&A pages as static files (index.html, en/index.html, assets/).
    Build(SiteBuildArgs),
}

#[derive(clap::Args, Debug)]
pub struct SiteBuildArgs {
    #[command(flatten)]
    pub desk: DeskArgs,
    /// The folder to write (replaced whole when the build succeeds).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(clap::Subcommand, Debug)]
pub enum InquiriesCommand {
    /// Every inquiry from the site's form, opened (the read is audited).
    List(InquiriesListArgs),
}

#[derive(clap::Args, Debug)]
pub struct InquiriesListArgs {
    #[command(flatten)]
    pub desk: DeskArgs,
    #[arg(long)]
    pub json: bool,
}

/// Logs to stderr: request paths and counts, never personal data.
fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_max_level(tracing::Level::INFO)
        .try_init();
}

pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging();
    block_on(async {
        let desk = Arc::new(args.desk.open().await?);
        let listen = args
            .listen
            .clone()
            .unwrap_or_else(|| desk.config().web.listen.clone());
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
        let address = listener.local_addr()?;
        let metrics_listen = args
            .metrics_listen
            .clone()
            .unwrap_or_else(|| desk.config().web.metrics_listen.clone());
        let metrics = if metrics_listen.is_empty() {
            None
        } else {
            Some(
                tokio::net::TcpListener::bind(&metrics_listen)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen on {metrics_listen}: {e}"))?,
            )
        };
        println!("listening on http://{address}");
        if let Some(metrics) = &metrics {
            println!("metrics on http://{}/metrics", metrics.local_addr()?);
        }
        let shutdown = async {
            let interrupt = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term =
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    {
                        Ok(t) => t,
                        Err(e) => {
                            tracing::error!("cannot watch SIGTERM: {e}");
                            let _ = interrupt.await;
                            return;
                        }
                    };
                tokio::select! {
                    _ = interrupt => {}
                    _ = term.recv() => {}
                }
            }
            #[cfg(not(unix))]
            {
                let _ = interrupt.await;
            }
            tracing::info!("stopping: finishing the requests in flight");
        };
        breachdesk_web::serve(Arc::clone(&desk), listener, metrics, shutdown).await?;
        desk.close().await;
        Ok(())
    })
}

pub fn site(command: SiteCommand) -> anyhow::Result<()> {
    match command {
        SiteCommand::Build(args) => block_on(async {
            let desk = args.desk.open().await?;
            let pages = breachdesk_site::Pages::of_desk(&desk).await?;
            let written = breachdesk_site::build_static(&desk, &pages, &args.out).await?;
            println!("{} files -> {}", written.len(), args.out.display());
            desk.close().await;
            Ok(())
        }),
    }
}

pub fn inquiries(command: InquiriesCommand) -> anyhow::Result<()> {
    match command {
        InquiriesCommand::List(args) => block_on(async {
            let desk = args.desk.open().await?;
            let list = breachdesk_site::inquiries(&desk).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!("no inquiries");
            } else {
                for i in &list {
                    println!(
                        "#{} {} {} {} [{}]\n  {} <{}> {}\n  {}",
                        i.id,
                        i.reference,
                        i.received_at,
                        i.topic,
                        i.state,
                        i.form.name,
                        i.form.email,
                        i.form.phone,
                        i.form.message.replace('\n', "\n  ")
                    );
                }
            }
            desk.close().await;
            Ok(())
        }),
    }
}
