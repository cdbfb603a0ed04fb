"""Every user-facing string has a Simplified Chinese translation (zh-Hans is the product's first
language). Uses scripts/missing_translations.py over the whole source tree."""

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_string_is_translated_to_chinese():
    checker = runpy.run_path(str(ROOT / "scripts" / "missing_translations.py"))
    problems = checker["missing"]([ROOT / "src" / "newretail"])
    assert not problems, "strings without a zh_Hans translation:\n" + "\n".join(problems)
