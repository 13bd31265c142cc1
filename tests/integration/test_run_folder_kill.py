"""Run folders are all or nothing under ``kill -9`` (issue 13 item 7).

A child process writes a run over an earlier one and SIGKILLs itself at the k-th ``os.replace`` of the write (a
real kill, mid-way through the renames); for every k the folder must then hold the whole earlier run or, after
the next write recovers it, the whole new one, and ``scandia report`` must refuse it in between rather than
render a mix.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from scandia.core import ScenarioError
from scandia.core.rundir import JOURNAL, recover
from scandia.report.html import load_run_dir
from scandia.runner import write_run_dir

pytestmark = pytest.mark.integration

CHILD = textwrap.dedent("""
    import os, signal, sys
    import pandas as pd
    from scandia.runner import write_run_dir

    out, kill_at = sys.argv[1], int(sys.argv[2])
    real, calls = os.replace, [0]

    def replace(src, dst):
        calls[0] += 1
        if calls[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        real(src, dst)

    os.replace = replace
    tables = {f"t{i}": pd.DataFrame({"run": ["new"] * 3, "i": [i] * 3}) for i in range(4)}
    write_run_dir(__import__("pathlib").Path(out), tables, "name: new\\n", {"scenario": "new"})
""")


def _tables(run: str, n: int) -> dict[str, pd.DataFrame]:
    return {f"t{i}": pd.DataFrame({"run": [run] * 3, "i": [i] * 3}) for i in range(n)}


def _which(out) -> str:
    """'old' or 'new' when the folder holds exactly one run (every table from it), else raise."""
    summary, tables, yaml_text = load_run_dir(out)
    runs = {str(v) for df in tables.values() for v in df["run"]}
    assert len(runs) == 1 and summary["scenario"] == runs.pop() and yaml_text == f"name: {summary['scenario']}\n"
    return summary["scenario"]


@pytest.mark.parametrize("kill_at", [1, 4, 7])  # the journal write, a middle rename, the last rename
def test_kill_9_during_a_write_never_leaves_a_mix(tmp_path, kill_at):
    out = tmp_path / "run"
    write_run_dir(out, _tables("old", 5), "name: old\n", {"scenario": "old"})  # 5 tables; the new run has 4
    child = subprocess.run([sys.executable, "-c", CHILD, str(out), str(kill_at)], capture_output=True)
    assert child.returncode in (0, -9), child.stderr.decode()[-500:]
    killed = child.returncode == -9
    pending = (out / JOURNAL).exists()
    if killed and pending:
        with pytest.raises(ScenarioError, match="not a complete run"):
            load_run_dir(out)  # the report refuses the half-moved folder
    elif killed:
        assert _which(out) == "old"  # killed before the journal was in place: the earlier run is untouched
    recover(out)  # what the next write does first
    # a journal in place means the new run was complete on disk: recovery rolls it forward
    assert _which(out) == ("old" if killed and not pending else "new")
    if _which(out) == "new":
        assert not (out / "t4.csv").exists()  # the earlier run's extra table is removed with it
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging, journal or temporary files


def test_a_tampered_folder_is_refused(tmp_path):
    out = tmp_path / "run"
    write_run_dir(out, _tables("old", 2), "name: old\n", {"scenario": "old"})
    (out / "t1.csv").write_text("run,i\nother,1\n")
    with pytest.raises(ScenarioError, match=r"t1\.csv is not the file"):
        load_run_dir(out)
