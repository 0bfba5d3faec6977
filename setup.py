"""Ships the Semgrep rules and the taint models of the top-level ``rules/`` directory
inside the wheel.

They live outside the package so that users find and read them where the design card
puts them; a wheel has nowhere else to carry them, so ``build_py`` copies them into
``archguard/patterns``, which is where the registry looks first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithPatterns(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "archguard" / "patterns"
        target.mkdir(parents=True, exist_ok=True)
        for source in sorted(Path(__file__).parent.joinpath("rules").glob("*.yaml")):
            shutil.copyfile(source, target / source.name)
        # The taint engine's models of libraries (sources, sinks, sanitizers).
        models = target / "taint"
        models.mkdir(exist_ok=True)
        for source in sorted(Path(__file__).parent.joinpath("rules", "taint").glob("*.yaml")):
            shutil.copyfile(source, models / source.name)


setup(cmdclass={"build_py": BuildPyWithPatterns})
