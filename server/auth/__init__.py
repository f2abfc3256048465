"""Staff accounts, staff sessions, CSRF tokens and signed join tokens."""
