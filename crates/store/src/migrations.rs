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
];

pub(crate) const MIGRATIONS_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)";
