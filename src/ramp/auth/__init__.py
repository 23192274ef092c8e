"""Web login: a password (argon2id) plus a TOTP code (RFC 6238), server-side sessions with a
CSRF token, lockout after repeated failures, and every login and failure in the log."""
