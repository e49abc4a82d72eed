"""`clustersim report` and `run` are never silent on a terminal: files written of the total, ETA."""

from __future__ import annotations

import io
import re

from report_fixtures import MORRIS, stored_sweeps

from sim.api import build_report


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal (the bar draws only on one)."""

    def isatty(self) -> bool:
        return True


def test_report_shows_files_written_of_the_total_with_eta(tmp_path, monkeypatch):
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    rep = build_report(MORRIS, tmp_path / "r", db=stored_sweeps(), langs=["en"], formats=[],
                       figure_formats=["svg"], progress=True)  # fmt: skip
    frames = [f for f in term.getvalue().split("\r") if f.strip()]
    counts = [tuple(map(int, m.groups())) for f in frames
              if (m := re.search(r"(\d+)/(\d+) files", f))]  # fmt: skip
    assert len(counts) >= 3, frames
    done = [c[0] for c in counts]
    assert done == sorted(done) and counts[-1][0] == counts[-1][1] == len(rep.files)
    assert all("ETA" in f for f in frames) and term.getvalue().endswith("\n")


def test_report_without_progress_writes_nothing_to_stderr(tmp_path, monkeypatch):
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    build_report(MORRIS, tmp_path / "r", db=stored_sweeps(), langs=["en"], formats=[],
                 figure_formats=["svg"])  # fmt: skip
    assert term.getvalue() == ""
