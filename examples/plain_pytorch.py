"""HBO from a plain PyTorch loop, without the Hugging Face Trainer.

The same pieces `hbo train` uses: a mixture, base-model scores and levels, a strategy, the
hierarchical sampler feeding a DataLoader, and the controller called after every optimiser step.
The sampler draws from ``strategy.training_levels``: hbo's default rewards keep a few examples of
every level out of training and measure them at each update. Rewards read off the training steps
(``sampling.reward_source: train`` with the progress or gradient-norm rewards) need each step's losses
recorded into the controller's signals, as the loop below does when there are any (the Trainer glue
does the same in ``MixtureTrainer.training_step``).

    python examples/plain_pytorch.py --steps 60 --update-interval 20
"""
from __future__ import annotations

import argparse
from contextlib import nullcontext

import torch
from torch.utils.data import DataLoader

from hbo.config import DataConfig, ModelConfig, SamplingConfig
from hbo.core.sampler import HierarchicalSampler
from hbo.data.encoding import response_header_ids
from hbo.data.mixture import load_mixture
from hbo.measure.examples import pad
from hbo.measure.probe import ModelProbe
from hbo.model import load_model
from hbo.outputs.runlog import RunLog
from hbo.scoring import difficulty_levels, load_or_score
from hbo.strategies import make_strategy, weight_average_decay
from hbo.training.controller import MixtureController


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--update-interval", type=int, default=20)
    parser.add_argument("--log", default=None, help="write probabilities.jsonl here")
    args = parser.parse_args()
    torch.manual_seed(0)

    model, tokenizer = load_model(ModelConfig(name_or_path="demo"))
    mixture = load_mixture(DataConfig(mixture="demo"), tokenizer)
    scores, _ = load_or_score(model, mixture, tokenizer, batch_size=64, cache_dir=None, progress=False)
    levels = difficulty_levels(mixture, scores, metric="ifd", num_levels=4)

    sampling = SamplingConfig(strategy="hbo", update_interval=args.update_interval)
    strategy = make_strategy(sampling, levels, scores.loss, scores.alone_loss)
    # the strategy keeps a few examples of every level out of training (its development probe)
    sampler = HierarchicalSampler(strategy.training_levels, num_samples=args.steps * args.batch_size, seed=0)
    # the default measures its rewards on a moving average of the weights, which the controller keeps
    controller = MixtureController(strategy, sampler, sampling.update_interval, args.batch_size, RunLog(mixture.names, args.log),
                                   weight_average=weight_average_decay(sampling))
    controller.attach(model)  # records training signals when the strategy reads them (the default does not)
    train_set = mixture.flat()
    probe = ModelProbe(model, train_set, tokenizer.pad_token_id, response_header_ids(tokenizer), signals=controller.signals)

    def collate(batch):
        indices = torch.tensor([b["index"] for b in batch])
        return (indices, *pad([(b["input_ids"], b["labels"]) for b in batch], tokenizer.pad_token_id, "cpu"))

    loader = DataLoader(train_set, batch_size=args.batch_size, sampler=sampler, collate_fn=collate)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    model.train()
    controller.start(probe)  # the strategy may measure the base model first
    for step, (indices, input_ids, mask, labels) in enumerate(loader, start=1):
        signals = controller.signals
        recording = signals.step(indices, controller.gradient_norms_wanted(step)) if signals else nullcontext()
        with recording:
            out = model(input_ids=input_ids, attention_mask=mask, labels=labels)
            if signals:
                signals.loss_computed(out.loss, out.logits, labels)
            loss = out.loss
            loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if controller.step_end(step, probe):
            p = dict(zip(mixture.names, strategy.probabilities()[0]))
            print(f"step {step}: loss {loss.item():.3f}; P(dataset) = "
                  + ", ".join(f"{k} {v:.3f}" for k, v in p.items()))


if __name__ == "__main__":
    main()
