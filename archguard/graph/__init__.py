"""The repo pass: the module graph built from every module's facts."""
