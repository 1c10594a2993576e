"""GSM8K-style word problems, generated offline by ``reasoning-gym``'s ``gsm_symbolic`` templates.

The templates are plain Python inside the wheel, needing only the package's small ``utils`` module.
Importing the package itself would import every other task (and their dependencies), so the two
generator files and ``utils`` are loaded straight from the wheel's files, and ``sys.modules`` is
left as it was. Problem i uses template ``Random(seed).choices(tasks_ok)[i]`` with ``Random(seed + i)``,
as the package's own dataset class does, so a seed gives the same problems as ``reasoning_gym``.
"""
from __future__ import annotations

import ast
import importlib.util
import random
import sys
import tempfile
import types
import zipfile
from pathlib import Path

from hbo.errors import DataError

REASONING_GYM = "reasoning-gym==0.1.25"
PACKAGE = "reasoning_gym/"
GSM = PACKAGE + "arithmetic/gsm_symbolic/"
SUFFIX = " Give the result as your final answer. Do not include units."  # as the package's dataset adds


def gsm_problems(wheel_path: Path, count: int, seed: int) -> list[dict]:
    """``count`` chat records: the question, and the worked answer ending in ``#### N``."""
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel_path) as wheel:
        needed = [PACKAGE + "utils.py", GSM + "gsm_symbolic.py", GSM + "generators_00_49.py", GSM + "generators_50_99.py"]
        missing = [n for n in needed if n not in wheel.namelist()]
        if missing:
            raise DataError(f"{wheel_path}: no {missing[0]} in the wheel")
        for name in needed:
            wheel.extract(name, tmp)
        root = Path(tmp)
        tasks = _tasks_ok((root / GSM / "gsm_symbolic.py").read_text())
        generators = _load_generators(root)
        chosen = random.Random(seed).choices(tasks, k=count)
        records = []
        for i, task in enumerate(chosen):
            example = generators[task](random.Random(seed + i), 1.0)
            cot = example["metadata"]["answer_cot"]
            records.append({"messages": [{"role": "user", "content": example["question"] + SUFFIX},
                                         {"role": "assistant", "content": cot}],
                            "source": f"reasoning_gym/gsm_symbolic/{task}"})
    return records


def _tasks_ok(source: str) -> list[int]:
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "tasks_ok" for t in node.targets):
            return ast.literal_eval(node.value)
    raise DataError("gsm_symbolic.py: no tasks_ok list")


def _load_generators(root: Path) -> dict:
    """``{task: generate_task}`` from the two generator files; ``reasoning_gym.utils`` is lent to them
    only while they load."""
    saved = {k: sys.modules.get(k) for k in ("reasoning_gym", "reasoning_gym.utils")}
    try:
        package = types.ModuleType("reasoning_gym")
        package.__path__ = [str(root / PACKAGE)]
        sys.modules["reasoning_gym"] = package
        sys.modules["reasoning_gym.utils"] = _load("reasoning_gym.utils", root / PACKAGE / "utils.py")
        generators = {}
        for part in ("generators_00_49", "generators_50_99"):
            module = _load(f"hbo_gsm_{part}", root / GSM / f"{part}.py")
            generators.update({int(n[len("generate_"):]): getattr(module, n)
                               for n in dir(module) if n.startswith("generate_")})
        return generators
    finally:
        for key, module in saved.items():
            if module is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = module


def _load(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
