"""Injection-style rules on the taint engine: SQL, file paths from uploads, deserialization."""
