"""`hbo train` under torchrun with 2 processes (gloo, CPU) against one process with the same global batch.
The launched processes see no GPU (`CPU_ONLY`), so the tests ask the same of a machine with one.

What must hold: every process installs the same probabilities at every update (bit for bit), the
processes train on disjoint parts of each step's global batch that together are exactly the batch a
single process draws, and the probability trajectory is the single-process one up to float rounding
(the measurements are split and batched differently, and DDP averages gradients across processes).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import transformers
from packaging.version import Version

# max absolute difference of any probability, 2 processes against 1. Seen: ~2e-7 with the gradient-norm
# and improvement rewards. The held-out probe's scores are small differences of losses (measured in other
# batch groupings, so equal only to ~1e-7), divided by sampling probabilities and then by the update's
# largest score: at step 12 here one reward differs by 0.5% and a probability by 1.4e-3 (actor lr 0.05).
TOLERANCE = {"offline": 1e-5, "train": 1e-5, "heldout": 3e-3, "lora-train": 1e-5}
STEPS, INTERVAL, PER_PROCESS = 12, 4, 4
COMMON = [f"training.max_steps={STEPS}", f"sampling.update_interval={INTERVAL}", "sampling.actor_lr=0.05",
          "data.heldout_max=8", "eval.max_new_tokens=6", "eval.before=false"]
REWARDS = {  # the hooked gradient norms split across processes, offline or read off training; the default
    "offline": ["sampling.global_reward=gradient-norm", "sampling.local_reward=improvement",
                "sampling.reward_source=offline"],
    "train": ["sampling.global_reward=gradient-norm", "sampling.local_reward=improvement",
              "sampling.reward_source=train"],
    # the default, with its weight average over about 2 steps instead of 50: in 12 steps 0.98 moves the
    # average a fifth of the way from the base weights, so its falls are five times smaller and the
    # same rounding differences five times larger against them (seen: a probability off by 4.5e-3)
    "heldout": ["sampling.probe_average=0.5"],
    # LoRA adapters under DDP: the hooked norms then cover the adapters only, read off training
    "lora-train": ["sampling.global_reward=gradient-norm", "sampling.local_reward=improvement",
                   "sampling.reward_source=train", "model.lora={r: 4}", "training.learning_rate=1e-3"],
}


# what every launched process runs with: one thread each, and no GPU (two NCCL processes cannot share one)
CPU_ONLY = dict(os.environ, OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def per_step(samples: list[dict], per_step: int) -> list[list[int]]:
    """samples.jsonl (ids since the previous record) cut into the global batch of every step."""
    ids = [i for record in samples for i in record["ids"]]
    return [ids[s:s + per_step] for s in range(0, len(ids), per_step)]


@pytest.fixture(scope="module", params=list(REWARDS))
def runs(request, tmp_path_factory):
    """The same job with 2 processes (torchrun) and with 1 process at twice the per-device batch."""
    root = tmp_path_factory.mktemp(f"ddp-{request.param}")
    common = COMMON + REWARDS[request.param]
    two = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
         "--master_port", str(free_port()), "-m", "hbo", "train", "--no-progress", "--output-dir", str(root / "two"),
         f"training.per_device_train_batch_size={PER_PROCESS}", "sampling.log_every_process=true", *common],
        capture_output=True, text=True, env=CPU_ONLY, timeout=600)
    assert two.returncode == 0, two.stdout[-3000:] + two.stderr[-3000:]
    one = subprocess.run(  # a process of its own too, on the CPU like the two
        [sys.executable, "-m", "hbo", "train", "--no-progress", "--output-dir", str(root / "one"),
         f"training.per_device_train_batch_size={2 * PER_PROCESS}", "sampling.log_samples=true", *common],
        capture_output=True, text=True, env=CPU_ONLY, timeout=600)
    assert one.returncode == 0, one.stderr[-3000:]
    return root / "two", root / "one", two.stdout


def test_every_process_installs_the_same_probabilities(runs):
    two, _, _ = runs
    rank0, rank1 = read(two / "probabilities.jsonl"), read(two / "ranks" / "probabilities-1.jsonl")
    assert [r["step"] for r in rank0] == list(range(0, STEPS + 1, INTERVAL))
    for a, b in zip(rank0, rank1, strict=True):
        assert (a["global"], a["local"]) == (b["global"], b["local"])
    assert rank0[-1]["global"] != rank0[0]["global"]  # the actors did move


def test_processes_split_each_global_batch_without_overlap(runs):
    two, one, _ = runs
    batches = [read(two / "ranks" / f"batches-{r}.jsonl") for r in (0, 1)]
    single = per_step(read(one / "samples.jsonl"), 2 * PER_PROCESS)
    assert len(single) == STEPS
    for step in range(STEPS):
        mine, theirs = batches[0][step], batches[1][step]
        assert mine["step"] == theirs["step"] == step + 1
        assert len(mine["ids"]) == len(theirs["ids"]) == PER_PROCESS
        # each drawn example goes to exactly one process: the two halves are the single run's batch
        assert mine["ids"] + theirs["ids"] == single[step]


def test_trajectory_matches_one_process_with_the_same_global_batch(runs, request):
    two, one, _ = runs
    tolerance = TOLERANCE[request.node.callspec.params["runs"]]
    for a, b in zip(read(two / "probabilities.jsonl"), read(one / "probabilities.jsonl"), strict=True):
        assert a["step"] == b["step"] and a["counts"] == b["counts"]
        for name in a["global"]:
            assert a["global"][name] == pytest.approx(b["global"][name], abs=tolerance)
            for level in a["local"][name]:
                assert a["local"][name][level] == pytest.approx(b["local"][name][level], abs=tolerance)


def test_only_the_main_process_writes_the_run_files(runs):
    two, _, stdout = runs
    assert stdout.count("wrote ") == 1
    assert sorted(p.name for p in (two / "ranks").iterdir()) == ["batches-0.jsonl", "batches-1.jsonl",
                                                                 "probabilities-1.jsonl"]
    assert json.loads((two / "eval.json").read_text())["after"]["reverse-en"]["examples"] == 8


def torchrun(*args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr",
                           "127.0.0.1", "--master_port", str(free_port()), *args], capture_output=True, text=True,
                          env=CPU_ONLY, timeout=timeout)


def test_gradient_norms_over_fsdp_sharded_parameters_are_the_full_model_norms(tmp_path):
    """FSDP2 (fully_shard) shards every parameter; the hooked norms read layer inputs and output
    gradients, which are whole, so they are the norms of the full model's per-example gradients."""
    done = torchrun(str(Path(__file__).parent / "fsdp_worker.py"), str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for rank in (0, 1):
        result = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert result["sharded"] == "DTensor"
        assert result["norm_difference"] < 1e-4 and result["loss_difference"] < 1e-4
        assert result["online_norm_difference"] < 1e-4
        assert not result["grad_touched"]  # measuring wrote no gradient into the sharded parameters
        sharded, whole = result["loss_after_step"]
        assert sharded == pytest.approx(whole, rel=1e-4)  # and the training step after it is the usual one


def test_accelerate_launch_with_the_ddp_recipe(tmp_path):
    """The README's accelerate command, on CPU: the recipe's DDP launcher starts 2 processes (gloo)."""
    recipe = Path(__file__).parents[2] / "examples" / "accelerate" / "ddp.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(recipe), "--num_processes", "2",
         "--mixed_precision", "no", "--main_process_port", str(free_port()), "-m", "hbo", "train", "--no-progress",
         "--output-dir", str(tmp_path), "training.max_steps=8", f"training.per_device_train_batch_size={PER_PROCESS}",
         "sampling.update_interval=4", "sampling.log_every_process=true", *COMMON[2:]],
        capture_output=True, text=True, env=CPU_ONLY, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "2 processes" in done.stdout
    rank0, rank1 = read(tmp_path / "probabilities.jsonl"), read(tmp_path / "ranks" / "probabilities-1.jsonl")
    assert [r["global"] for r in rank0] == [r["global"] for r in rank1] and len(rank0) == 3


