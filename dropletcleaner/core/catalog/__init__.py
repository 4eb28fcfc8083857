"""The catalog: one SQLite file per library; every table and every SQL statement lives here."""
