//! A `breachdesk serve` under test, and a browser-like HTTP client for it
//! (cookies kept, statuses returned rather than raised).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use std::io::BufRead;
use std::process::{Child, Stdio};

/// A running `serve` on a free port; stopped (SIGTERM, then waited for)
/// when dropped.
pub struct Served {
    pub child: Option<Child>,
    pub url: String,
    /// The metrics address, when started with them.
    pub metrics: Option<String>,
}

impl Served {
    pub fn start(desk: &Path) -> Served {
        Served::start_with(desk, false)
    }

    /// With `metrics`, also Prometheus metrics on a free port of their own.
    pub fn start_with(desk: &Path, metrics: bool) -> Served {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
        if metrics {
            args.extend(["--metrics-listen", "127.0.0.1:0"]);
        }
        let mut child = in_desk(desk, &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut said = |prefix: &str| {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            line.trim()
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("serve said {line:?}"))
                .to_owned()
        };
        let url = said("listening on ");
        let metrics = metrics.then(|| said("metrics on "));
        Served {
            child: Some(child),
            url,
            metrics,
        }
    }

    /// Stops the server as an operator would (SIGTERM) and returns how it
    /// exited and what it logged.
    pub fn stop(mut self) -> (std::process::ExitStatus, String) {
        let child = self.child.take().unwrap();
        let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of a hidden input in the page.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no {name} in {}", self.body))
            + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }
}

/// A client that keeps the site's cookie, as a browser does.
pub struct Browser {
    agent: ureq::Agent,
    cookie: Option<String>,
}

impl Browser {
    pub fn new() -> Browser {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Browser {
            agent,
            cookie: None,
        }
    }

    fn reply(&mut self, mut response: ureq::http::Response<ureq::Body>) -> Reply {
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        if let Some((_, set)) = headers.iter().find(|(n, _)| n == "set-cookie") {
            self.cookie = set.split(';').next().map(str::to_owned);
        }
        Reply {
            status: response.status().as_u16(),
            headers,
            body: response.body_mut().read_to_string().unwrap(),
        }
    }

    pub fn get(&mut self, url: &str) -> Reply {
        let mut request = self.agent.get(url);
        if let Some(c) = &self.cookie {
            request = request.header("Cookie", c);
        }
        let response = request.call().unwrap();
        self.reply(response)
    }

    pub fn post(&mut self, url: &str, fields: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.post(url);
        if let Some(c) = &self.cookie {
            request = request.header("Cookie", c);
        }
        let response = request.send_form(fields.iter().copied()).unwrap();
        self.reply(response)
    }

    /// Opens the form at `page` and posts `fields` with its token.
    pub fn submit(
        &mut self,
        base: &str,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Reply {
        let form = self.get(&format!("{base}{page}"));
        assert_eq!(form.status, 200, "{}", form.body);
        let token = form.hidden("token");
        let mut all: Vec<(&str, &str)> = vec![("token", &token)];
        all.extend_from_slice(fields);
        self.post(&format!("{base}{action}"), &all)
    }
}
