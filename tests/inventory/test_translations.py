"""Every user-facing string of the inventory domain has a Simplified Chinese translation."""

import re
from pathlib import Path

from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.utils import translation

import newretail

SRC = Path(newretail.__file__).resolve().parent
PO = SRC / "inventory/locale/zh_Hans/LC_MESSAGES/django.po"
KEYWORDS = {"_": None, "gettext": None, "gettext_lazy": None, "pgettext": ((1, "c"), 2)}
TEMPLATE_TRANSLATE = re.compile(r"""{%\s*translate\s+(['"])(.*?)\1(?:\s+context\s+(['"])(.*?)\3)?""")


def _python_files():
    files = [p for p in (SRC / "inventory").rglob("*.py") if "migrations" not in p.parts]
    return [
        *files,
        SRC / "api/inventory.py",
        SRC / "console/views/inventory.py",
        SRC / "console/forms/inventory.py",
    ]


def _msgids() -> set[tuple[str | None, str]]:
    found = set()
    for path in _python_files():
        with path.open("rb") as handle:
            for _lineno, _func, args, _comments in extract_python(handle, KEYWORDS, [], {}):
                found.add((None, args if isinstance(args, str) else args[0]))
    for path in (SRC / "console/templates/console/inventory").glob("*.html"):
        for match in TEMPLATE_TRANSLATE.finditer(path.read_text()):
            found.add((match.group(4), match.group(2)))
    return found


def test_every_inventory_string_is_translated():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    translated = {(m.context, m.id) for m in catalog if m.id and m.string}
    missing = sorted(_msgids() - translated, key=str)
    assert not missing, f"add these to {PO.relative_to(SRC)}: {missing}"
    assert catalog.plural_forms == "nplurals=1; plural=0;"


def test_catalogue_is_compiled_and_used():
    with translation.override("zh-hans"):
        assert translation.gettext("In transit") == "在途"
        assert translation.pgettext("quantity", "Received") == "实收数量"
