"""Per-step cost of recording gradients by dataset (credit_gradients: trained), demo and x15: the
same batches trained plainly and recorded, interleaved (benchmarks/overhead.py's online_step_overhead).

    python benchmarks/results/runs/attributed-trained-step-cost/step_cost.py OUT.json   # at commit 3557b75
"""
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # benchmarks/
import torch
from overhead import model_folder, online_step_overhead, PROGRESS_ONLINE
from hbo.config import DataConfig, load_config
from hbo.data.mixture import load_mixture
from transformers import AutoModelForCausalLM, AutoTokenizer
out = {}
with tempfile.TemporaryDirectory() as tmp:
    for name in ("demo", "demo-x15"):
        folder = model_folder(name, Path(tmp))
        model = AutoModelForCausalLM.from_pretrained(folder)
        tok = AutoTokenizer.from_pretrained(folder)
        mixture = load_mixture(DataConfig(mixture="demo"), tok)
        out[name] = online_step_overhead(model, tok, mixture, load_config(None, PROGRESS_ONLINE).sampling, batches=8, rounds=7)
        print(name, out[name], flush=True)
json.dump(out, open(sys.argv[1], "w"), indent=1)
