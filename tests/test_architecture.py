"""The design, pinned: the layers run one way (the import-linter contract in pyproject.toml,
which .ci/run also checks), and no function-local import of a shouwang module hides a cycle:
each one left is listed here with its reason, and a new one fails until it is."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import shouwang

PACKAGE = Path(shouwang.__file__).parent

# path (relative to the package) → why its function-local shouwang imports stay local.
LOCAL_IMPORTS_ALLOWED = {
    # AppConfig.ready() runs before models may be imported at module level of apps.py.
    "escalation/apps.py": "AppConfig.ready",
    "reports/apps.py": "AppConfig.ready",
    "incidents/apps.py": "AppConfig.ready",
    "aftermath/apps.py": "AppConfig.ready",
    "campaigns/apps.py": "AppConfig.ready",
    "documents/apps.py": (
        "AppConfig.ready (and the optional apps it wires into its sections registry)"
    ),
    "notify/apps.py": "AppConfig.ready",
    "ops/apps.py": "AppConfig.ready",
    "org/apps.py": "AppConfig.ready",
    "plans/apps.py": "AppConfig.ready",
    "audit/apps.py": "AppConfig.ready",
    "api/apps.py": "AppConfig.ready",
    "accountability/apps.py": "AppConfig.ready",
    "leave/apps.py": "AppConfig.ready",
    "screening/apps.py": "AppConfig.ready",
    "care/apps.py": "AppConfig.ready",
    "studies/apps.py": "AppConfig.ready",
    "talks/apps.py": "AppConfig.ready",
    "handovers/apps.py": "AppConfig.ready",
    "monitoring/apps.py": "AppConfig.ready",
    "accountability/defaults.py": "post_migrate handler: models of a migration in progress",
    "reports/categories.py": "post_migrate handler: models of a migration in progress",
    "org/roles.py": "post_migrate handler: models of a migration in progress",
    "demo/school.py": "generate() must import without Django set up (checked in a bare process)",
    "settings.py": "python-cas asks settings for its HTTP session; apps load after settings",
    "notify/providers/__init__.py": "providers load on first use (SMS/e-mail settings read then)",
}


def test_the_layers_run_one_way():
    """lint-imports over the installed package, with the contract of pyproject.toml: a new
    import of a higher layer (or a cycle between apps) fails here as in .ci/run."""
    root = PACKAGE.parents[1]
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root / "src")},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def _local_imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    if inner.level > 0 or (inner.module or "").startswith("shouwang"):
                        yield inner.lineno
                elif isinstance(inner, ast.Import) and any(
                    a.name.startswith("shouwang") for a in inner.names
                ):
                    yield inner.lineno


def test_no_function_local_import_hides_a_cycle():
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if "/migrations/" in rel:
            continue
        lines = list(_local_imports(path))
        if lines:
            found[rel] = lines
    unexplained = {rel: lines for rel, lines in found.items() if rel not in LOCAL_IMPORTS_ALLOWED}
    assert not unexplained, f"function-local imports without a reason: {unexplained}"
