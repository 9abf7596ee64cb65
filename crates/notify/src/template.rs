//! Notice templates: defaults built in, copies in the desk that the shop
//! may edit. A template error names the file and the line.

use crate::context::NoticeContext;
use minijinja::{AutoEscape, Environment, Value};
use std::path::{Path, PathBuf};

const DEFAULTS: [(&str, &str); 12] = [
    ("notice.ja.txt", include_str!("templates/notice.ja.txt")),
    ("notice.en.txt", include_str!("templates/notice.en.txt")),
    ("notice.ja.html", include_str!("templates/notice.ja.html")),
    ("notice.en.html", include_str!("templates/notice.en.html")),
    (
        "correction.ja.txt",
        include_str!("templates/correction.ja.txt"),
    ),
    (
        "correction.en.txt",
        include_str!("templates/correction.en.txt"),
    ),
    (
        "correction.ja.html",
        include_str!("templates/correction.ja.html"),
    ),
    (
        "correction.en.html",
        include_str!("templates/correction.en.html"),
    ),
    (
        "check-nothing.ja.txt",
        include_str!("templates/check-nothing.ja.txt"),
    ),
    (
        "check-nothing.en.txt",
        include_str!("templates/check-nothing.en.txt"),
    ),
    (
        "check-nothing.ja.html",
        include_str!("templates/check-nothing.ja.html"),
    ),
    (
        "check-nothing.en.html",
        include_str!("templates/check-nothing.en.html"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{file}:{line}: {message}")]
    Template {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: the first line must be `Subject: ...` followed by a blank line")]
    NoSubject { file: String },
    #[error("cannot read or write templates in {dir}: {source}")]
    Io { dir: String, source: std::io::Error },
}

/// One rendered notice.
#[derive(Clone, PartialEq, Eq)]
pub struct RenderedNotice {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl std::fmt::Debug for RenderedNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RenderedNotice(<redacted>)")
    }
}

pub struct Templates {
    env: Environment<'static>,
    dir: Option<PathBuf>,
}

impl Templates {
    /// The built-in templates only.
    pub fn builtin() -> Result<Templates, TemplateError> {
        Templates::from_sources(
            DEFAULTS
                .iter()
                .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
                .collect(),
            None,
        )
    }

    /// The templates of a desk folder, writing the defaults there first
    /// when a file is missing, so the shop has them to edit.
    pub fn in_dir(dir: &Path) -> Result<Templates, TemplateError> {
        let io = |source| TemplateError::Io {
            dir: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut sources = Vec::new();
        for (name, default) in DEFAULTS {
            let path = dir.join(name);
            if !path.exists() {
                // Written whole under another name, then renamed: a second
                // process starting at the same moment reads either no file
                // or the whole default, never half of it.
                let temp = dir.join(format!(".{name}.{}.partial", std::process::id()));
                std::fs::write(&temp, default).map_err(io)?;
                std::fs::rename(&temp, &path).map_err(io)?;
            }
            sources.push((name.to_owned(), std::fs::read_to_string(&path).map_err(io)?));
        }
        Templates::from_sources(sources, Some(dir.to_path_buf()))
    }

    fn from_sources(
        sources: Vec<(String, String)>,
        dir: Option<PathBuf>,
    ) -> Result<Templates, TemplateError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        let mut templates = Templates { env, dir };
        for (name, source) in sources {
            let shown = templates.shown(&name);
            templates
                .env
                .add_template_owned(name, source)
                .map_err(|e| template_error(&shown, &e))?;
        }
        Ok(templates)
    }

    fn shown(&self, name: &str) -> String {
        match &self.dir {
            Some(dir) => dir.join(name).display().to_string(),
            None => name.to_owned(),
        }
    }

    pub fn render(&self, context: &NoticeContext) -> Result<RenderedNotice, TemplateError> {
        // A correction of an earlier notice has templates of its own.
        let base = if context.correction.is_some() {
            "correction"
        } else {
            "notice"
        };
        self.render_message(base, context.language, context)
    }

    /// Renders the message `base` (`BASE.LANG.txt`, whose first line is the
    /// subject, and `BASE.LANG.html`) with any context.
    pub fn render_message(
        &self,
        base: &str,
        language: crate::Language,
        context: &impl serde::Serialize,
    ) -> Result<RenderedNotice, TemplateError> {
        let lang = language.code();
        let value = Value::from(minijinja::value::Serde(context));
        let render = |name: String| -> Result<String, TemplateError> {
            let shown = self.shown(&name);
            self.env
                .get_template(&name)
                .and_then(|t| t.render(value.clone()))
                .map_err(|e| template_error(&shown, &e))
        };
        let text_name = format!("{base}.{lang}.txt");
        let text = render(text_name.clone())?;
        let (subject, body) = text
            .strip_prefix("Subject:")
            .and_then(|rest| rest.split_once('\n'))
            .ok_or_else(|| TemplateError::NoSubject {
                file: self.shown(&text_name),
            })?;
        let body = body
            .strip_prefix('\n')
            .or_else(|| body.strip_prefix("\r\n"))
            .unwrap_or(body);
        Ok(RenderedNotice {
            subject: subject.trim().to_owned(),
            text: body.to_owned(),
            html: render(format!("{base}.{lang}.html"))?,
        })
    }
}

fn template_error(file: &str, e: &minijinja::Error) -> TemplateError {
    TemplateError::Template {
        file: file.to_owned(),
        line: e.line().unwrap_or(1),
        message: e.detail().unwrap_or(&e.kind().to_string()).to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::context::*;

    fn context(language: Language, name: &str, cards: bool) -> NoticeContext {
        NoticeContext {
            language,
            shop: ShopInfo {
                name: "Kumo Soft Store".into(),
                email: "care@kumosoft.example".into(),
                phone: "03-0000-0000".into(),
                url: String::new(),
            },
            incident_title: "Payment page tampering".into(),
            person: PersonInfo {
                name: name.into(),
                email: "taro@example.jp".into(),
            },
            items: NoticeContext::items_of(
                [
                    breachdesk_domain::Item::Name,
                    breachdesk_domain::Item::CardNumber,
                ]
                .into_iter()
                .collect(),
                language,
            ),
            windows: vec![WindowText {
                from: date_text("2022-11-15", language),
                to: date_text("2023-01-17", language),
            }],
            orders: vec![OrderText {
                number: "O001".into(),
                date: date_text("2022-11-20", language),
            }],
            cards: if cards {
                vec![CardText {
                    brand: "VISA".into(),
                    last4: "4242".into(),
                }]
            } else {
                vec![]
            },
            card_exposed: cards,
            password_exposed: false,
            correction: None,
        }
    }

    #[test]
    fn japanese_notice_lists_the_persons_own_items_and_card() {
        let t = Templates::builtin().unwrap();
        let n = t.render(&context(Language::Ja, "山田 太郎", true)).unwrap();
        assert!(
            n.subject.starts_with("【Kumo Soft Store】"),
            "{}",
            n.subject
        );
        assert!(n.text.starts_with("山田 太郎 様"), "{}", n.text);
        for part in [
            "・氏名",
            "・クレジットカード番号",
            "2022年11月15日 ～ 2023年1月17日",
            "ご注文番号 O001（2022年11月20日）",
            "VISA（末尾 4242）",
            "カード裏面",
        ] {
            assert!(n.text.contains(part), "{part} missing in:\n{}", n.text);
        }
        assert!(!n.text.contains("パスワードについて"));
    }

    #[test]
    fn html_is_escaped_and_card_advice_only_with_cards() {
        let t = Templates::builtin().unwrap();
        let n = t
            .render(&context(Language::En, "<script>alert(1)</script>", false))
            .unwrap();
        assert!(n.html.contains("&lt;script&gt;") && !n.html.contains("<script>"));
        assert!(!n.text.contains("card company"));
        assert!(n.text.contains("Dear <script>"), "plain text is not HTML");
    }

    #[test]
    fn template_errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        Templates::in_dir(dir.path()).unwrap();
        std::fs::write(
            dir.path().join("notice.en.txt"),
            "Subject: x\n\nline two\n{% for %}\n",
        )
        .unwrap();
        let e = Templates::in_dir(dir.path()).err().unwrap().to_string();
        assert!(e.contains("notice.en.txt:4:"), "{e}");
        std::fs::write(dir.path().join("notice.en.txt"), "no subject line\n").unwrap();
        let t = Templates::in_dir(dir.path()).unwrap();
        let e = t
            .render(&context(Language::En, "x", false))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Subject:"), "{e}");
    }
}
