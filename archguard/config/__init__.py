"""User settings: ``[tool.archguard]`` in pyproject.toml or an ``archguard.toml``."""
