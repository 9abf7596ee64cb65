//! The public site in a real browser: Debian's headless Chromium, driven by
//! WebDriver through chromedriver, against the real `serve` on a free port.
//! It reads the Q&A page on a phone-sized window (no sideways scrolling),
//! filters the questions with the search box, and submits the self-check
//! and the inquiry form as a person would, by typing and clicking; the
//! self-check's mail and the stored inquiry are then checked on the desk.
//! What only a browser shows is tested here: the script running under the
//! site's Content-Security-Policy, the forms working with the browser's own
//! cookies, Origin and Sec-Fetch headers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::http::Served;
use common::site_desk::{inquiries_listed, mail, site_desk, to_of};
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver, found on the PATH (Debian's package puts it in /usr/bin).
fn chromedriver() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromedriver"))
            .find(|candidate| candidate.is_file())
    })
}

/// A chromedriver on a port of its own; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(binary: &Path) -> Driver {
        // chromedriver has no "any free port": take one from the kernel
        // and hand it over (nothing else on this machine races for it in
        // the instant between).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = std::process::Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // It says so on stdout once it listens.
        let stdout = child.stdout.take().unwrap();
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        while !line.contains("started successfully") {
            line.clear();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "chromedriver stopped before listening"
            );
        }
        // Drain the rest so chromedriver never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium window of `width`×`height` CSS pixels.
async fn browser(driver: &Driver, width: u32, height: u32) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            // --no-sandbox: CI runs as root, where Chromium's sandbox
            // refuses to start; the rest keep it off the network.
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--no-first-run", "--disable-quic",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", format!("--window-size={width},{height}")],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap()
}

async fn script_bool(client: &Client, script: &str) -> bool {
    client
        .execute(script, vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap_or_else(|| panic!("{script} returned no boolean"))
}

/// Whether the element `id` shows (present, and neither it nor its
/// section hidden).
async fn shown(client: &Client, id: &str) -> bool {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap()
}

async fn type_into(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

async fn click(client: &Client, what: Locator<'_>) {
    client.find(what).await.unwrap().click().await.unwrap();
}

async fn submit(client: &Client) {
    click(client, Locator::Css("form.form button[type=submit]")).await;
}

/// The visible text of the page's first `h1`, once the page navigated to
/// has one.
async fn heading(client: &Client) -> String {
    client
        .wait()
        .for_element(Locator::Css("main h1, h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[test]
fn the_site_in_chromium() {
    let missing = match (Path::new(CHROMIUM).is_file(), chromedriver()) {
        (true, Some(_)) => None,
        _ => Some("needs Debian's chromium and chromium-driver".to_owned()),
    };
    if !breachdesk_testkit::needs("browser test", missing) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (desk, outbox) = site_desk(tmp.path(), None, 20);
    let served = Served::start(&desk);
    let driver = Driver::start(&chromedriver().unwrap());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let reference = runtime.block_on(async {
        // A phone: the page fits its width, and its script runs under the
        // site's CSP (the search box is only shown by the script).
        let phone = browser(&driver, 390, 844).await;
        phone.goto(&format!("{}/en/", served.url)).await.unwrap();
        assert!(
            script_bool(
                &phone,
                "return document.documentElement.scrollWidth <= window.innerWidth"
            )
            .await,
            "the Q&A page scrolls sideways on a phone"
        );
        assert!(shown(&phone, "qa-search").await, "the search box is hidden");
        assert!(shown(&phone, "card-reissue").await && shown(&phone, "password").await);
        phone.close().await.unwrap();

        let client = browser(&driver, 1280, 900).await;
        client.goto(&format!("{}/en/", served.url)).await.unwrap();
        // The search box filters the questions and opens those that match.
        type_into(&client, "#qa-search", "new card").await;
        assert!(shown(&client, "card-reissue").await, "the match is hidden");
        assert!(
            script_bool(
                &client,
                "return document.getElementById('card-reissue').open"
            )
            .await,
            "the match stays folded"
        );
        assert!(!shown(&client, "password").await, "a non-match still shows");
        assert!(!shown(&client, "qa-search-none").await);
        type_into(&client, "#qa-search", " zzqqxx").await;
        assert!(
            shown(&client, "qa-search-none").await,
            "no 'nothing matches'"
        );
        assert!(!shown(&client, "card-reissue").await);
        // An anchor in the address opens its question.
        client
            .goto(&format!("{}/en/#which-card", served.url))
            .await
            .unwrap();
        assert!(script_bool(&client, "return document.getElementById('which-card').open").await);

        // The self-check, reached from the page's own button.
        click(&client, Locator::Css("p.cta a.button")).await;
        assert_eq!(heading(&client).await, "Am I affected?");
        type_into(&client, "#email", "Taro.Yamada@example.jp").await;
        submit(&client).await;
        assert_eq!(heading(&client).await, "Received");
        let page = client.source().await.unwrap();
        assert!(
            !page.contains("taro"),
            "the answer page repeats the address"
        );

        // The inquiry form, from the navigation.
        click(&client, Locator::LinkText("Contact us")).await;
        assert_eq!(heading(&client).await, "Contact us");
        type_into(&client, "#name", "Hanako Sato").await;
        type_into(&client, "#email", "hanako.sato@example.net").await;
        type_into(&client, "#phone", "080-1111-2222").await;
        click(&client, Locator::Css("#topic option[value=card]")).await;
        type_into(&client, "#message", "Which of my cards was it?").await;
        submit(&client).await;
        assert_eq!(heading(&client).await, "We have your inquiry");
        let reference = client
            .find(Locator::Css("p.reference strong"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        client.close().await.unwrap();
        reference
    });

    // The self-check went out by mail, once, to the person.
    let sent = mail(&outbox, 1);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(to_of(&sent[0]), "taro.yamada@example.jp");
    let listed = inquiries_listed(&desk);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["reference"], reference.as_str());
    assert_eq!(listed[0]["topic"], "card");
    assert_eq!(listed[0]["form"]["name"], "Hanako Sato");
    assert_eq!(listed[0]["form"]["phone"], "080-1111-2222");
    let (status, log) = served.stop();
    assert!(status.success(), "{log}");
    println!("browser test: passed (Chromium via chromedriver)");
}