def _split_and_check(rank: int, store: str, out: str) -> None:
    """In each of 2 processes: split_rows on uneven requests, then a disagreement check that must fail."""
    import torch
    import torch.distributed as dist

    from hbo.measure.distributed import check_same_everywhere, split_rows

    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=2)
    calls = []

    def measure(items):
        calls.append(len(items))
        return torch.tensor([[float(i), float(i) ** 2] for i in items])

    result = {"five": split_rows(measure, list(range(5))).tolist(), "one": split_rows(measure, [7]).tolist(),
              "calls": calls}
    check_same_everywhere("values", [1.0, 2.0])  # the same everywhere: passes
    try:
        check_same_everywhere("values", [1.0, float(rank)])
        result["error"] = None
    except RuntimeError as e:
        result["error"] = str(e)
    with open(f"{out}/rank{rank}.json", "w") as f:
        json.dump(result, f)
    dist.destroy_process_group()


def test_split_rows_and_the_agreement_check_in_two_processes(tmp_path):
    import torch.multiprocessing as mp

    mp.spawn(_split_and_check, args=(str(tmp_path / "store"), str(tmp_path)), nprocs=2)
    for rank in (0, 1):
        result = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert result["five"] == [[float(i), float(i) ** 2] for i in range(5)]  # every row, in request order
        assert result["one"] == [[7.0, 49.0]]
        assert result["calls"] == [3, 1]  # equal shares: rank 1's 2 items topped up to 3; 1 item each
        assert result["error"] == "the processes disagree on values: rank 0: [1.0, 0.0]; rank 1: [1.0, 1.0]"


