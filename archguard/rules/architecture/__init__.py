"""Architecture rules: layering, import cycles, module size and coupling, fat
handlers, service boundaries and copied logic, all on the module graph."""
