//! Throwaway PostgreSQL databases for tests and benchmarks: created on a
//! server the caller names, dropped when done.

use crate::StoreError;
use sqlx::postgres::PgPool;

/// A database of its own on a shared test server.
pub struct ScratchDatabase {
    admin: PgPool,
    name: String,
    /// URL of the new database (same server and credentials as the admin URL).
    pub url: String,
}

impl ScratchDatabase {
    /// Creates `PREFIX_<pid>` on the server of `admin_url` (replacing a
    /// leftover of an earlier crashed run).
    pub async fn create(admin_url: &str, prefix: &str) -> Result<ScratchDatabase, StoreError> {
        if !prefix.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(StoreError::Invalid(format!(
                "bad database prefix {prefix:?}"
            )));
        }
        let name = format!("{prefix}_{}", std::process::id());
        let admin = PgPool::connect(admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&admin)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await?;
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or(admin_url);
        let url = format!("{base}/{name}");
        Ok(ScratchDatabase { admin, name, url })
    }

    pub async fn drop_database(self) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {} WITH (FORCE)",
            self.name
        )))
        .execute(&self.admin)
        .await?;
        self.admin.close().await;
        Ok(())
    }
}
