"""Hand-made probes and levels for the strategies' unit tests: every measurement is known in advance."""
import math

import torch

# The paper's rewards, measured offline: what the hand-computed HBO tests compute
PAPER_REWARDS = {"global_reward": "gradient-norm", "local_reward": "ppl", "reward_source": "offline", "reward_ema": None}

LEVELS = [[[0, 1], [2, 3]], [[4], [5]]]



class FakeProbe:
    """Gradient norm = index + 1; current loss = base loss + log(2) on level 1 examples of dataset 0."""

    def __init__(self, base):
        self.base = base

    def gradient_norms(self, indices):
        return torch.tensor([i + 1.0 for i in indices], dtype=torch.float64)

    def losses(self, indices):
        return torch.tensor([self.base[i] + (math.log(2) if i in (2, 3) else 0.0) for i in indices],
                            dtype=torch.float64)

    def losses_and_answer_measures(self, indices):
        """[loss, wrong-token share, margin deficit, wrong mass] per example, all from the loss above as
        if each answer were one token: wrong when its loss exceeds log 2 (p < 1/2), by that excess in
        margin, and 1 - p in wrong mass."""
        loss = self.losses(indices)
        return torch.stack([loss, (loss > math.log(2)).double(), (loss - math.log(2)).clamp(min=0), 1 - torch.exp(-loss)], 1)

    def alone_losses(self, indices):
        return torch.zeros(len(indices), dtype=torch.float64)

    def gradient_cosines(self, groups, reference):
        self.groups, self.reference = groups, reference
        return torch.tensor([0.5, -0.5], dtype=torch.float64)

    def entropies(self, indices):
        """Dataset 0 (indices 0-3) is predicted with entropy 1 nat, dataset 1 with 3."""
        return torch.tensor([1.0 if i < 4 else 3.0 for i in indices], dtype=torch.float64)

    def hidden_states(self, indices):
        """Dataset 0's examples embed as (1, 0), dataset 1's as (1, 1): cosine 1 / sqrt(2)."""
        return torch.tensor([[1.0, 0.0] if i < 4 else [1.0, 1.0] for i in indices], dtype=torch.float64)



def softmax(logits):
    exp = [math.exp(x) for x in logits]
    return [e / sum(exp) for e in exp]



class TrainedProbe:
    """Online measurements: what the training steps recorded since the last update."""

    def __init__(self, indices, losses, norms):
        self.record = (list(indices), torch.tensor(losses, dtype=torch.float64), torch.tensor(norms, dtype=torch.float64))

    def trained(self):
        return self.record
