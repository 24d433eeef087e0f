"""Strip outputs from notebooks before committing them.

    .venv/bin/python notebooks/strip_outputs.py            # every notebooks/*.ipynb, in place
    .venv/bin/python notebooks/strip_outputs.py A.ipynb    # only these
    .venv/bin/python notebooks/strip_outputs.py --check    # list unstripped ones, exit 1 if any

Clears every code cell's outputs and execution count, the per-cell execution timings Jupyter
and nbclient record, and saved widget state (tqdm bars), so that git holds the notebooks as
their authors wrote them and a diff shows only changes to code and prose. The tests run them
(tests/python/test_notebooks.py) and check they are stripped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")


def strip(nb: nbformat.NotebookNode) -> bool:
    """Strip ``nb`` in place; return whether anything changed."""
    changed = False
    for cell in nb.cells:
        for key in CELL_METADATA:
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
        if cell.cell_type != "code":
            continue
        if cell.outputs or cell.execution_count is not None:
            cell.outputs = []
            cell.execution_count = None
            changed = True
    if "widgets" in nb.metadata:
        del nb.metadata["widgets"]
        changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument(
        "--check", action="store_true", help="only report; exit 1 if any is unstripped"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(HERE.glob("*.ipynb"))
    dirty = []
    for path in paths:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        if strip(nb):
            dirty.append(path)
            if not args.check:
                nbformat.validate(nb)
                nbformat.write(nb, path)
    verb = "not stripped" if args.check else "stripped"
    for path in dirty:
        print(f"{verb}: {path}")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
