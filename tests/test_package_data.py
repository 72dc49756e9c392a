"""Every file the package reads at run time that is not Python ships in the wheel: a file
left out of ``[tool.setuptools.package-data]`` works from a clone and breaks once installed
(Binder's install found ``widgets/drafts_mixin.js`` missing)."""

from __future__ import annotations

import ast
import re
import subprocess
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_non_python_file_of_the_package_is_package_data() -> None:
    # tomllib is Python 3.11+; the package supports 3.10, so the one line is read as it is.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split("[tool.setuptools.package-data]", 1)[1]
    line = re.search(r"^shoptet_nb = (\[.*\])$", section, re.MULTILINE)
    assert line, "no shoptet_nb line under [tool.setuptools.package-data]"
    globs = ast.literal_eval(line.group(1))
    tracked = subprocess.run(
        ["git", "ls-files", "shoptet_nb"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    data = [Path(f).relative_to("shoptet_nb").as_posix() for f in tracked if not f.endswith(".py")]
    assert data, "git ls-files found no package data: is this a clone?"
    missing = [f for f in data if not any(fnmatch(f, g) for g in globs)]
    assert missing == [], f"add these to [tool.setuptools.package-data]: {missing}"
