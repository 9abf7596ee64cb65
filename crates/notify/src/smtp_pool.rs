//! SMTP connections, kept open and reused, on lettre's SMTP client.
//!
//! The pool opens its own TCP connections so it can set `TCP_NODELAY`:
//! lettre writes a message and its final `.` in two writes, and with
//! Nagle's algorithm the second one waits for the server's delayed ACK,
//! 40 ms per message on Linux. Implicit TLS (`smtps://`) goes through
//! lettre's own connect, which does not expose the socket.
//!
//! A connection that failed in any way is closed (lettre marks it broken);
//! only one that just delivered a message goes back to the pool.
//!
//! When the server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go
//! in one write and their replies are read together: two round trips a
//! message instead of four, which halves the system calls and wake-ups on
//! both ends. lettre does not pipeline, so the commands go through its
//! public `command`/`read_response`.

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use std::sync::Mutex;
use std::time::Duration;

pub use lettre::transport::smtp::Error as SmtpError;

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error(transparent)]
    Smtp(#[from] SmtpError),
    #[error("cannot connect to {server}: {source}")]
    Connect {
        server: String,
        source: std::io::Error,
    },
    #[error("{server} did not answer within {} minutes", MESSAGE_TIMEOUT.as_secs() / 60)]
    Timeout { server: String },
    /// The server refused the session itself (greeting, STARTTLS, AUTH):
    /// no message was offered, and none will be until the settings change.
    #[error("the mail server {server} refused the session: {source}")]
    Session { server: String, source: SmtpError },
    /// The connection broke or stalled once the message was being handed
    /// over, before the server's reply: it may have arrived (RFC 1047's
    /// duplicate case). Sending it again could deliver it twice.
    #[error("the connection to {server} was lost while the message was handed over: {reason}")]
    Lost { server: String, reason: String },
}

impl PoolError {
    /// A 5xx reply: the server will never take this message.
    pub fn is_permanent(&self) -> bool {
        matches!(self, PoolError::Smtp(e) if e.is_permanent())
    }

    /// An error of the session, not of this message's recipient.
    pub fn is_session(&self) -> bool {
        matches!(self, PoolError::Session { .. })
    }

    /// The message may or may not have arrived.
    pub fn is_in_doubt(&self) -> bool {
        matches!(self, PoolError::Lost { .. })
    }
}

/// An SMTP URL that cannot be used. Never shows the URL itself: it may
/// hold a password.
#[derive(Debug, thiserror::Error)]
pub enum UrlError {
    #[error("the SMTP URL cannot be read: {0}")]
    Parse(url::ParseError),
    #[error("no host in the SMTP URL")]
    NoHost,
    #[error("TLS for the SMTP server: {0}")]
    Tls(SmtpError),
    #[error(
        "unknown scheme {scheme:?} or tls={tls:?} (smtp://, smtp://...?tls=required|opportunistic, smtps://)"
    )]
    Unknown { scheme: String, tls: Option<String> },
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest a server may take over one message, from MAIL to the reply
/// after the final dot (RFC 5321 allows it 10 minutes for that reply).
const MESSAGE_TIMEOUT: Duration = Duration::from_secs(12 * 60);

#[derive(Clone)]
enum Security {
    /// No TLS (`smtp://`, a relay on the same host or network).
    None,
    /// STARTTLS when the server offers it (`?tls=opportunistic`).
    Opportunistic(TlsParameters),
    /// STARTTLS or no mail (`?tls=required`).
    Required(TlsParameters),
    /// TLS from the first byte (`smtps://`).
    Implicit(TlsParameters),
}

pub struct SmtpPool {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
    max_idle: usize,
    idle: Mutex<Vec<Connection>>,
}

/// An open session, and whether its server pipelines.
struct Connection {
    smtp: AsyncSmtpConnection,
    pipelining: bool,
}

