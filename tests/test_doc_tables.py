"""The documentation's generated tables (columns, statuses, settings, sandbox switches) match
the code, and the README's quick start names commands that exist.

Fix a table with `python scripts/doc_tables.py --write`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_doc_tables_match_the_code() -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "doc_tables.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_each_table_is_in_its_reference_page() -> None:
    reference = ROOT / "docs" / "reference"
    for page, name in [
        ("columns.md", "columns"),
        ("statuses.md", "statuses"),
        ("settings.md", "settings"),
        ("sandbox-switches.md", "sandbox-switches"),
    ]:
        text = (reference / page).read_text(encoding="utf-8")
        assert f"<!-- generated:{name} -->" in text, page
        assert f"<!-- /generated:{name} -->" in text, page


def test_readme_quick_start_commands_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("bash scripts/demo.sh", "bash scripts/test.sh"):
        assert command in readme
        assert (ROOT / command.split()[1]).is_file()
    assert (ROOT / "docs" / "editor.png").is_file(), "the README shows docs/editor.png"
    assert "docs/editor.png" in readme


def test_every_status_of_the_photo_verbs_is_in_the_statuses_page() -> None:
    """add_images, its revert, delete_images and the restore: each status a row can end with."""
    from shoptet_nb.write.add.result import ADD_STATUSES, REVERT_STATUSES
    from shoptet_nb.write.delete_result import DELETE_STATUSES, RESTORE_STATUSES

    text = (ROOT / "docs" / "reference" / "statuses.md").read_text(encoding="utf-8")
    for title, statuses in [
        ("**Add**", ADD_STATUSES),
        ("**Revert of an add**", REVERT_STATUSES),
        ("**Delete**", DELETE_STATUSES),
        ("**Restore**", RESTORE_STATUSES),
    ]:
        assert title in text, title
        section = text.split(title, 1)[1].split("\n\n**", 1)[0]
        missing = [s for s in statuses if f"| `{s}` |" not in section]
        assert not missing, (title, missing)
