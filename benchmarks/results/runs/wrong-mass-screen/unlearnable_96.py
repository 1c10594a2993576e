"""Step 1b of RULE.md: the unlearnable check over seeds 0-95 from the run records in unlearnable/,
the 97.5% bootstrap interval of the mean end share (20000 resamples, bootstrap seed 0)."""
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # benchmarks/
from unlearnable import mean_interval  # noqa: E402

folder = Path(__file__).resolve().parent / "unlearnable"
records = [json.loads((folder / f"seed-{seed}.json").read_text()) for seed in range(96)]
assert all(r["overrides"] == records[0]["overrides"] and r["machine"] == records[0]["machine"] for r in records)
ends = [r["shares"][-1] for r in records]
low, high = mean_interval(ends, resamples=20000, level=0.975)
above = sum(end > r["shares"][0] for end, r in zip(ends, records))
for name, part in (("seeds 0-47", ends[:48]), ("seeds 48-95", ends[48:]), ("seeds 0-95", ends)):
    print(f"{name}: mean end share {statistics.fmean(part):.3f}")
print(f"seeds 0-95: 97.5% bootstrap interval [{low:.4f}, {high:.4f}]; above its start on {above} of 96; "
      f"step 1b {'passes' if high < 0.5 else 'does not pass'} (upper end below 0.50)")
