"""The notebooks are tests: each one runs end to end on a fresh kernel, and is committed stripped.

Every ``notebooks/*.ipynb`` is picked up. Each runs with nbclient on the ``python3`` kernel of
this interpreter (jupyter_client starts a kernelspec whose command is ``python`` with
``sys.executable``, so the kernel is the venv's Python; the test checks it), in the
notebooks' folder as Jupyter would, with ``CORRIDOR_OUTPUT`` pointing to a tmp dir, under one
deadline for the whole notebook. A failing cell fails the test with the cell's source and
traceback; the executed notebook is kept in the test's tmp dir for a closer look.

A notebook that needs data outside the repository says so in its metadata, paths relative to
the repository root, and is skipped when they are missing::

    "metadata": {"corridor": {"requires": ["../shared/data/flee"]}, ...}
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
#: Seconds a whole notebook may take. The target is under a minute each on the project's
#: 2-core machine; the limit leaves room for a machine busy with builds.
DEADLINE_S = float(os.environ.get("CORRIDOR_NOTEBOOK_DEADLINE", "120"))
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CHECK_KERNEL = "import sys; print(sys.executable, end='')"


def _strip_module():
    spec = importlib.util.spec_from_file_location(
        "strip_outputs", NOTEBOOK_DIR / "strip_outputs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _failed_cell(nb) -> int | None:
    for index, cell in enumerate(nb.cells):
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return index
    return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = nbformat.read(path, as_version=4)
    for required in nb.metadata.get("corridor", {}).get("requires", []):
        if not (ROOT / required).exists():
            pytest.skip(f"{path.name} needs {required} (relative to the repository), not present")
    monkeypatch.setenv("CORRIDOR_OUTPUT", str(tmp_path / "output"))
    # One last cell, not saved: which Python the kernel runs.
    nb.cells.append(nbformat.v4.new_code_cell(_CHECK_KERNEL))

    deadline = time.monotonic() + DEADLINE_S
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},  # run where Jupyter would
        timeout_func=lambda _source: max(1, int(deadline - time.monotonic()) + 1),
        shutdown_kernel="immediate",
    )
    started = time.monotonic()
    try:
        client.execute()
    except (nbclient.exceptions.CellExecutionError, nbclient.exceptions.CellTimeoutError) as exc:
        index = _failed_cell(nb)
        if isinstance(exc, nbclient.exceptions.CellTimeoutError):
            what = f"did not finish within the {DEADLINE_S:.0f} s deadline"
        else:
            what = f"failed in cell {index}" if index is not None else "failed"
        nbformat.write(nb, tmp_path / path.name)
        pytest.fail(
            f"{path.name} {what} (executed notebook: {tmp_path / path.name})\n"
            + _ANSI.sub("", str(exc)),
            pytrace=False,
        )
    finally:
        elapsed = time.monotonic() - started
    nbformat.write(nb, tmp_path / path.name)

    assert elapsed <= DEADLINE_S, f"{path.name} took {elapsed:.0f} s (deadline {DEADLINE_S:.0f} s)"
    kernel_python = "".join(out.get("text", "") for out in nb.cells[-1].outputs)
    assert Path(kernel_python).resolve() == Path(sys.executable).resolve(), (
        f"the kernel ran {kernel_python!r}, not this interpreter {sys.executable!r}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_stripped(path: Path) -> None:
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{path.name}: kernelspec should be python3"
    )
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} have outputs or execution counts; "
        "strip them with: .venv/bin/python notebooks/strip_outputs.py"
    )
    assert not _strip_module().strip(nb), (
        f"{path.name}: holds execution metadata or widget state; "
        "strip it with: .venv/bin/python notebooks/strip_outputs.py"
    )


def test_strip_outputs_clears_an_executed_notebook(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1", execution_count=3)
    cell.outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=3)
    ]
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    nb.cells = [nbformat.v4.new_markdown_cell("# title"), cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)

    strip = _strip_module()
    assert strip.main(["--check", str(path)]) == 1
    assert strip.main([str(path)]) == 0
    assert strip.main(["--check", str(path)]) == 0
    cleaned = nbformat.read(path, as_version=4)
    assert cleaned.cells[1].outputs == [] and cleaned.cells[1].execution_count is None
    assert "execution" not in cleaned.cells[1].metadata and "widgets" not in cleaned.metadata
    assert cleaned.cells[1].source == "1 + 1"
