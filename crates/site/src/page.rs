//! The site's pages, from templates the shop may edit (the desk's
//! `templates/site/`, written from the built-in ones when missing) and
//! the Q&A stored in the desk.

use crate::SiteError;
use crate::figures::Figures;
use crate::text::{escape, paragraphs};
use breachdesk_desk::Desk;
use breachdesk_notify::{Language, date_text};
use minijinja::{AutoEscape, Environment, Value, context};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const TEMPLATES: [(&str, &str); 5] = [
    ("base.html", include_str!("../pages/base.html")),
    ("qa.html", include_str!("../pages/qa.html")),
    ("check.html", include_str!("../pages/check.html")),
    ("inquiry.html", include_str!("../pages/inquiry.html")),
    ("message.html", include_str!("../pages/message.html")),
];
const STRINGS: [(&str, &str); 2] = [
    ("strings.ja.toml", include_str!("../pages/strings.ja.toml")),
    ("strings.en.toml", include_str!("../pages/strings.en.toml")),
];

/// The stylesheet and script, served as they are.
pub const ASSETS: [(&str, &str, &str); 2] = [
    (
        "site.css",
        "text/css; charset=utf-8",
        include_str!("../assets/site.css"),
    ),
    (
        "site.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/site.js"),
    ),
];

/// A language of the site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// `ja` or `en`; anything else is Japanese, the site's first language.
    pub fn from_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::Ja }
    }

    pub fn language(self) -> Language {
        match self {
            Lang::Ja => Language::Ja,
            Lang::En => Language::En,
        }
    }

    fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }

    /// The path prefix of this language's pages: `/` or `/en/`.
    pub fn prefix(self) -> &'static str {
        match self {
            Lang::Ja => "/",
            Lang::En => "/en/",
        }
    }
}

/// The site's forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Check,
    Inquiry,
}

impl Form {
    /// The form's name, as its tokens are issued for.
    pub fn name(self) -> &'static str {
        match self {
            Form::Check => "check",
            Form::Inquiry => "inquiry",
        }
    }

    fn template(self) -> &'static str {
        match self {
            Form::Check => "check.html",
            Form::Inquiry => "inquiry.html",
        }
    }
}

/// The messages a form answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Message {
    CheckSent,
    InquirySent,
    Forbidden,
    TooMany,
    NotFound,
    Error,
}

/// A rendered page.
#[derive(Clone, Debug)]
pub struct RenderedPage {
    pub html: String,
}

/// Where a page's links point: the running site, or a static copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// `serve`: absolute paths.
    Served,
    /// `site build`: the Q&A pages relative to each other, the forms on
    /// `base` (the served site's address, or `/` when none is configured).
    Static,
}

pub struct Pages {
    env: Environment<'static>,
    strings: BTreeMap<&'static str, BTreeMap<String, String>>,
    dir: Option<PathBuf>,
    /// The served site's address, for the static copy's form links.
    public_url: String,
}

impl Pages {
    /// The desk's pages, with its Q&A content written first when it has
    /// none: what `serve` and `site build` both start from.
    pub async fn of_desk(desk: &Desk) -> Result<Pages, SiteError> {
        let pages = Pages::in_dir(
            &desk.config().dir.join("templates").join("site"),
            &desk.config().web.public_url,
        )?;
        let today = desk.now_text().get(..10).unwrap_or_default().to_owned();
        crate::content::seed_content(desk.store(), desk.incident(), &today, &desk.now_text())
            .await?;
        Ok(pages)
    }

