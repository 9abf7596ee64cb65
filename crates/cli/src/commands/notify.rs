//! `breachdesk notify`: the notices to affected people.

use super::desk_args::{DeskArgs, block_on};
use anyhow::bail;
use breachdesk_notify::Language;
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum NotifyCommand {
    /// Render one person's notice in the terminal and to files (the read is audited).
    Preview(PreviewArgs),
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
    let NotifyCommand::Preview(args) = command;
    block_on(async {
        let desk = args.desk.open().await?;
        let templates = desk.templates()?;
        let language = args.lang.unwrap_or_else(|| desk.language());
        let persons = desk.person(&args.person).await?;
        desk.store.close().await;
        if persons.is_empty() {
            bail!("no stored person matches that key or email");
        }
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| desk.config.dir.join("previews"));
        std::fs::create_dir_all(&out)?;
        for person in &persons {
            let Some(notice) = desk.render_notice(&templates, person, language)? else {
                continue;
            };
            let base = out.join(format!("person-{}.{}", person.person_id, language.code()));
            std::fs::write(
                base.with_extension(format!("{}.txt", language.code())),
                format!("Subject: {}\n\n{}", notice.subject, notice.text),
            )?;
            std::fs::write(
                base.with_extension(format!("{}.html", language.code())),
                &notice.html,
            )?;
            println!(
                "To: {}\nSubject: {}\n\n{}",
                person
                    .versions
                    .last()
                    .map(|v| v.data.email.as_str())
                    .unwrap_or(""),
                notice.subject,
                notice.text
            );
            println!("\n(written to {}.txt and .html)", base.display());
        }
        Ok(())
    })
}
