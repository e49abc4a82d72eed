"""Where reports and exports write, and what they write, through the real console script.

* every output path stays under ``--out`` (a sweep named ``../../escaped``, stored by an older
  version, cannot leave it);
* text cells that a spreadsheet would take for a formula (a sweep named ``=1+2``) are escaped
  in XLSX and CSV;
* ``clustersim report --out``: nothing is created for a missing sweep, an existing file is bad
  input, a clustersim report folder is replaced as a whole, any other non-empty folder refused;
* ``clustersim run`` in which every run fails says so in one line, with where the errors are.

Sweeps with names that are no longer allowed are made the way an older version left them: stored
under a good name, then renamed in the SQLite file.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "clustersim")
SCENARIO = ROOT / "scenarios" / "astrakhan_shipbuilding.toml"
REGIME = "decree41_full"
ESCAPED = "../../escaped"
FORMULA = "=1+2"


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300):
    return subprocess.run([CLI, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=timeout)  # fmt: skip


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[str, Path]:
    """A SQLite database with three small stored sweeps: ``plain``, ``../../escaped``, ``=1+2``.

    The latter two are renamed in the file after storing (the store refuses such new names).
    """
    from sim.api import run_pairs, store_runs
    from sim.scenario import apply_overrides, load_scenario

    tmp = tmp_path_factory.mktemp("outputs")
    path = tmp / "r.sqlite"
    url = f"sqlite:///{path}"
    sc = apply_overrides(load_scenario(SCENARIO), {"scenario.horizon_quarters": 8})
    arms = ["de_facto", REGIME]
    results = run_pairs(sc, replications=2, arms=arms)
    for name in ("plain", "escaped_sweep", "formula_sweep"):
        store_runs(name, sc, results, replications=2, seed=sc.experiment.seed, arms=arms, db=url)
    with sqlite3.connect(path) as con:
        con.execute("update sweep set name = ? where name = 'escaped_sweep'", (ESCAPED,))
        con.execute("update sweep set name = ? where name = 'formula_sweep'", (FORMULA,))
        # a run error text that starts like a formula, in the formula sweep
        sid = con.execute("select id from sweep where name = ?", (FORMULA,)).fetchone()[0]
        con.execute("update run set error = '=HYPERLINK(\"http://evil.example\")' "
                    "where sweep_id = ? and replicate = 1", (sid,))  # fmt: skip
    return url, path


# ------------------------------------------------------------------------------------------
# Finding: exports wrote outside --out
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_export_of_a_path_like_sweep_stays_under_out(store, tmp_path, fmt) -> None:
    url, _ = store
    out = tmp_path / "a" / "b" / "out"
    res = _cli("export", "--sweep", ESCAPED, "--format", fmt, "--out", str(out), "--db", url,
               cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    written = [Path(line) for line in res.stdout.split()]
    assert written and all(p.resolve().is_relative_to(out.resolve()) for p in written), written
    assert _files(tmp_path) == {p.resolve() for p in written} == _files(out)
    assert all(p.parent == out and p.name.startswith("_.._.._escaped-") for p in written)


def test_export_to_an_existing_file_is_bad_input(store, tmp_path) -> None:
    url, _ = store
    f = tmp_path / "taken"
    f.write_text("mine")
    res = _cli("export", "--sweep", "plain", "--out", str(f), "--db", url, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip().count("\n") == 0 and "--out" in res.stderr
    assert "not a folder" in res.stderr and "Traceback" not in res.stderr
    assert f.read_text() == "mine"


# ------------------------------------------------------------------------------------------
# Finding: a sweep named =1+2 became an Excel formula
# ------------------------------------------------------------------------------------------
def test_export_escapes_formula_cells_in_xlsx_and_csv(store, tmp_path) -> None:
    from openpyxl import load_workbook

    url, _ = store
    res = _cli("export", "--sweep", FORMULA, "--format", "xlsx", "--out", str(tmp_path),
               "--db", url, cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    (path,) = [Path(line) for line in res.stdout.split()]
    assert path.parent == tmp_path
    wb = load_workbook(path)
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    assert f"'{FORMULA}" in texts and "'=HYPERLINK(\"http://evil.example\")" in texts

    res = _cli("export", "--sweep", FORMULA, "--format", "csv", "--out", str(tmp_path),
               "--db", url, cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    runs_csv, long_csv = (Path(line) for line in res.stdout.split())
    runs = pd.read_csv(runs_csv)
    long = pd.read_csv(long_csv)
    assert set(runs["sweep"]) == {f"'{FORMULA}"} and set(long["sweep"]) == {f"'{FORMULA}"}
    assert runs["error"].dropna().tolist() == ["'=HYPERLINK(\"http://evil.example\")"] * 2
    assert pd.api.types.is_numeric_dtype(long["value"])  # numbers are never touched


def test_report_tables_escape_formula_cells(tmp_path) -> None:
    """The report's regime and budget tables (CSV and XLSX) escape every text cell."""
    from openpyxl import load_workbook

    from sim.report.tables import write_csv, write_xlsx

    frame = pd.DataFrame({"=arm": ["=1+2", "@SUM(A1)", "+x", "-y", "\tz", "plain"],
                          "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0]})  # fmt: skip
    write_xlsx({"sheet": (frame, ["text", "0.0"])}, tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx")["sheet"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert [c.value for c in ws["A"]] == ["'=arm", "'=1+2", "'@SUM(A1)", "'+x", "'-y", "'\tz",
                                         "plain"]  # fmt: skip
    assert [c.value for c in ws["B"]][1:] == [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0]
    for lang, sep in (("en", ","), ("ru", ";")):
        text = write_csv(frame, tmp_path / f"t_{lang}.csv", lang).read_text("utf-8-sig")
        first = [line.split(sep)[0].strip('"') for line in text.splitlines()]
        assert first == ["'=arm", "'=1+2", "'@SUM(A1)", "'+x", "'-y", "'\tz", "plain"], first


# ------------------------------------------------------------------------------------------
# Finding: clustersim report --out
# ------------------------------------------------------------------------------------------
def test_report_for_a_missing_sweep_creates_nothing(store, tmp_path) -> None:
    url, _ = store
    out = tmp_path / "new" / "report"
    res = _cli("report", "--sweep", "nosuch", "--out", str(out), "--db", url, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "nosuch" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "new").exists()


def test_report_into_an_existing_file_is_bad_input(store, tmp_path) -> None:
    url, _ = store
    f = tmp_path / "report.txt"
    f.write_text("mine")
    res = _cli("report", "--sweep", "plain", "--out", str(f), "--db", url, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip().count("\n") == 0, res.stderr
    assert res.stderr.startswith("--out: ") and "not a folder" in res.stderr
    assert "FileExistsError" not in res.stderr and f.read_text() == "mine"


def test_report_refuses_a_folder_of_something_else(store, tmp_path) -> None:
    url, _ = store
    out = tmp_path / "docs"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    res = _cli("report", "--sweep", "plain", "--out", str(out), "--db", url, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip().count("\n") == 0 and "not a clustersim report folder" in res.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_report_replaces_an_earlier_report_as_a_whole(store, tmp_path) -> None:
    url, _ = store
    out = tmp_path / "report"
    first = _cli("report", "--sweep", ESCAPED, "--out", str(out), "--lang", "ru",
                 "--format", "html", "--figure-format", "svg", "--db", url,
                 cwd=tmp_path)  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert (out / ".clustersim-report").is_file()
    assert (out / "figures" / "ru").is_dir() and (out / "brief_ru.html").is_file()
    assert _files(tmp_path) == _files(out)  # the path-like sweep name changed nothing
    second = _cli("report", "--sweep", "plain", "--out", str(out), "--lang", "en",
                  "--format", "", "--figure-format", "png", "--db", url,
                  cwd=tmp_path)  # fmt: skip
    assert second.returncode == 0, second.stderr
    names = {p.relative_to(out).as_posix() for p in _files(out)}
    assert ".clustersim-report" in names
    assert not any(n.startswith(("figures/ru/", "tables/ru/", "brief_")) for n in names), names
    assert any(n.startswith("figures/en/") for n in names)
    assert not [p for p in out.iterdir() if p.name.startswith(".clustersim-writing")]
    marker = (out / ".clustersim-report").read_text()
    assert "'plain'" in marker


# ------------------------------------------------------------------------------------------
# Finding: clustersim run with every run failed ended in KeyError: 'de_facto'
# ------------------------------------------------------------------------------------------
def test_run_in_which_every_run_fails_says_so(tmp_path) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os\n"
        "if os.environ.get('CLUSTERSIM_TEST_FAIL_RUNS'):\n"
        "    import sim.model.model as m\n"
        "    def _fail(self, *args, **kwargs):\n"
        "        raise RuntimeError('injected failure: every run fails')\n"
        "    m.ClusterModel.__init__ = _fail\n"
    )
    env = {**os.environ, "PYTHONPATH": str(hook), "CLUSTERSIM_TEST_FAIL_RUNS": "1"}
    db = tmp_path / "r.sqlite"
    res = _cli("run", str(SCENARIO), "--point", "--replications", "2", "--workers", "1", "--quiet",
               "--db", f"sqlite:///{db}", cwd=tmp_path, env=env)  # fmt: skip
    assert res.returncode == 1, (res.stdout, res.stderr)
    err = res.stderr.strip()
    assert err.count("\n") == 0, err
    assert "KeyError" not in err and "Traceback" not in err
    with sqlite3.connect(db) as con:
        (sweep,) = con.execute("select name from sweep").fetchone()
        errors = [r[0] for r in con.execute("select error from run")]
    assert sweep in err and str(db) in err
    assert f"clustersim export --sweep {sweep}" in err and "column error" in err
    assert len(errors) == 12 and all("injected failure" in e for e in errors)
    assert not (tmp_path / "results").exists()  # no figure pack of nothing
