"""``python -m bench [name ...]``: run every benchmark module (or the named ones)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

SKIP = {"common", "served", "__main__"}  # helpers, not benchmarks


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = argv or sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name not in SKIP)
    failed = 0
    for name in names:
        print(f"\n######## bench/{name}.py ########", flush=True)
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception:
            failed += 1
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
