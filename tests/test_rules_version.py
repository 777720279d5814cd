"""The rules backend's cache version follows its code: changed rules never serve old answers."""

from __future__ import annotations

import shutil
from pathlib import Path

from extract.backends.rules import RULES_SOURCES, RulesBackend, sources_digest


def test_the_version_is_a_digest_of_the_rules_sources() -> None:
    names = {path.name for path in RULES_SOURCES}
    assert {"currency.py", "tables.py", "rules.py", "values.py", "embedded.py"} <= names
    assert all(path.is_file() for path in RULES_SOURCES)
    assert RulesBackend.prompt_version == f"3-{sources_digest(RULES_SOURCES)}"


def test_a_changed_rule_changes_the_version(tmp_path: Path) -> None:
    copies = []
    for index, path in enumerate(RULES_SOURCES):
        copy = tmp_path / str(index) / path.name
        copy.parent.mkdir()
        shutil.copy(path, copy)
        copies.append(copy)
    before = sources_digest(copies)
    assert before == sources_digest(RULES_SOURCES)
    copies[0].write_text(copies[0].read_text(encoding="utf-8") + "\n# changed\n")
    assert sources_digest(copies) != before
