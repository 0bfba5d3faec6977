"""AG509: outbound network calls that can hang a service."""