    /// The built-in pages only.
    pub fn builtin() -> Result<Pages, SiteError> {
        let templates = TEMPLATES
            .iter()
            .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()));
        let strings = STRINGS
            .iter()
            .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()));
        Pages::from_sources(templates.chain(strings).collect(), None, "")
    }

    /// The pages of a desk folder (`templates/site/`), writing the built-in
    /// ones there first where a file is missing, for the shop to edit.
    pub fn in_dir(dir: &Path, public_url: &str) -> Result<Pages, SiteError> {
        let io = |e: std::io::Error| SiteError::Content(format!("{}: {e}", dir.display()));
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut sources = Vec::new();
        for (name, default) in TEMPLATES.iter().chain(STRINGS.iter()) {
            let path = dir.join(name);
            if !path.exists() {
                // Whole or not at all, as the notice templates.
                let temp = dir.join(format!(".{name}.{}.partial", std::process::id()));
                std::fs::write(&temp, default).map_err(io)?;
                std::fs::rename(&temp, &path).map_err(io)?;
            }
            sources.push((
                (*name).to_owned(),
                std::fs::read_to_string(&path).map_err(io)?,
            ));
        }
        Pages::from_sources(sources, Some(dir.to_path_buf()), public_url)
    }

    fn from_sources(
        sources: Vec<(String, String)>,
        dir: Option<PathBuf>,
        public_url: &str,
    ) -> Result<Pages, SiteError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        // The built-in words first, so a word the shop's file lacks (one
        // added in a later version, say) is the built-in one, never blank.
        let mut strings: BTreeMap<&'static str, BTreeMap<String, String>> = BTreeMap::new();
        for (name, source) in STRINGS {
            let table: BTreeMap<String, String> = toml::from_str(source)
                .map_err(|e| SiteError::Content(format!("{name}: {}", e.message())))?;
            strings.insert(if name.contains(".en.") { "en" } else { "ja" }, table);
        }
        let shown = |name: &str| match &dir {
            Some(d) => d.join(name).display().to_string(),
            None => name.to_owned(),
        };
        for (name, source) in sources {
            if let Some(lang) = name
                .strip_prefix("strings.")
                .and_then(|n| n.strip_suffix(".toml"))
            {
                let table: BTreeMap<String, String> = toml::from_str(&source).map_err(|e| {
                    SiteError::Content(format!("{}: {}", shown(&name), e.message()))
                })?;
                let lang = if lang == "en" { "en" } else { "ja" };
                strings.entry(lang).or_default().extend(table);
            } else {
                let file = shown(&name);
                env.add_template_owned(name, source)
                    .map_err(|e| SiteError::template(&file, &e))?;
            }
        }
        Ok(Pages {
            env,
            strings,
            dir,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    fn shown(&self, name: &str) -> String {
        match &self.dir {
            Some(d) => d.join(name).display().to_string(),
            None => name.to_owned(),
        }
    }

    /// The page's own words in `lang`; a word the shop's file lacks falls
    /// back to the built-in file's.
    fn strings(&self, lang: Lang) -> Value {
        Value::from(minijinja::value::Serde(self.strings.get(lang.code())))
    }

    fn word(&self, lang: Lang, key: &str) -> String {
        self.strings
            .get(lang.code())
            .and_then(|t| t.get(key))
            .cloned()
            .unwrap_or_default()
    }

    fn render(&self, name: &str, ctx: Value) -> Result<RenderedPage, SiteError> {
        let html = self
            .env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| SiteError::template(&self.shown(name), &e))?;
        Ok(RenderedPage { html })
    }

    /// The links every page's header carries.
    fn frame(&self, lang: Lang, links: Links, shop: &breachdesk_notify::ShopInfo) -> Value {
        let other = lang.other();
        let (root, home, other_home, forms) = match (links, lang) {
            (Links::Served, _) => (
                "/",
                lang.prefix().to_owned(),
                other.prefix().to_owned(),
                String::new(),
            ),
            (Links::Static, Lang::Ja) => (
                "",
                "index.html".to_owned(),
                "en/index.html".to_owned(),
                self.public_url.clone(),
            ),
            (Links::Static, Lang::En) => (
                "../",
                "index.html".to_owned(),
                "../index.html".to_owned(),
                self.public_url.clone(),
            ),
        };
        let form_prefix = match lang {
            Lang::Ja => "/",
            Lang::En => "/en/",
        };
        // Links are escaped here (minijinja would also turn every `/` into
        // an entity) and passed on as safe.
        let link = |url: &str| Value::from_safe_string(escape(url));
        context! {
            lang => lang.code(),
            other_lang => other.code(),
            t => self.strings(lang),
            shop => Value::from(minijinja::value::Serde(shop)),
            root => link(root),
            home => link(&home),
            other_lang_url => link(&other_home),
            check_url => link(&format!("{forms}{form_prefix}check")),
            inquiry_url => link(&format!("{forms}{form_prefix}inquiry")),
        }
    }

    /// The Q&A page of `lang`, from the desk's stored entries and figures.
    pub async fn qa(
        &self,
        desk: &Desk,
        lang: Lang,
        links: Links,
    ) -> Result<RenderedPage, SiteError> {
        let figures = Figures::of(desk, lang.language()).await?;
        let entries = desk.store().qa_entries(lang.code()).await?;
        let changes = desk.store().qa_changes(lang.code()).await?;
        let figures_value = Value::from(minijinja::value::Serde(&figures));
        // Answers are templates over the figures, rendered as text and then
        // escaped whole (see text.rs).
        let mut answers = Environment::new();
        answers.set_auto_escape_callback(|_| AutoEscape::None);
        let mut categories: Vec<(String, Vec<Value>)> = Vec::new();
        for entry in &entries {
            let answer = answers
                .render_str(&entry.answer, figures_value.clone())
                .map_err(|e| {
                    SiteError::template(&format!("Q&A {}/{}", entry.lang, entry.anchor), &e)
                })?;
            let item = context! {
                anchor => entry.anchor.clone(),
                question => entry.question.clone(),
                answer_html => paragraphs(&answer),
            };
            match categories
                .iter_mut()
                .find(|(name, _)| *name == entry.category)
            {
                Some((_, items)) => items.push(item),
                None => categories.push((entry.category.clone(), vec![item])),
            }
        }
        let categories: Vec<Value> = categories
            .into_iter()
            .map(|(name, entries)| context! { name => name, entries => entries })
            .collect();
        let changes: Vec<Value> = changes
            .iter()
            .map(|c| {
                context! {
                    date => c.published_on.clone(),
                    date_text => date_text(&c.published_on, lang.language()),
                    text => c.text.clone(),
                }
            })
            .collect();
        let ctx = context! {
            incident_title => figures.incident_title.clone(),
            figures => figures_value,
            categories => categories,
            changes => changes,
            ..self.frame(lang, links, &figures.shop)
        };
        self.render("qa.html", ctx)
    }

    /// A form's page (`check` or `inquiry`) carrying `token`.
    pub fn form(
        &self,
        desk: &Desk,
        lang: Lang,
        form: Form,
        token: &str,
    ) -> Result<RenderedPage, SiteError> {
        let ctx = context! { token => token, ..self.frame(lang, Links::Served, &desk.config().shop.info()) };
        self.render(form.template(), ctx)
    }

    /// A form's answer, or an error page: the same for everyone it is
    /// shown to (apart from an inquiry's reference).
    pub fn message(
        &self,
        desk: &Desk,
        lang: Lang,
        message: Message,
        reference: Option<&str>,
    ) -> Result<RenderedPage, SiteError> {
        let (heading, texts): (&str, &[&str]) = match message {
            Message::CheckSent => ("check_sent_title", &["check_sent", "check_sent_2"]),
            Message::InquirySent => ("inquiry_sent_title", &["inquiry_sent"]),
            Message::Forbidden => ("forbidden_title", &["forbidden"]),
            Message::TooMany => ("too_many_title", &["too_many"]),
            Message::NotFound => ("not_found_title", &["not_found"]),
            Message::Error => ("error_title", &["error"]),
        };
        let ctx = context! {
            heading => self.word(lang, heading),
            paragraphs => texts.iter().map(|k| self.word(lang, k)).collect::<Vec<_>>(),
            reference => reference,
            ..self.frame(lang, Links::Served, &desk.config().shop.info())
        };
        self.render("message.html", ctx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_word_missing_from_the_shops_file_is_the_built_in_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("strings.en.toml"), "nav_qa = \"FAQ\"\n").unwrap();
        let pages = Pages::in_dir(dir.path(), "").unwrap();
        assert_eq!(pages.word(Lang::En, "nav_qa"), "FAQ");
        assert_eq!(pages.word(Lang::En, "check_submit"), "Check");
        assert_eq!(pages.word(Lang::Ja, "check_submit"), "確認する");
    }
}
