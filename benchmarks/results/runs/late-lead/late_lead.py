# A throwaway reading of run logs (not part of the library): python late_lead.py FOLDER
"""For each run log: the dataset whose share ends furthest above its prior, the update whose score gave it
the lead (the last update at which its score was the largest positive one), and that score against the
largest score of the run."""
import json, sys, glob, re
for path in sorted(glob.glob(sys.argv[1] + "/**/hbo-*-probabilities.jsonl", recursive=True),
                   key=lambda p: int(re.search(r"hbo-(\d+)-prob", p).group(1))):
    recs = [json.loads(l) for l in open(path)]
    prior, final = recs[0]["global"], recs[-1]["global"]
    leader = max(final, key=lambda d: final[d] - prior[d])
    run_max = max((s for r in recs[1:] if r.get("global_score") for s in r["global_score"].values()), default=0)
    gave = None
    for r in recs[1:]:
        sc = r.get("global_score")
        if sc and max(sc.values()) > 0 and max(sc, key=sc.get) == leader:
            gave = r
    seed = re.search(r"hbo-(\d+)-prob", path).group(1)
    if gave is None:
        print(f"seed {seed}: leader {leader} ({prior[leader]:.2f} -> {final[leader]:.2f}); never the top score")
        continue
    s = gave["global_score"][leader]
    print(f"seed {seed}: leader {leader} ({prior[leader]:.2f} -> {final[leader]:.2f}), last top score at step {gave['step']}: "
          f"{s:.4f} = {s / run_max:.3f} of the run's largest ({run_max:.4f})")
