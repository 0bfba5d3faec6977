"""All of archguard's rules. Each rule is one module in a family package; the registry
finds them by walking this package, so adding a rule touches no other file."""
