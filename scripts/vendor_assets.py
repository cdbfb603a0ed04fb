"""Copy the front-end files the pages use from node_modules into static/vendor (not committed)."""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "newretail" / "static" / "vendor"
FILES = {
    "node_modules/htmx.org/dist/htmx.min.js": "htmx.min.js",
    "node_modules/alpinejs/dist/cdn.min.js": "alpine.min.js",
    "node_modules/echarts/dist/echarts.min.js": "echarts.min.js",
}


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    for source, name in FILES.items():
        path = ROOT / source
        if not path.exists():
            print(f"missing {source}: run `npm ci` first", file=sys.stderr)
            return 1
        shutil.copyfile(path, TARGET / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