impl SmtpPool {
    /// `smtp://host[:port]` (no TLS; port 25), `smtp://host[:port]?tls=required`
    /// or `?tls=opportunistic` (STARTTLS; port 587), `smtps://host[:port]`
    /// (port 465). Credentials in the URL or given apart.
    pub fn from_url(
        url: &str,
        credentials: Option<(String, String)>,
        connections: u32,
    ) -> Result<SmtpPool, UrlError> {
        let parsed = url::Url::parse(url).map_err(UrlError::Parse)?;
        let host = parsed
            .host_str()
            .ok_or(UrlError::NoHost)?
            .trim_matches(['[', ']'])
            .to_owned();
        let tls = || TlsParameters::new(host.clone()).map_err(UrlError::Tls);
        let mode = parsed
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let (security, default_port) = match (parsed.scheme(), mode.as_deref()) {
            ("smtp", None) => (Security::None, 25),
            ("smtp", Some("required")) => (Security::Required(tls()?), 587),
            ("smtp", Some("opportunistic")) => (Security::Opportunistic(tls()?), 587),
            ("smtps", _) => (Security::Implicit(tls()?), 465),
            (scheme, tls) => {
                return Err(UrlError::Unknown {
                    scheme: scheme.to_owned(),
                    tls: tls.map(str::to_owned),
                });
            }
        };
        let from_url = (!parsed.username().is_empty()).then(|| {
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            Credentials::new(
                decode(parsed.username()),
                decode(parsed.password().unwrap_or("")),
            )
        });
        let hello = match parsed.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        Ok(SmtpPool {
            port: parsed.port().unwrap_or(default_port),
            host,
            security,
            credentials: credentials
                .map(|(user, password)| Credentials::new(user, password))
                .or(from_url),
            hello,
            max_idle: connections.max(1) as usize,
            idle: Mutex::new(Vec::new()),
        })
    }

    async fn connect(&self) -> Result<Connection, PoolError> {
        let failed = |source| PoolError::Connect {
            server: format!("{}:{}", self.host, self.port),
            source,
        };
        // A refusal (5xx, TLS, no common AUTH mechanism) ends the run; a
        // network hiccup while opening is only a deferral.
        let session = |source: SmtpError| {
            if source.is_permanent() || source.is_tls() || source.is_client() {
                PoolError::Session {
                    server: format!("{}:{}", self.host, self.port),
                    source,
                }
            } else {
                PoolError::Smtp(source)
            }
        };
        let mut connection = match &self.security {
            Security::Implicit(tls) => AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(CONNECT_TIMEOUT),
                &self.hello,
                Some(tls.clone()),
                None,
            )
            .await
            .map_err(session)?,
            _ => {
                let tcp = tokio::time::timeout(
                    CONNECT_TIMEOUT,
                    tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
                )
                .await
                .map_err(|_| failed(std::io::ErrorKind::TimedOut.into()))?
                .map_err(failed)?;
                tcp.set_nodelay(true).map_err(failed)?;
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello)
                    .await
                    .map_err(session)?
            }
        };
        match &self.security {
            Security::Required(tls) => connection
                .starttls(tls.clone(), &self.hello)
                .await
                .map_err(session)?,
            Security::Opportunistic(tls) if connection.can_starttls() => {
                connection
                    .starttls(tls.clone(), &self.hello)
                    .await
                    .map_err(session)?;
            }
            _ => {}
        }
        // lettre keeps no note of PIPELINING: ask once more (before AUTH,
        // which a later EHLO might undo) and read the keywords.
        // A server that refuses a second EHLO keeps the first one's session:
        // it is then used without pipelining.
        let pipelining = match connection.command(Ehlo::new(self.hello.clone())).await {
            Ok(reply) => reply
                .message()
                .skip(1)
                .any(|line| line.trim().eq_ignore_ascii_case("PIPELINING")),
            Err(e) if e.status().is_some() => false,
            Err(e) => return Err(session(e)),
        };
        if let Some(credentials) = &self.credentials {
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(session)?;
        }
        Ok(Connection {
            smtp: connection,
            pipelining,
        })
    }

    /// Delivers one message on an idle connection, or a new one.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<Response, PoolError> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut connection = match idle {
            Some(connection) => connection,
            // Greeting, EHLO, STARTTLS and AUTH together: a server that
            // accepts the connection and then says nothing must not hold
            // the run either.
            None => tokio::time::timeout(CONNECT_TIMEOUT, self.connect())
                .await
                .map_err(|_| PoolError::Timeout {
                    server: format!("{}:{}", self.host, self.port),
                })??,
        };
        // A server that stops answering must not hold the run forever.
        // Once the message is being handed over, a broken or stalled
        // connection leaves it in doubt (it may have arrived: the
        // duplicate-message case of RFC 1047): reported as such, never
        // sent again by itself. Before that, nothing was delivered and the
        // message may go again.
        let handed_over = std::sync::atomic::AtomicBool::new(false);
        let server = || format!("{}:{}", self.host, self.port);
        let result = match tokio::time::timeout(
            MESSAGE_TIMEOUT,
            transaction(&mut connection, envelope, message, &handed_over),
        )
        .await
        {
            Ok(Err(e))
                if e.status().is_none()
                    && handed_over.load(std::sync::atomic::Ordering::Relaxed) =>
            {
                return Err(PoolError::Lost {
                    server: server(),
                    reason: e.to_string(),
                });
            }
            Ok(result) => result.map_err(PoolError::from),
            Err(_) => {
                // Dropped, not QUIT: a server that does not answer would
                // not answer that either.
                drop(connection);
                return Err(if handed_over.load(std::sync::atomic::Ordering::Relaxed) {
                    PoolError::Lost {
                        server: server(),
                        reason: format!(
                            "no reply within {} minutes",
                            MESSAGE_TIMEOUT.as_secs() / 60
                        ),
                    }
                } else {
                    PoolError::Timeout { server: server() }
                });
            }
        };
        if result.is_ok() && !connection.smtp.has_broken() {
            if let Ok(mut idle) = self.idle.lock()
                && idle.len() < self.max_idle
            {
                idle.push(connection);
                return result;
            }
            let _ = connection.smtp.quit().await;
        }
        result
    }
}

