"""AG1xx: hardcoded secrets (CWE-798)."""
