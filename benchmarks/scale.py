"""Preparing large mixtures: time and memory of hbo's loader on generated alpaca data.

    python benchmarks/scale.py                      # 100K and 1M examples, and the baseline at 100K
    python benchmarks/scale.py --sizes 100000 --baseline-commit df9456d

For every size, a mixture of two alpaca files (3:1) is generated once under --work (a few hundred
demo-tokenizer tokens per example). Each preparation (``read_mixture`` + ``encode_mixture``, what
``hbo train`` does before scoring) runs in a fresh process with an empty tokenised cache, then once
more on the same cache ("cached"). Peak RSS growth is the process's peak resident memory (its own
pages, worker processes apart) less its resident memory just before preparing, per training token.
The baseline is the same measurement with hbo at ``--baseline-commit`` (git archive into --work), the
loader that held every example as Python lists. The tokenizer library's own batch encoding of the
same rendered texts, on every core, is measured once as the bound on any loader. Writes
results/scale.json and results/scale.md; a finished row is kept when the script runs again (delete
it to measure again).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from mixture import commit  # noqa: E402

WORDS = ("the model data train mixture level dataset sample reward global local actor learn step update loss "
         "token batch answer question language number result value").split()


def generate(path: Path, n: int, seed: int) -> None:
    """``n`` alpaca records of random words: instruction 8-20 words, input 0-15, output 20-50."""
    rng = random.Random(seed)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w") as f:
        for _ in range(n):
            f.write(json.dumps({"instruction": " ".join(rng.choices(WORDS, k=rng.randint(8, 20))),
                                "input": " ".join(rng.choices(WORDS, k=rng.randint(0, 15))),
                                "output": " ".join(rng.choices(WORDS, k=rng.randint(20, 50)))}) + "\n")
    tmp.replace(path)


def mixture_files(work: Path, examples: int) -> list[Path]:
    files = []
    for name, share, seed in (("large", 3, 0), ("small", 1, 1)):
        path = work / f"alpaca-{examples}-{name}.jsonl"
        if not path.is_file():
            print(f"generating {path}", flush=True)
            generate(path, examples * share // 4, seed)
        files.append(path)
    return files


def measure(files: list[str], cache: str) -> dict:
    """In this process: prepare the mixture once; seconds, training tokens, peak RSS growth (bytes)."""
    import dataclasses

    from hbo.config import DataConfig, load_config
    from hbo.data.mixture import encode_mixture, read_mixture
    from hbo.model import load_model

    datasets = ", ".join(f"{{name: d{i}, path: {f}}}" for i, f in enumerate(files))
    overrides = [f"data.datasets=[{datasets}]", "data.max_length=1024", "data.heldout_max=100"]
    if "cache_dir" in {f.name for f in dataclasses.fields(DataConfig)}:  # the baseline has no tokenised cache
        overrides.append(f"data.cache_dir={cache}")
    config = load_config(None, overrides)
    _, tokenizer = load_model(config.model)
    before = _rss_now()
    start = time.perf_counter()
    mixture = encode_mixture(read_mixture(config.data), config.data, tokenizer)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    tokens = sum(d.token_count() if hasattr(d, "token_count") else sum(len(ex.input_ids) for ex in d)
                 for d in mixture.train)
    return {"seconds": seconds, "tokens": tokens, "examples": sum(len(d) for d in mixture.train),
            "rss_growth": peak - before, "worker_peak_rss": children}


def tokenizer_alone(files: list[str], examples: int = 20_000) -> float:
    """Tokens per second of the tokenizer library by itself, on every core: the rendered prompts and
    responses of the first ``examples`` examples through the fast tokenizer's batch encoding, nothing
    else. No loader that tokenises the same texts can prepare them faster than this."""
    from hbo.config import load_config
    from hbo.data.encoding import render
    from hbo.data.loading import load_examples
    from hbo.model import load_model

    _, tokenizer = load_model(load_config(None, []).model)
    data = load_examples(files[0])[:examples]
    prompts, responses = render(tokenizer, [list(ex.prompt) for ex in data], [ex.response for ex in data])
    backend = tokenizer.backend_tokenizer
    start = time.perf_counter()
    tokens = sum(len(e.ids) for e in backend.encode_batch_fast(prompts + responses, add_special_tokens=False))
    return tokens / (time.perf_counter() - start)


def _rss_now() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_measure(src: Path, files: list[Path], cache: Path | None) -> dict | float:
    """:func:`measure` (or, without a cache, :func:`tokenizer_alone`) in a fresh process with hbo
    imported from ``src``."""
    # ahead of the caller's path, which may hold the installed libraries
    path = os.pathsep.join([str(src), str(HERE)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    env = dict(os.environ, PYTHONPATH=path, TOKENIZERS_PARALLELISM="true")
    call = f"measure({[str(f) for f in files]!r}, {str(cache)!r})" if cache else f"tokenizer_alone({[str(f) for f in files]!r})"
    code = f"import json, sys; from scale import measure, tokenizer_alone; print('RESULT', json.dumps({call}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(f"measurement failed:\n{out.stderr[-3000:]}")
    [line] = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    return json.loads(line[len("RESULT "):])


def baseline_source(work: Path, ref: str) -> Path:
    target = work / f"hbo-{ref}"
    if not (target / "src" / "hbo").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True).stdout
        archive_path = work / f"hbo-{ref}.tar"
        archive_path.write_bytes(archive)
        with tarfile.open(archive_path) as tar:
            tar.extractall(target, filter="data")
    return target / "src"


def row(loader: str, first: dict, cached: dict) -> dict:
    return {"loader": loader, "examples": first["examples"], "tokens": first["tokens"],
            "first_s": round(first["seconds"], 2), "tokens_per_s": round(first["tokens"] / first["seconds"]),
            "cached_s": round(cached["seconds"], 2),
            "rss_bytes_per_token": round(max(first["rss_growth"], cached["rss_growth"]) / first["tokens"], 2),
            "worker_peak_rss_bytes": first["worker_peak_rss"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--baseline-commit", default="df9456d", help="hbo before the Arrow-backed loader")
    parser.add_argument("--baseline-sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/hbo-scale"))
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    json_path = args.out / "scale.json"
    stored = json.loads(json_path.read_text()) if json_path.is_file() else {}
    done = stored.get("rows", [])
    args.tokenizer_tokens_per_s = stored.get("tokenizer_tokens_per_s")
    if args.tokenizer_tokens_per_s is None:
        print("the tokenizer alone", flush=True)
        args.tokenizer_tokens_per_s = round(run_measure(ROOT / "src", mixture_files(args.work, min(args.sizes)), None))
    have = {(r["loader"], r["examples_asked"]) for r in done if "examples_asked" in r}
    jobs = [("arrow", n) for n in args.sizes] + [("baseline", n) for n in args.baseline_sizes]
    for loader, n in jobs:
        if (loader, n) in have:
            continue
        files = mixture_files(args.work, n)
        src = ROOT / "src" if loader == "arrow" else baseline_source(args.work, args.baseline_commit)
        cache = args.work / f"cache-{loader}-{n}"
        subprocess.run(["rm", "-rf", str(cache)], check=True)
        print(f"{loader} {n}: first preparation", flush=True)
        first = run_measure(src, files, cache)
        print(f"{loader} {n}: again, on the cache", flush=True)
        cached = run_measure(src, files, cache)
        done.append({**row(loader, first, cached), "examples_asked": n})
        print(json.dumps(done[-1]), flush=True)
        write(done, json_path, args)
    write(done, json_path, args)


def write(rows: list[dict], json_path: Path, args) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted(rows, key=lambda r: (r["loader"] != "arrow", r["examples_asked"]))
    json_path.write_text(json.dumps({"commit": commit(), "rows": rows,
                                     "tokenizer_tokens_per_s": args.tokenizer_tokens_per_s}, indent=1) + "\n")
    baseline = next((r for r in rows if r["loader"] == "baseline"), None)
    lines = ["# Preparing large mixtures", "",
             "Command: `python benchmarks/scale.py`  ",
             f"Commit: `{commit()}`; baseline: hbo at `{args.baseline_commit}` (every example as Python lists)  ",
             f"Machine: {platform.machine()}, {platform.system()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}; demo tokenizer; two alpaca files (3:1), a few hundred tokens per example", "",
             "Preparation = reading, validating, splitting and tokenising every dataset (`read_mixture` + "
             "`encode_mixture`), in a fresh process. Cached: the same again, on the tokenised cache the first "
             "left. RSS per token: peak resident memory growth of that process during preparation (the larger "
             "of the two runs) over the training tokens; worker processes (forked by `Dataset.map` for large "
             "datasets) are apart, their peak in the last column.", "",
             "| loader | examples | tokens | first s | tokens/s | cached s | RSS bytes/token | worker peak RSS (GB) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['loader']} | {r['examples']:,} | {r['tokens']:,} | {r['first_s']:.1f} | "
                     f"{r['tokens_per_s']:,} | {r['cached_s']:.1f} | {r['rss_bytes_per_token']:.1f} | "
                     f"{r['worker_peak_rss_bytes'] / 1e9:.2f} |")
    lines += ["", f"The tokenizer library alone (its batch encoding of the same rendered texts, every core, nothing "
              f"else): {args.tokenizer_tokens_per_s:,} tokens/s. That bounds any loader of these texts on this machine."]
    if baseline:
        lines += ["", "First preparation against the baseline: " + ", ".join(
            f"{r['examples']:,} examples {r['tokens_per_s'] / baseline['tokens_per_s']:.1f}x" for r in rows
            if r["loader"] == "arrow") + f"; the tokenizer alone {args.tokenizer_tokens_per_s / baseline['tokens_per_s']:.1f}x."]
    (json_path.parent / "scale.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
