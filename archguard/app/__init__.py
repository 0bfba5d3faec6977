"""Use cases: each wires configuration, the scanner, the graph, the rules and the
baseline into one thing the command line asks for."""
