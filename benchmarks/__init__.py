"""Load tests of the FreeScout API against a bare Django view, on PostgreSQL (see README.md here)."""

# Importing this package has no side effects: the scripts set the environment before Django's settings load.
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench"