@pytest.mark.skipif(Version(transformers.__version__) < Version("5.18"),
                    reason="transformers < 5.18 loads a multi-process CPU run's optimizer state onto 'cpu:0', "
                           "which torch cannot restore (seen with 5.17 and accelerate 1.16)")
def test_resume_under_torchrun_writes_the_same_bytes(tmp_path):
    """Online rewards, checkpoint between updates (step 6 of S = 4): each process's measurements
    since step 4 go into the checkpoint, and the resumed run continues exactly."""
    args = ["training.max_steps=12", f"training.per_device_train_batch_size={PER_PROCESS}", "sampling.update_interval=4",
            "sampling.actor_lr=0.05", "data.heldout_max=8", "eval.max_new_tokens=6", "eval.before=false",
            "sampling.reward_source=train", "sampling.global_reward=gradient-norm", "sampling.online_norm_steps=4", "sampling.log_samples=true",
            "training.save_strategy=steps", "training.extra.save_steps=6"]
    first = torchrun("-m", "hbo", "train", "--no-progress", "--output-dir", str(tmp_path / "a"), *args)
    assert first.returncode == 0, first.stderr[-3000:]
    # b: the run as a crash right after checkpoint 6 would leave it
    shutil.copytree(tmp_path / "a", tmp_path / "b", ignore=shutil.ignore_patterns("checkpoint-12", "eval.json", "model"))
    for name in ("probabilities.jsonl", "samples.jsonl"):
        kept = [line for line in read(tmp_path / "b" / name) if line["step"] <= 6]
        (tmp_path / "b" / name).write_text("".join(json.dumps(r) + "\n" for r in kept))
    resumed = torchrun("-m", "hbo", "train", "--no-progress", "--output-dir", str(tmp_path / "b"), *args,
                       "--resume", str(tmp_path / "b" / "trainer" / "checkpoint-6"))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    state = json.loads((tmp_path / "a" / "trainer" / "checkpoint-6" / "hbo_state.json").read_text())
    assert len(state["signals"]["indices"]) == 2 * 2 * PER_PROCESS  # steps 5 and 6, both processes
    for name in ("probabilities.jsonl", "samples.jsonl"):
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "a" / name).read_bytes()
