"""Renderers: a ScanReport in, text out. They know findings and rule metadata, never
rules themselves, and do no I/O."""
