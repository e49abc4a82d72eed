"""House rules of the package layout that import-linter does not check.

* No ``sim`` module is imported inside a function (layers are kept by import-linter, which
  sees module-level imports only), except the documented lazy entry point.
* Every mechanism module has its own known-answer test file.
"""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"
TESTS = Path(__file__).resolve().parent
#: Function-level ``sim`` imports that are deliberate, with the reason.
ALLOWED_LOCAL = {
    # the console script imports the command line inside its Ctrl-C guard (start-up seconds)
    ("__main__.py", "sim.cli"),
    # the command line imports the API (model, pandas, SciPy, SQLAlchemy, matplotlib) on first
    # use, so --help, validate and bad input answer without its seconds of imports; cli.py
    # also imports sim.api under TYPE_CHECKING, so import-linter still sees the layer
    ("cli.py", "sim.api"),
    ("cli.py", "sim.report.tables"),
}


def _local_sim_imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.ImportFrom) and node.level > 0:
                names = ["sim." + (node.module or "")]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found += [(n, node.lineno) for n in names if n == "sim" or n.startswith("sim.")]
    return found


def test_no_sim_module_is_imported_inside_a_function():
    bad = []
    for path in sorted(SIM.rglob("*.py")):
        rel = path.relative_to(SIM).as_posix()
        for name, line in _local_sim_imports(path):
            if (rel, name) not in ALLOWED_LOCAL:
                bad.append(f"sim/{rel}:{line}: {name}")
    assert bad == [], "function-local imports of sim modules:\n" + "\n".join(bad)


def test_the_rule_catches_a_local_import(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from sim.model import state\n    import sim.cli\n")
    assert _local_sim_imports(path) == [("sim.model", 2), ("sim.cli", 3)]


def test_every_mechanism_has_its_own_known_answer_tests():
    mechanisms = sorted(
        p.stem for p in (SIM / "model" / "mechanisms").glob("*.py") if p.stem != "__init__"
    )
    missing = [m for m in mechanisms if not (TESTS / "mechanisms" / f"test_{m}.py").exists()]
    assert missing == [], missing
