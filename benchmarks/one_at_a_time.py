"""The paper's reward measurements done the straightforward way, as a yardstick for hbo's own.

Every example alone: for its gradient norm a forward with labels, ``loss.backward()`` into ``.grad``,
the norm over all parameter gradients, then the gradients cleared; for its response loss a forward
and a Python loop over the response tokens summing log-probabilities. Same definitions as
``hbo.measure.probe.ModelProbe`` (mean response loss; its gradient over all trainable parameters), so the
two probes return the same numbers and only their cost differs. Not part of the library.
"""
from __future__ import annotations

import math

import torch

from hbo.measure.examples import IGNORE, preserved_state
from hbo.measure.examples import conditional_sequence


class OneAtATimeProbe:
    def __init__(self, model, train_set):
        self.model, self.train_set = model, train_set

    def _example(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        ids, labels = conditional_sequence(self.train_set.examples[i])
        device = next(self.model.parameters()).device
        return torch.tensor([ids], device=device), torch.tensor([labels], device=device)

    def gradient_norms(self, indices) -> torch.Tensor:
        norms = []
        params = [p for p in self.model.parameters() if p.requires_grad]
        saved = [p.grad for p in params]
        with preserved_state(self.model):
            for i in indices:
                for p in params:
                    p.grad = None
                input_ids, labels = self._example(i)
                self.model(input_ids=input_ids, labels=labels).loss.backward()
                norms.append(math.sqrt(sum(float(p.grad.float().pow(2).sum()) for p in params if p.grad is not None)))
        for p, g in zip(params, saved):
            p.grad = g
        return torch.tensor(norms, dtype=torch.float64)

    @torch.no_grad()
    def losses(self, indices) -> torch.Tensor:
        out = []
        with preserved_state(self.model):
            for i in indices:
                input_ids, labels = self._example(i)
                logits = self.model(input_ids=input_ids).logits[0].float()
                total, count = 0.0, 0
                for t in range(1, labels.shape[1]):
                    if labels[0, t] != IGNORE:
                        total -= float(torch.log_softmax(logits[t - 1], dim=-1)[labels[0, t]])
                        count += 1
                out.append(total / count if count else math.nan)
        return torch.tensor(out, dtype=torch.float64)
