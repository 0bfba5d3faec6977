"""Database access rules: N+1 queries and their cousins (AG3xx)."""
