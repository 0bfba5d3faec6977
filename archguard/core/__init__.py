"""Plain value types shared by every layer: no parsing, no graphs, no I/O."""
