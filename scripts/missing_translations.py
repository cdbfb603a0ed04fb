"""List user-facing strings under src/newretail that have no zh_Hans translation.

Extracts msgids from Python (calls to _, gettext, gettext_lazy, pgettext*, ngettext*) and from
templates ({% translate %}, {% trans %}, {% blocktranslate %}…{% endblocktranslate %}), then asks
Django's compiled catalogues for each. Usage: python scripts/missing_translations.py [paths…]
Exit status 1 when something is missing. tests/test_translations.py runs it over the whole tree.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "newretail"
GETTEXT_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
}

TRANS_RE = re.compile(
    r"""{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<msg>.*?)(?P=q)(?:\s+context\s+["'](?P<ctx>[^"']*)["'])?[^%]*%}"""
)
BLOCK_RE = re.compile(
    r"{%\s*blocktrans(?:late)?(?P<args>[^%]*)%}(?P<body>.*?){%\s*(?:plural|endblocktrans(?:late)?)\s*%}", re.S
)
FILTER_RE = re.compile(r"""_\((?P<q>["'])(?P<msg>.*?)(?P=q)\)""")
VAR_RE = re.compile(r"{{\s*(\w+)\s*}}")


def python_msgids(path: Path) -> list[tuple[str, int, str | None]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in GETTEXT_NAMES or not node.args:
            continue
        args = [
            a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args
        ]
        if name.startswith("pgettext"):
            if len(args) >= 2 and args[0] is not None and args[1] is not None:
                found.append((args[1], node.lineno, args[0]))
        elif args[0] is not None:
            found.append((args[0], node.lineno, None))
    return found


def template_msgids(path: Path) -> list[tuple[str, int, str | None]]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in TRANS_RE.finditer(text):
        found.append((match["msg"], text.count("\n", 0, match.start()) + 1, match["ctx"]))
    for match in BLOCK_RE.finditer(text):
        if "trimmed" in match["args"]:
            body = " ".join(line.strip() for line in match["body"].strip().splitlines() if line.strip())
        else:
            body = match["body"]
        found.append(
            (VAR_RE.sub(r"%(\1)s", body.replace("%", "%%")), text.count("\n", 0, match.start()) + 1, None)
        )
    for match in FILTER_RE.finditer(text):
        found.append((match["msg"], text.count("\n", 0, match.start()) + 1, None))
    return found


def missing(paths: list[Path]) -> list[str]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newretail.config.settings")
    django.setup()
    from django.utils import translation

    problems = []
    with translation.override("zh-hans"):
        for base in paths:
            files = [base] if base.is_file() else sorted(base.rglob("*"))
            for path in files:
                if "migrations" in path.parts or not path.is_file():
                    continue
                if path.suffix == ".py":
                    ids = python_msgids(path)
                elif path.suffix in {".html", ".txt"} and "templates" in path.parts:
                    ids = template_msgids(path)
                else:
                    continue
                for msgid, line, context in ids:
                    if not msgid.strip() or not re.search(r"[A-Za-z]", msgid):
                        continue
                    translated = (
                        translation.pgettext(context, msgid) if context else translation.gettext(msgid)
                    )
                    if translated == msgid:
                        problems.append(f"{path.relative_to(ROOT)}:{line}: {msgid!r}")
    return problems


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    paths = [Path(p).resolve() for p in argv] or [SRC]
    problems = missing(paths)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} string(s) without a zh_Hans translation")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
