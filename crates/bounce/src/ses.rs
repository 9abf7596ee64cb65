//! Amazon SES bounce notifications delivered by email (through SNS): the
//! body is a JSON document, not a report. Shops that send through SES get
//! their bounces this way. Complaints and delivery notices yield nothing.

use crate::Failure;
use mail_parser::Message;

/// The failures of an SES bounce notification, with the original
/// Message-ID when SES kept the headers.
pub(crate) fn failures(message: &Message<'_>) -> Option<(Vec<Failure>, Option<String>)> {
    let body = message.body_text(0)?;
    // SES writes its JSON on one line; a relay that breaks lines over 998
    // characters ends the piece with `!` and indents the rest.
    let body = body.replace("!\r\n ", "").replace("!\n ", "");
    // Either the notification itself, or SNS's envelope with the
    // notification as a string in its `Message`.
    let start = body.find("{\"notificationType\"").or_else(|| {
        body.contains("\\\"notificationType\\\"")
            .then(|| body.find('{'))
            .flatten()
    })?;
    let mut value = first_json(&body[start..])?;
    if let Some(inner) = value["Message"].as_str() {
        value = first_json(inner)?;
    }
    if value["notificationType"] != "Bounce" {
        return Some((Vec::new(), None));
    }
    let bounce = &value["bounce"];
    let temporary = bounce["bounceType"] == "Transient";
    let failures = bounce["bouncedRecipients"]
        .as_array()?
        .iter()
        .filter_map(|r| {
            let recipient = r["emailAddress"].as_str()?.trim().to_ascii_lowercase();
            Some(Failure {
                recipient,
                status: r["status"].as_str().unwrap_or("").to_owned(),
                diagnostic: r["diagnosticCode"].as_str().unwrap_or("").to_owned(),
                action: if temporary { "delayed" } else { "failed" }.to_owned(),
            })
        })
        .collect();
    let message_id = value["mail"]["headers"]
        .as_array()
        .and_then(|headers| {
            headers.iter().find(|h| {
                h["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case("message-id"))
            })
        })
        .and_then(|h| h["value"].as_str())
        .map(|id| {
            format!(
                "<{}>",
                id.trim().trim_start_matches('<').trim_end_matches('>')
            )
        });
    Some((failures, message_id))
}

/// The first JSON value of `text`; what follows it is ignored.
fn first_json(text: &str) -> Option<serde_json::Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<serde_json::Value>()
        .next()?
        .ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::parse_message;

    fn notification(kind: &str, wrapped: bool) -> String {
        let inner = format!(
            r#"{{"notificationType":"{kind}","bounce":{{"bounceType":"Transient","bouncedRecipients":[{{"emailAddress":"Hanako@Example.JP","status":"4.2.2","diagnosticCode":"smtp; 452 4.2.2 mailbox full"}}]}},"mail":{{"headers":[{{"name":"Message-ID","value":"<notice-1.7.kumo@kumosoft.example>"}}]}}}}"#
        );
        let body = if wrapped {
            format!(
                "{{\n  \"Type\" : \"Notification\",\n  \"Message\" : {}\n}}\n",
                serde_json::Value::String(inner)
            )
        } else {
            inner
        };
        format!(
            "From: no-reply@sns.amazonaws.com\r\nTo: care@kumosoft.example\r\nSubject: AWS Notification Message\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{body}\r\n--\r\nunsubscribe: https://sns.example/\r\n"
        )
    }

    #[test]
    fn ses_bounces_plain_or_in_the_sns_envelope_and_nothing_else() {
        for wrapped in [false, true] {
            let found =
                parse_message("ses.eml", notification("Bounce", wrapped).as_bytes()).unwrap();
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(found[0].recipient, "hanako@example.jp");
            assert_eq!(found[0].status, "4.2.2");
            assert!(!found[0].hard, "a transient bounce is soft");
            assert_eq!(
                found[0].message_id.as_deref(),
                Some("<notice-1.7.kumo@kumosoft.example>")
            );
            let complaint =
                parse_message("ses.eml", notification("Complaint", wrapped).as_bytes()).unwrap();
            assert!(complaint.is_empty(), "{complaint:?}");
        }
    }
}
