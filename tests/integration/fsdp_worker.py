"""Run by tests/test_distributed.py under torchrun: hbo's measurements on a model sharded with FSDP2.

Writes, per rank, JSON with the largest relative difference between the gradient norms measured on
the sharded model (split across the processes) and on an unsharded copy (one backward per example),
whether any parameter got a .grad from the measurement, the same difference for the norms read off a
training step of the sharded model (online rewards), and the loss after that step on the sharded
model and on the copy trained on the same batch.
"""
import contextlib
import json
import sys

import torch
import torch.distributed as dist
from torch.distributed.fsdp import fully_shard
from transformers import AutoModelForCausalLM

from hbo.measure.distributed import split_rows
from hbo.measure.examples import gradient_norms, mean_losses
from hbo.measure.signals import TrainingSignals
from hbo.model import DEMO_MODEL


def main(out: str) -> None:
    dist.init_process_group("gloo")
    reference = AutoModelForCausalLM.from_pretrained(DEMO_MODEL)
    model = AutoModelForCausalLM.from_pretrained(DEMO_MODEL)
    for layer in model.model.layers:
        fully_shard(layer)
    fully_shard(model)
    sharded = type(next(model.parameters())).__name__
    # 7 sequences of different lengths: the shares of 2 processes differ, and one is topped up
    sequences = [([1] + list(range(5, 9 + i)), [-100] * 3 + list(range(7, 9 + i))) for i in range(7)]
    expected = gradient_norms(reference, sequences, 0, method="loop")
    norms = split_rows(lambda share: gradient_norms(model, share, 0, batch_size=2, method="hooks"), sequences)
    losses = split_rows(lambda share: mean_losses(model, share, 0, batch_size=2)[0], sequences)
    expected_losses = mean_losses(reference, sequences, 0)[0]
    touched = any(p.grad is not None for p in model.parameters())

    batch = [s for s in sequences if len(s[0]) == len(sequences[0][0])] * 2
    ids, labels = torch.tensor([s[0] for s in batch]), torch.tensor([s[1] for s in batch])
    expected_online = gradient_norms(reference, batch, 0, method="loop")
    signals = TrainingSignals(model)  # online rewards: norms read off the training step itself
    after = []
    for m in (model, reference):
        optimiser = torch.optim.SGD(m.parameters(), lr=0.05)
        with signals.step(torch.arange(len(batch))) if m is model else contextlib.nullcontext():
            output = m(input_ids=ids, labels=labels)
            if m is model:
                signals.loss_computed(output.loss, output.logits, labels)
            output.loss.backward()
        optimiser.step()
        with torch.no_grad():
            after.append(float(m(input_ids=ids, labels=labels).loss))
    result = {"sharded": sharded,
              "norm_difference": float(((norms - expected).abs() / expected).max()),
              "loss_difference": float(((losses - expected_losses).abs() / expected_losses).max()),
              "online_norm_difference": max(abs(a - b) / b for a, b in zip(signals.gradient_norms,
                                                                          expected_online.tolist())),
              "grad_touched": touched, "loss_after_step": after}
    with open(f"{out}/rank{dist.get_rank()}.json", "w") as f:
        json.dump(result, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
