"""The per-file pass: discovery, reading, parsing, facts, file rules, cache, workers."""