/// One mail transaction, pipelined when the server allows it and the
/// envelope and message are ASCII (otherwise lettre's own `send` adds the
/// SMTPUTF8 and 8BITMIME parameters, or refuses, as it should).
async fn transaction(
    connection: &mut Connection,
    envelope: &Envelope,
    message: &[u8],
    handed_over: &std::sync::atomic::AtomicBool,
) -> Result<Response, SmtpError> {
    let ascii = envelope
        .from()
        .is_none_or(|a| AsRef::<str>::as_ref(a).is_ascii())
        && envelope
            .to()
            .iter()
            .all(|a| AsRef::<str>::as_ref(a).is_ascii())
        && message.is_ascii();
    if !connection.pipelining || !ascii {
        // lettre's own transaction does not say how far it got: a broken
        // connection anywhere in it is taken as possibly delivered.
        handed_over.store(true, std::sync::atomic::Ordering::Relaxed);
        return connection.smtp.send(envelope, message).await;
    }
    let smtp = &mut connection.smtp;
    let mut commands = Mail::new(envelope.from().cloned(), Vec::new()).to_string();
    for to in envelope.to() {
        commands.push_str(&Rcpt::new(to.clone(), Vec::new()).to_string());
    }
    commands.push_str(&Data.to_string());
    // Every reply is read, refusals included, so the session stays in
    // step; the first refusal is the transaction's outcome. An error that
    // is not a reply (the connection broke) ends the session at once.
    let mut refusal = None;
    let mut data_accepted = false;
    let replies = envelope.to().len() + 2;
    for index in 0..replies {
        let reply = if index == 0 {
            smtp.command(commands.as_str()).await
        } else {
            smtp.read_response().await
        };
        match reply {
            Ok(_) if index + 1 == replies => data_accepted = true,
            Ok(_) => {}
            Err(e) if e.status().is_none() => {
                // A server that refused and hung up (421) is read as its
                // refusal, not as the broken connection that follows.
                smtp.abort().await;
                return Err(refusal.unwrap_or(e));
            }
            Err(e) => {
                refusal.get_or_insert(e);
            }
        }
    }
    if let Some(refusal) = refusal {
        if !data_accepted {
            // As lettre does after any failure: QUIT, then close.
            smtp.abort().await;
        }
        // Past a 354 the server waits for the message: closing without
        // the final dot makes it drop the transaction.
        return Err(refusal);
    }
    // ASCII, so a str; the whole DATA section in one write (lettre's
    // `message` copies byte by byte and writes the final dot apart).
    handed_over.store(true, std::sync::atomic::Ordering::Relaxed);
    let data = match std::str::from_utf8(message) {
        Ok(text) => smtp.command(dot_stuffed(text)).await,
        Err(_) => smtp.message(message).await,
    };
    match data {
        Ok(response) => Ok(response),
        Err(e) => {
            smtp.abort().await;
            Err(e)
        }
    }
}

/// The message as the DATA section carries it: a dot starting a line gets
/// another in front (RFC 5321, 4.5.2), as lettre's own encoder does, and
/// the final dot follows.
fn dot_stuffed(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 16);
    if message.starts_with('.') {
        out.push('.');
    }
    let mut rest = message;
    while let Some(at) = rest.find("\r\n.") {
        out.push_str(&rest[..at + 2]);
        out.push('.');
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out.push_str("\r\n.\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::dot_stuffed;

    #[test]
    fn a_dot_starting_a_line_is_doubled_and_the_final_dot_follows() {
        assert_eq!(dot_stuffed("a\r\nb"), "a\r\nb\r\n.\r\n");
        assert_eq!(
            dot_stuffed(".a\r\n.\r\n..b\r\nc.d"),
            "..a\r\n..\r\n...b\r\nc.d\r\n.\r\n"
        );
        // Only CRLF ends a line here, as in lettre's encoder.
        assert_eq!(dot_stuffed("a\n.b"), "a\n.b\r\n.\r\n");
    }
}
