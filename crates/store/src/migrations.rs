//! The schema, embedded, with one list of migrations for both backends: the
//! names are identical, only column types differ where the engines do.

/// (version, name, statements). Statements use `{blob}` for a byte column.
pub(crate) const MIGRATIONS: &[(i64, &str, &[&str])] = &[
    (
        1,
        "desk",
        &[
            "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            // One row per `load`: figures only, never personal data.
            "CREATE TABLE generations (
            generation BIGINT PRIMARY KEY,
            loaded_at TEXT NOT NULL,
            operator TEXT NOT NULL,
            incident_id TEXT NOT NULL,
            summary TEXT NOT NULL,
            changes TEXT NOT NULL
        )",
            // A person's stable internal id; the key and email only as keyed
            // blind indexes and a sealed copy of the key.
            "CREATE TABLE persons (
            person_id BIGINT PRIMARY KEY,
            key_index {blob} NOT NULL UNIQUE,
            email_index {blob},
            sealed_key {blob} NOT NULL
        )",
            "CREATE INDEX persons_email_index ON persons (email_index)",
            // What one generation says about one person; the personal part sealed.
            "CREATE TABLE person_generations (
            generation BIGINT NOT NULL,
            person_id BIGINT NOT NULL,
            exposures TEXT NOT NULL,
            items TEXT NOT NULL,
            checkouts BIGINT NOT NULL,
            cards BIGINT NOT NULL,
            sealed {blob} NOT NULL,
            PRIMARY KEY (generation, person_id)
        )",
            "CREATE TABLE audit (
            seq BIGINT PRIMARY KEY,
            at TEXT NOT NULL,
            operator TEXT NOT NULL,
            action TEXT NOT NULL,
            person_id BIGINT,
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )",
        ],
    ),
    (
        2,
        "notices",
        &[
            // The ledger: one row per (campaign, person). A row is claimed
            // (`sending`) in its own commit before the message leaves, and
            // marked `sent` after, so a crash can only leave rows `sending`:
            // those are the messages in doubt, never re-sent blindly.
            "CREATE TABLE notices (
                notice_id BIGINT PRIMARY KEY,
                campaign TEXT NOT NULL,
                person_id BIGINT NOT NULL,
                generation BIGINT NOT NULL,
                state TEXT NOT NULL,
                attempts BIGINT NOT NULL,
                message_id TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                detail TEXT NOT NULL,
                UNIQUE (campaign, person_id)
            )",
            "CREATE INDEX notices_state ON notices (campaign, state)",
            "CREATE INDEX notices_message_id ON notices (message_id)",
        ],
    ),
    (
        3,
        "person_history_index",
        // A person's history is read by person id; the primary key leads
        // with the generation.
        &["CREATE INDEX person_generations_person ON person_generations (person_id, generation)"],
    ),
    (
        4,
        "ledger_states",
        &[
            // The ledger rebuilt with a CHECK on its states (a table's
            // constraints cannot be added in place on SQLite), and the run
            // that claimed each row.
            "CREATE TABLE notices_v4 (
                notice_id BIGINT PRIMARY KEY,
                campaign TEXT NOT NULL,
                person_id BIGINT NOT NULL,
                generation BIGINT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'deferred', 'bounced', 'letter', 'letter_printed', 'failed', 'in_doubt', 'withdrawn')),
                attempts BIGINT NOT NULL,
                message_id TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                detail TEXT NOT NULL,
                run_id BIGINT,
                kind TEXT NOT NULL DEFAULT 'notice' CHECK (kind IN ('notice', 'correction')),
                UNIQUE (campaign, person_id)
            )",
            // `letter` used to mean both "due a letter" and "handed to the
            // vendor"; the export wrote its audit entry with the very
            // timestamp it gave the rows, which tells the two apart.
            "INSERT INTO notices_v4 (notice_id, campaign, person_id, generation, state, attempts, message_id, updated_at, detail, run_id)
                SELECT notice_id, campaign, person_id, generation,
                    CASE WHEN state = 'letter' AND updated_at IN (SELECT at FROM audit WHERE action = 'letters-export')
                        THEN 'letter_printed' ELSE state END,
                    attempts, message_id, updated_at, detail, NULL
                FROM notices",
            "DROP TABLE notices",
            "ALTER TABLE notices_v4 RENAME TO notices",
            "CREATE INDEX notices_state ON notices (campaign, state)",
            "CREATE INDEX notices_message_id ON notices (message_id)",
            "CREATE INDEX notices_person ON notices (person_id)",
            // Each send run, while it lives; its claims carry its id.
            "CREATE TABLE send_runs (
                run_id BIGINT PRIMARY KEY,
                campaign TEXT NOT NULL,
                started_at TEXT NOT NULL,
                finished_at TEXT
            )",
            // Each bounce applied, by a digest of the report's Message-ID and
            // the notice it was matched to: applied once, however often the
            // same report is read.
            "CREATE TABLE bounces_applied (
                report_digest TEXT NOT NULL,
                notice_id BIGINT NOT NULL,
                applied_at TEXT NOT NULL,
                outcome TEXT NOT NULL,
                PRIMARY KEY (report_digest, notice_id)
            )",
        ],
    ),
    (
        5,
        "site",
        &[
            // The Q&A page's questions and answers, per language, each with
            // a stable anchor; answers may use the desk's figures.
            "CREATE TABLE qa_entries (
                lang TEXT NOT NULL,
                anchor TEXT NOT NULL,
                category TEXT NOT NULL,
                position BIGINT NOT NULL,
                question TEXT NOT NULL,
                answer TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (lang, anchor)
            )",
            // The page's dated change log: every published change.
            "CREATE TABLE qa_changes (
                change_id BIGINT PRIMARY KEY,
                lang TEXT NOT NULL,
                published_on TEXT NOT NULL,
                text TEXT NOT NULL
            )",
            // Secrets every `serve` of the desk shares (the form tokens'
            // key), sealed.
            "CREATE TABLE web_secrets (name TEXT PRIMARY KEY, sealed {blob} NOT NULL)",
            // Requests per client per window; the client as a keyed digest.
            "CREATE TABLE rate_counters (
                bucket {blob} NOT NULL,
                window_start BIGINT NOT NULL,
                hits BIGINT NOT NULL,
                PRIMARY KEY (bucket, window_start)
            )",
            // Self-checks waiting for the worker: the address sealed, and
            // its blind index.
            "CREATE TABLE check_requests (
                request_id BIGINT PRIMARY KEY,
                email_index {blob} NOT NULL,
                sealed {blob} NOT NULL,
                received_at TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('queued', 'taken', 'done', 'suppressed', 'invalid')),
                taken_at TEXT
            )",
            "CREATE INDEX check_requests_state ON check_requests (state, request_id)",
            // When each address last got a result: one a day at most.
            "CREATE TABLE check_results (email_index {blob} PRIMARY KEY, last_result_at TEXT NOT NULL)",
            // Mail the site sends, through the ledger's states: to a person of
            // the scope (their notice again) or to any other address.
            "CREATE TABLE site_mail (
                mail_id BIGINT PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('check-affected', 'check-nothing')),
                person_id BIGINT,
                generation BIGINT,
                sealed {blob} NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'deferred', 'bounced', 'letter', 'letter_printed', 'failed', 'in_doubt', 'withdrawn')),
                attempts BIGINT NOT NULL,
                message_id TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                detail TEXT NOT NULL
            )",
            "CREATE INDEX site_mail_state ON site_mail (state, mail_id)",
            "CREATE INDEX site_mail_message_id ON site_mail (message_id)",
            // Inquiries from the form, sealed; the reference is what the
            // person was shown.
            "CREATE TABLE inquiries (
                inquiry_id BIGINT PRIMARY KEY,
                reference TEXT NOT NULL UNIQUE,
                topic TEXT NOT NULL CHECK (topic IN ('affected', 'card', 'other')),
                received_at TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('open', 'answered', 'closed')),
                sealed {blob} NOT NULL
            )",
        ],
    ),
];

pub(crate) const MIGRATIONS_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)";
