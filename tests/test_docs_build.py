"""scripts/build_docs.sh, the docs step of scripts/test.sh: a warning fails the build.

Built on a two-page site of its own (seconds), not the real one: what is under test is how the
script runs mkdocs. With ``--quiet`` (as the docs step ran before) a broken link built fine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")
ROOT = Path(__file__).resolve().parent.parent


def build(tmp_path: Path, page: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\n[Other](other.md)\n")
    (tmp_path / "docs" / "other.md").write_text(page)
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: t\nnav:\n  - index.md\n  - other.md\n")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    script = ROOT / "scripts" / "build_docs.sh"
    return subprocess.run(
        ["bash", str(script), "-f", str(config), "--site-dir", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def test_a_broken_link_fails_the_build_and_says_where(tmp_path: Path) -> None:
    completed = build(tmp_path, "# Other\n\nSee [the missing page](missing.md).\n")
    assert completed.returncode != 0, completed.stdout
    assert "'missing.md'" in completed.stdout
    assert "INFO" not in completed.stdout, "only warnings and errors are shown"


def test_a_clean_site_builds(tmp_path: Path) -> None:
    completed = build(tmp_path, "# Other\n\nBack [home](index.md).\n")
    assert completed.returncode == 0, completed.stdout
    assert (tmp_path / "site" / "other" / "index.html").is_file()


def test_ci_builds_the_docs_through_the_script() -> None:
    """scripts/test.sh (which .ci/run runs) builds the docs with build_docs.sh, and no script
    runs `mkdocs build` quietly."""
    test_sh = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "step docs bash scripts/build_docs.sh" in test_sh
    for script in [*(ROOT / "scripts").glob("*.sh"), ROOT / ".ci" / "run"]:
        for line in script.read_text(encoding="utf-8").splitlines():
            if "mkdocs build" in line and not line.lstrip().startswith("#"):
                assert not any(flag in line.split() for flag in ("-q", "--quiet")), (script, line)
