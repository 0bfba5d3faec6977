"""Ships the taint engine's models of libraries (``rules/taint/*.yaml``) inside the wheel.

They live outside the package so that users find and read them where the design card
puts rule data; a wheel has nowhere else to carry them, so ``build_py`` copies them into
``archguard/patterns/taint``, which is where the taint engine looks first.
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
        # The taint engine's models of libraries (sources, sinks, sanitizers).
        models = target / "taint"
        models.mkdir(exist_ok=True)
        for source in sorted(Path(__file__).parent.joinpath("rules", "taint").glob("*.yaml")):
            shutil.copyfile(source, models / source.name)


setup(cmdclass={"build_py": BuildPyWithPatterns})
