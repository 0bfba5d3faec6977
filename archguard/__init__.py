"""archguard: a static analyzer for Python backends, above all AI-generated ones."""

__version__ = "0.1.0"
