"""Write a zh_Hans django.po from a Python dict file that defines T = {msgid: translation}.
Developer tool for keeping hand-maintained catalogues sorted and well-formed:
    python scripts/write_po.py translations.py src/newretail/locale/zh_Hans/LC_MESSAGES/django.po
Existing entries in the target are kept; the dict's entries win. A key "context\x04msgid" is a
message with a context ({% translate 'Closed' context 'store' %})."""

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def main(source: str, target: str) -> int:
    new = runpy.run_path(source)["T"]
    path = Path(target)
    catalog = Catalog(locale="zh_Hans", project="NewRetail", charset="utf-8", fuzzy=False)
    entries: dict[tuple[str, str | None], str] = {}
    if path.exists():
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string:
                    entries[(message.id, message.context)] = message.string
    # A key "context\x04msgid" (the gettext convention) is a message with a context.
    for key, text in new.items():
        context, sep, msgid = key.partition("\x04")
        entries[(msgid, context) if sep else (key, None)] = text
    for (msgid, context), text in entries.items():
        catalog.add(msgid, text, context=context)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, width=0, omit_header=False)
    print(f"{path}: {len(catalog)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
