"""A benchmark's run files: one JSON per run, reused by a rerun only when the config that would run
now is the config that ran, so a benchmark stopped halfway continues where it stopped and never mixes
in a result of other settings (a changed default included); and which run's probability plot a strategy
keeps, so that continuing a grid does not replace it."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import sys
from importlib import metadata
from pathlib import Path


# The libraries whose versions can change a run's numbers. The digest covers the config and the data,
# not the environment: the same config at the same code gave other answers in a freshly installed
# environment, and with the same libraries on another processor (docs/benchmark-log.md), so every run
# file says what it ran with and on what.
LIBRARIES = ("torch", "transformers", "accelerate", "datasets", "numpy", "peft", "trl")
_warned_machine: set[Path] = set()  # folders already warned about run files that do not name their machine


# Config keys added after run files were first written, each with the value that does what the
# code did before the key existed: at that value the key is left out of the digest, so adding an
# option does not orphan every earlier run file; set to anything else, it changes the digest.
ADDED_KEYS = {"sampling.heldout_units": "fall", "sampling.reward_ema_of": "scores", "data.mixture_heldout": None,
              "sampling.heldout_lapse": None, "sampling.heldout_trend": None, "sampling.heldout_measure": "loss",
              "sampling.hold_steps": 0, "sampling.probe_average": None,
              "sampling.global_moves": "always", "sampling.transfer_probe": "all",
              "sampling.transfer_step": "gradient", "sampling.heldout_credit": "own",
              "sampling.gradient_blocks": None, "sampling.actor_lr_decay": 0.0,
              "sampling.shares": None, "sampling.global_draw": "actor"}


def _reads_heldout_probe(sampling) -> bool:
    """Whether a run of this ``SamplingConfig`` measures a held-out probe (one of hbo's own strategies,
    those that keep a weight average, with a reward that reads one), so that the probe's measure and
    fall can change its result."""
    from hbo.strategies import STRATEGIES
    from hbo.strategies.hbo import reads_heldout_probe

    return STRATEGIES[sampling.strategy].uses_weight_average and reads_heldout_probe(sampling)


def config_digest(config, base: bool = False) -> str:
    """Of everything in ``config`` that decides a run's result (the output folder does not), the data
    files' contents included; with ``base``, of what decides a base model's evaluation alone (the
    model, the questions, the evaluation), so runs that differ only in training share it."""
    import yaml

    if base:
        model = config.model
        text = json.dumps([model.name_or_path, model.dtype, model.mixed_precision, model.chat_template,
                           model.trust_remote_code, dataclasses.asdict(config.data), dataclasses.asdict(config.eval)],
                          sort_keys=True)
    else:
        from hbo.strategies import STRATEGIES, weight_average_decay

        values = dataclasses.asdict(dataclasses.replace(config, output_dir=""))
        # a strategy that keeps no weight average runs the same whatever probe_average says
        values["sampling"]["probe_average"] = weight_average_decay(config.sampling)
        # and one that reads no held-out probe, whatever the probe's measure and fall: at the values
        # every run file carried before the default became wrong_mass and absolute
        if not _reads_heldout_probe(config.sampling):
            values["sampling"]["heldout_measure"], values["sampling"]["heldout_fall"] = "loss", "total"
        # and one that draws from no actor's mean, whatever global_draw says (at the value before the key)
        if not STRATEGIES[config.sampling.strategy].averages_draws:
            values["sampling"]["global_draw"] = ADDED_KEYS["sampling.global_draw"]
        for key, before in ADDED_KEYS.items():
            *sections, name = key.split(".")
            section = values
            for part in sections:
                section = section[part]
            if section[name] == before:
                del section[name]
        text = yaml.safe_dump(values, sort_keys=False)  # hbo.config.loader.dump_yaml's text
    # data prepared again differently into the same folder is other data
    for dataset in config.data.datasets:
        for path in (dataset.path, dataset.heldout_path):
            if path and Path(path).is_file():
                text += hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_run(path: Path, digest: str, undigested: bool = False) -> dict | None:
    """The record at ``path`` when it was run with the config of ``digest`` and the libraries installed
    now, on this machine; None when there is none. A record of another config, of other library
    versions or of another machine stops the benchmark: its numbers would not be this environment's.
    One written before run files carried a digest is read as it is only with ``undigested`` (its config
    cannot be checked); one written before they carried versions, or the machine, is read with a
    warning."""
    if not path.is_file():
        return None
    record = json.loads(path.read_text())
    found = record.get("digest")
    if found is None and undigested:
        return record
    if found != digest:
        why = (f"was run with another config (digest {found}, now {digest})" if found else
               "has no config digest (written before run files carried one), so its config cannot be checked")
        raise SystemExit(f"{path} {why}: delete it to rerun it, or write to another --out"
                         + ("" if found else "; --undigested-runs reads such files as they are"))
    ran_with = record.get("versions")
    if ran_with is None:
        print(f"warning: {path} does not say which library versions it ran with; read as it is", file=sys.stderr)
        return record
    now = library_versions()
    other = {name: (ran_with.get(name), now[name]) for name in now if ran_with.get(name) != now[name]}
    if other:
        raise SystemExit(f"{path} was run with other library versions ("
                         + ", ".join(f"{name} {was} → {new}" for name, (was, new) in other.items())
                         + "), which give other answers: delete it to rerun it here, write to another --out, "
                         "or install the versions it ran with (constraints.txt)")
    ran_on, here = record.get("machine"), machine()
    if ran_on is None:
        if path.parent not in _warned_machine:
            _warned_machine.add(path.parent)
            print(f"warning: run files in {path.parent} do not say which processor they ran on (written before "
                  "run files named it); read as they are, though another processor can give other answers",
                  file=sys.stderr)
    elif ran_on != here:
        other = ", ".join(f"{key} {ran_on.get(key)} → {here.get(key)}" for key in dict.fromkeys([*ran_on, *here])
                          if ran_on.get(key) != here.get(key))
        raise SystemExit(f"{path} was run on another machine ({other}), where the same config and libraries give "
                         "other answers: delete it to rerun it here, write to another --out, or continue on "
                         "that machine")
    return record


def library_versions() -> dict:
    """Python's version and each of ``LIBRARIES``' (None when not installed)."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def machine() -> dict:
    """The processors a run computed on: the CPU's model (on Linux with its family, model and stepping
    numbers, which tell apart generations sold under one name), the instruction set torch's CPU kernels
    use on it (which decides their rounding), and the GPU when there is one. Runs repeat exactly on one
    machine, but not across machines."""
    import torch

    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        first = cpuinfo.read_text().split("\n\n")[0]
        fields = dict(line.split(":", 1) for line in first.splitlines() if ":" in line)
        fields = {key.strip(): value.strip() for key, value in fields.items()}
        if "model name" in fields:
            cpu = fields["model name"] + "".join(f", {key} {fields[key]}" for key in ("cpu family", "model", "stepping")
                                                 if key in fields)
    found = {"cpu": cpu, "kernels": torch.backends.cpu.get_cpu_capability()}
    if torch.cuda.is_available():
        found["gpu"] = torch.cuda.get_device_name(0)
    return found


def write_run(path: Path, record: dict) -> None:
    """Write ``record`` to ``path`` whole or not at all (a run killed while writing leaves no file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(path)


def draws_plot(seed: int, seeds: list[int], exists: bool) -> bool:
    """Whether this run's probability plot becomes the strategy's: seed 0's run, or the invocation's first
    seed where it has no seed 0 and no plot is there yet, so that continuing a grid with later seeds never
    replaces the first seed's plot."""
    return seed == 0 or (0 not in seeds and seed == seeds[0] and not exists)
