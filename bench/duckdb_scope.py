#!/usr/bin/env python3
"""The software-shop scope (examples/software-shop/incident.toml) as an
analyst would write it by hand in DuckDB SQL, over the same CSV files.

Usage: duckdb_scope.py DATA_DIR OUT_CSV

Differences from breachdesk, all in DuckDB's favour (less work):
- emails are normalized with lower(trim()) only: DuckDB has no NFKC, so
  full-width addresses are not merged with their accounts;
- cells are not validated: a malformed row is read as NULL or skipped
  rather than reported with its line.
"""
import sys
import time

import duckdb

data, out = sys.argv[1], sys.argv[2]
checkouts = f"{data}/checkouts.csv"
customers = f"{data}/customers.csv"

# Window: 2022-11-15 .. 2023-01-17 inclusive, whole days in Asia/Tokyo.
SQL = f"""
SET TimeZone = 'UTC';
CREATE OR REPLACE MACRO ts(s) AS
  CASE WHEN regexp_matches(s, '(Z|[+-][0-9][0-9]:?[0-9][0-9])$') THEN CAST(s AS TIMESTAMPTZ)
       ELSE CAST(CAST(s AS TIMESTAMP) - INTERVAL 9 HOUR AS TIMESTAMPTZ) END;
CREATE OR REPLACE MACRO blank(s) AS coalesce(trim(s), '') = '';
COPY (
WITH cust AS (
  SELECT customer_id, email, name, lower(trim(email)) AS nemail, ts(registered_at) AS reg
  FROM read_csv('{customers}', header = true, all_varchar = true)
),
cust_by_email AS (
  SELECT nemail, arg_max(customer_id, reg) AS customer_id FROM cust WHERE nemail <> '' GROUP BY nemail
),
co AS (
  SELECT *, ts(submitted_at) AS sat
  FROM read_csv('{checkouts}', header = true, all_varchar = true)
),
hit AS (
  SELECT *,
    sat BETWEEN TIMESTAMPTZ '2022-11-14 15:00:00+00' AND TIMESTAMPTZ '2023-01-17 14:59:59.999999+00' AS in_window
  FROM co
),
m AS (
  SELECT *,
    (in_window AND channel = 'online' AND payment_method = 'card' AND card_entry IN ('new', 'updated')
      AND coalesce(auto_renewal, '') NOT IN ('true', '1')
      AND coalesce(product_category, '') <> 'global-data-extension') AS e_card,
    (in_window AND channel = 'online' AND coalesce(logged_in, '') NOT IN ('true', '1')
      AND payment_method IN ('cod', 'konbini', 'amazon_pay')
      AND NOT (blank(name) AND blank(email) AND blank(phone) AND blank(postal_code) AND blank(address))) AS e_guest
  FROM hit
  WHERE in_window
),
matched AS (SELECT * FROM m WHERE e_card OR e_guest),
keyed AS (
  SELECT matched.*,
    CASE WHEN NOT blank(matched.customer_id) THEN trim(matched.customer_id)
         WHEN b.customer_id IS NOT NULL THEN b.customer_id
         WHEN NOT blank(matched.email) THEN 'guest:' || lower(trim(matched.email))
         ELSE 'checkout:' || checkout_id END AS person
  FROM matched
  LEFT JOIN cust_by_email b ON blank(matched.customer_id) AND b.nemail = lower(trim(matched.email))
),
per AS (
  SELECT person,
    bool_or(e_card) AS card, bool_or(e_guest) AS guest,
    bool_or(NOT blank(name)) AS has_name, bool_or(NOT blank(email)) AS has_email,
    bool_or(e_guest AND NOT blank(phone)) AS has_phone,
    bool_or(e_guest AND NOT blank(postal_code)) AS has_postal,
    bool_or(e_guest AND NOT blank(address)) AS has_address,
    count(*) AS checkouts,
    count(DISTINCT CASE WHEN e_card AND NOT blank(card_fingerprint) THEN card_fingerprint END) AS cards,
    arg_max(CASE WHEN blank(name) THEN NULL ELSE name END, sat) AS latest_name,
    min(sat) AS first_at, max(sat) AS last_at
  FROM keyed GROUP BY person
)
SELECT per.person,
  CASE WHEN c.customer_id IS NOT NULL THEN c.email
       WHEN per.person LIKE 'guest:%' THEN substr(per.person, 7) ELSE '' END AS email,
  coalesce(c.name, latest_name) AS name,
  concat_ws(';', CASE WHEN card THEN 'card-typed' END, CASE WHEN guest THEN 'guest-form' END) AS exposures,
  concat_ws(';',
    CASE WHEN has_address THEN 'address' END,
    CASE WHEN card THEN 'card_expiry;card_holder;card_number;card_security_code' END,
    CASE WHEN has_email THEN 'email' END,
    CASE WHEN has_name THEN 'name' END,
    CASE WHEN has_phone THEN 'phone' END,
    CASE WHEN has_postal THEN 'postal_code' END) AS items,
  checkouts, cards,
  strftime(first_at + INTERVAL 9 HOUR, '%Y-%m-%dT%H:%M:%S+09:00') AS first_exposed_at,
  strftime(last_at + INTERVAL 9 HOUR, '%Y-%m-%dT%H:%M:%S+09:00') AS last_exposed_at
FROM per LEFT JOIN cust c ON c.customer_id = per.person
ORDER BY per.person
) TO '{out}' (HEADER, DELIMITER ',');
"""

started = time.perf_counter()
con = duckdb.connect()
con.execute(SQL)
elapsed = time.perf_counter() - started
persons = con.execute(f"SELECT count(*) FROM read_csv('{out}', header = true, all_varchar = true)").fetchone()[0]
print(f"duckdb {duckdb.__version__}: {persons} persons in {elapsed:.2f}s")
