"""Layering: the runtime stays light, and no two rooms import each other in a cycle."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "edgepose"
CONVERTERS = "converters"  # beside the package: each converter module is a room of its own
HEAVY_ROOMS = ("edgepose.train", "edgepose.data", "edgepose.quantize", "edgepose.bundle", "edgepose.cli")


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(r.stdout.strip().splitlines()[-1]))


def test_runtime_import_loads_no_heavy_room_and_no_tensorflow():
    loaded = _loaded_after("import edgepose.runtime, edgepose.runtime.detectors, edgepose.runtime.tracking")
    heavy = sorted(m for m in loaded if m.startswith(HEAVY_ROOMS) or m == "tensorflow" or m.startswith("tensorflow."))
    assert heavy == [], f"importing edgepose.runtime loaded {heavy}"
    assert not {"onnxruntime", "openvino"} & loaded, "optional runtimes must load only when such a model is opened"


def room_of(module: str) -> str | None:
    """``edgepose.runtime.peers`` -> ``runtime``; top-level modules are their own room;
    ``converters.onnx_tflite`` -> ``converters.onnx_tflite`` (the converters sit above the package)."""
    parts = module.split(".")
    if parts[0] == CONVERTERS and len(parts) >= 2:
        return ".".join(parts[:2])
    if parts[0] != "edgepose" or len(parts) < 2:
        return None
    return parts[1]


def _modules():
    """``(rel path, module, room, parsed tree)`` of every module of the package and of converters/."""
    paths = [*PACKAGE.rglob("*.py"), *(PACKAGE.parent / CONVERTERS).glob("*.py")]
    for path in paths:
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        yield rel, module, room_of(module), ast.parse(path.read_text())


def _from_module(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module of ``from X import ...`` written in ``module`` (relative levels resolved)."""
    if not node.level:
        return node.module or ""
    base = (module if is_package else module.rsplit(".", 1)[0]).split(".")
    prefix = ".".join(base[: len(base) - node.level + 1])
    return f"{prefix}.{node.module}" if node.module else prefix


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The absolute module names an import statement in ``module`` names (``from . import x`` names
    ``package.x``); [] for any other node."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    source = _from_module(node, module, is_package)
    return [f"{source}.{a.name}" for a in node.names] if node.level and not node.module else [source]


def import_graph() -> dict[str, set[str]]:
    """Room -> rooms it imports (any import statement, lazy ones inside functions included)."""
    graph: dict[str, set[str]] = {}
    for rel, module, src, tree in _modules():
        if src is None:
            continue
        for node in ast.walk(tree):
            for t in _imported(node, module, rel.name == "__init__"):
                dst = room_of(t)
                if dst and dst != src:
                    graph.setdefault(src, set()).add(dst)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                found.append(stack[stack.index(m) :] + [m])
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found


def test_no_import_cycle_between_rooms():
    """Rooms are the sub-packages and the top-level modules alike (``evaluate``, ``train``,
    ``predict`` ...): a new ``evaluate <-> train`` import is a cycle too."""
    graph = import_graph()
    assert {"evaluate", "train", "predict", "fsutil"} <= set(graph), sorted(graph)  # top-level modules are rooms
    assert cycles(graph) == [], json.dumps({k: sorted(v) for k, v in graph.items()})


def private_imports() -> list[str]:
    """``from edgepose.<room>... import _name`` in another room, and calls of LiteRT's private
    ``Interpreter._get_ops_details``: ``file: what``."""
    found = []
    for rel, module, src, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _from_module(node, module, rel.name == "__init__")
                if room_of(target) and room_of(target) != src:
                    private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                    found += [f"{rel}: {target}.{name}" for name in private]
            elif isinstance(node, ast.Attribute) and node.attr == "_get_ops_details":
                found.append(f"{rel}: LiteRT's private _get_ops_details")
    return found


def test_no_private_name_crosses_a_room():
    assert private_imports() == []


def test_converters_are_covered_and_only_the_cli_reaches_them():
    """converters/ depend on the package, never the other way round (the CLI is their only door),
    and its modules are rooms too: a private name shared between two converters is caught."""
    graph = import_graph()
    assert {"converters.onnx_tflite", "converters.onnx_detector"} <= set(graph), sorted(graph)
    outside = {src: dst for src, dst in graph.items() if not src.startswith(CONVERTERS)}
    reach = sorted(src for src, dst in outside.items() if any(d.startswith(CONVERTERS) for d in dst))
    assert reach in ([], ["cli"]), reach


CONTRACT_FLOOR = {"errors", "defaults", "keypoints", "codecs"}  # what the contract package may stand on


def test_the_contract_package_stands_on_the_low_floor():
    """edgepose.contract (schema, parser, carriers) imports no engine, runtime, TensorFlow, LiteRT or ONNX:
    train, quantize, convert, the runtime and bundle all read and write contracts through it."""
    graph = import_graph()
    assert graph.get("contract", set()) <= CONTRACT_FLOOR, graph.get("contract")
    loaded = _loaded_after("import edgepose.contract")
    heavy = sorted(m for m in loaded if m.split(".")[0] in ("tensorflow", "ai_edge_litert", "onnx", "onnxruntime", "keras"))
    assert heavy == [], heavy


def test_engine_and_runtime_depend_only_downwards():
    graph = import_graph()
    assert graph.get("engine", set()) <= {"errors", "_quiet", "fsutil", "contract"}, graph.get("engine")
    assert not graph.get("runtime", set()) & {"train", "data", "quantize", "bundle", "cli", "bench"}, graph.get("runtime")


def test_private_import_finder_finds_one(tmp_path, monkeypatch):
    pkg = tmp_path / "edgepose"
    (pkg / "bench").mkdir(parents=True)
    (pkg / "engine").mkdir()
    for f in ("__init__.py", "bench/__init__.py", "engine/__init__.py"):
        (pkg / f).write_text("")
    (pkg / "engine" / "litert.py").write_text("def _hidden():\n    pass\n")
    (pkg / "bench" / "profile.py").write_text("from ..engine.litert import _hidden\nfrom .profile import _own\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg)
    assert private_imports() == ["edgepose/bench/profile: edgepose.engine.litert._hidden"]


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_model_kinds_are_registered_by_their_classes_below_them():
    """kinds.py is the floor the adapters stand on: it names none of them (no "module:Class" strings,
    no import of peers/estimator/detectors in its code), and each kind's adapter is the class itself."""
    from edgepose.runtime.kinds import ADAPTER_MODULES, kinds

    tree = ast.parse((PACKAGE / "runtime" / "kinds.py").read_text())
    imported = {t for node in ast.walk(tree) for t in _imported(node, "edgepose.runtime.kinds", False)}
    assert not {m for m in imported if m.rsplit(".", 1)[-1] in ("peers", "estimator", "detectors")}, imported
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert not [v for v in strings if ":" in v and v.split(":")[0] in ("peers", "estimator", "detectors")]
    table = kinds()
    assert {k.adapter.__module__ for k in table} == set(ADAPTER_MODULES)
    for k in table:
        assert isinstance(k.adapter, type) and k.name in {kk.name for kk in table}
    names = [k.name for k in table]
    assert names.index("heatmaps") > names.index("posenet")  # PoseNet's 17-channel heatmaps would match heatmaps too
