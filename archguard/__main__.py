"""``python -m archguard``.

``-m`` puts the current directory first on ``sys.path``, which is the repository being
scanned: a ``click.py`` or ``yaml.py`` there would be imported, and run, in place of the
library. archguard never runs the code it scans, so that entry is removed before
anything else is imported (archguard's own modules are found through its package).
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()) and not sys.flags.safe_path:
    del sys.path[0]

from archguard.cli import main

if __name__ == "__main__":
    main()
