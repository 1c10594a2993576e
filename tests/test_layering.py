"""The package's layering, read off its import statements: the algorithm stays free of the training
framework, data never reaches into training, and no module imports one that imports it back."""
import ast
from pathlib import Path

import hbo

PACKAGE = Path(hbo.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """module -> every module it imports (at any depth of the file: lazy imports count too)."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
        graph[module_name(path)] = found
    return graph


def reaches(imported: set[str], prefix: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for name in imported)


def test_the_algorithm_imports_no_training_framework():
    for module, imported in imports().items():
        if reaches({module}, "hbo.core") or reaches({module}, "hbo.strategies"):
            for forbidden in ("transformers", "accelerate", "torch.distributed", "hbo.training", "hbo.measure"):
                assert not reaches(imported, forbidden), f"{module} imports {forbidden}"


def test_data_imports_nothing_from_training():
    for module, imported in imports().items():
        if reaches({module}, "hbo.data"):
            assert not reaches(imported, "hbo.training"), module


def test_no_module_imports_a_module_that_imports_it_back():
    graph = imports()
    modules = set(graph)
    edges = {m: {i for i in imported if i in modules and i != m} for m, imported in graph.items()}
    back = sorted((a, b) for a, targets in edges.items() for b in targets if a in edges.get(b, ()) and a < b)
    assert not back, back


def test_the_layering_check_sees_a_violation(tmp_path):
    """The checks read real import statements: a planted one is found."""
    tree = ast.parse("from transformers import Trainer\n")
    node = tree.body[0]
    assert reaches({node.module}, "transformers")
