"""One call that turns a configuration, a model and its tokenizer into what a Trainer needs to train
on the mixture: arguments, training set, collator, controller and callback. The ``hbo train``
recipe uses it, and so does a library user with their own Trainer (see the README)."""
from __future__ import annotations

import os
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from hbo.cache import cache_dir
from hbo.config import Config
from hbo.core.sampler import HierarchicalSampler
from hbo.data.encoding import response_header_ids
from hbo.data.mixture import FlatTrainSet, Mixture, encode_mixture, read_mixture
from hbo.errors import ConfigError
from hbo.measure.probe import ModelProbe
from hbo.measure.trailing_blocks import trailing_block_parameters
from hbo.outputs.runlog import RunLog
from hbo.scoring import BaseScores, difficulty_levels, load_or_score
from hbo.strategies import STRATEGIES, make_strategy, weight_average_decay
from hbo.training.controller import MixtureController
from hbo.training.trainer import REQUIRED_ARGUMENTS, MixtureCallback


@dataclass
class MixtureSetup:
    """Pass ``args``, ``train_dataset``, ``data_collator``, ``callbacks=[callback]`` and
    ``controller`` to ``MixtureTrainer``; the rest is there to read."""
    args: object  # transformers.TrainingArguments
    train_dataset: FlatTrainSet
    data_collator: object
    controller: MixtureController
    callback: MixtureCallback
    mixture: Mixture
    scores: BaseScores | None  # None when the strategy reads no scores (it was not computed)
    scores_cached: bool  # the base-model scores came from the cache
    levels: list[list[list[int]]]  # levels[d][k]: flat indices of level k of dataset d


def setup_training(config: Config, model, tokenizer, progress: bool = True, read=None) -> MixtureSetup:
    """Read and tokenise the mixture, score it with ``model`` (the base model: call this before
    training), cut the levels and build the strategy, sampler, controller and callback. Under torchrun
    or accelerate this joins the process group (through the TrainingArguments)."""
    from transformers import DataCollatorForSeq2Seq

    out = Path(config.output_dir)
    args = training_arguments(config, progress)
    main = args.process_index == 0
    decay = weight_average_decay(config.sampling)
    if decay is not None and args.distributed_state.distributed_type.name in ("FSDP", "DEEPSPEED"):
        # the average is a copy of the parameters taken before the Trainer prepares the model, and these
        # engines wrap or partition them after that: the updates measure the weights as trained
        warnings.warn(f"sampling.probe_average={decay} is not supported with "
                      f"{args.distributed_state.distributed_type.name}: the updates measure the weights as trained "
                      "(set sampling.probe_average=null to say so)")
        decay = None
    if config.sampling.gradient_blocks is not None:  # a model without such blocks fails here, not at an update
        try:
            trailing_block_parameters(model, config.sampling.gradient_blocks)
        except ValueError as error:
            raise ConfigError(str(error)) from None
    mixture = encode_mixture(read if read is not None else read_mixture(config.data), config.data, tokenizer)
    if STRATEGIES[config.sampling.strategy].needs_scores:
        scores, cached = load_or_score(model, mixture, tokenizer, config.scoring.batch_size,
                                       config.scoring.cache_dir or cache_dir("scores"),
                                       progress and main)
        levels = difficulty_levels(mixture, scores, config.scoring.metric, config.scoring.num_levels)
        strategy = make_strategy(config.sampling, levels, scores.loss, scores.alone_loss, mixture.names)
    else:  # the strategy draws uniformly inside each dataset: no scoring pass, one level per dataset
        flat = mixture.flat()
        scores, cached = None, False
        levels = [[list(flat.indices_of(d))] for d in range(len(mixture.names))]
        strategy = make_strategy(config.sampling, levels, None, None, mixture.names)
    t = config.training
    # Every process draws the whole global batch from the same stream; the Trainer's data loader
    # (accelerate) hands each process its own disjoint part of it.
    examples_per_step = t.per_device_train_batch_size * t.gradient_accumulation_steps * args.world_size
    sampler = HierarchicalSampler(strategy.training_levels, num_samples=t.max_steps * examples_per_step, seed=config.sampling.seed,
                                  min_probability=config.sampling.min_probability)
    controller = MixtureController(strategy, sampler, config.sampling.update_interval, examples_per_step,
                                   run_log(config, mixture.names, out, args.process_index),
                                   config.sampling.online_norm_steps, decay)
    controller.attach(model)
    train_set = mixture.flat()
    header = response_header_ids(tokenizer)

    def probe(m):
        return ModelProbe(m, train_set, tokenizer.pad_token_id, header, config.scoring.batch_size,
                          config.sampling.gradient_norms, controller.signals, config.sampling.reward_tokens,
                          config.sampling.gradient_blocks)

    collator = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)
    return MixtureSetup(args, train_set, collator, controller, MixtureCallback(controller, probe), mixture, scores,
                        cached, levels)


def training_arguments(config: Config, progress: bool = True):
    """The Trainer's arguments: hbo's training section, plus what hbo's sampler needs."""
    from transformers import TrainingArguments

    trainer_kwargs = {k: v for k, v in asdict(config.training).items() if k not in ("extra", "trainer")}
    trainer_kwargs.update({"report_to": "none", "disable_tqdm": not progress, **REQUIRED_ARGUMENTS,
                           "dataloader_pin_memory": torch.cuda.is_available(),
                           # every parameter gets a gradient in a causal LM; skip DDP's search for unused ones
                           "ddp_find_unused_parameters": False})
    if not (torch.cuda.is_available() or torch.backends.mps.is_available()):
        trainer_kwargs["use_cpu"] = True  # without it, processes launched on a CPU machine would not form a DDP group
    trainer_kwargs.update(config.training.extra)
    arguments_class = TrainingArguments
    if config.training.trainer == "sft":
        arguments_class = sft_config_class()
        # the mixture is tokenised already, its labels cover the response; TRL's own preparation is skipped
        trainer_kwargs.setdefault("dataset_kwargs", {"skip_prepare_dataset": True})
    if not trainer_kwargs.get("use_cpu"):
        check_one_gpu_per_process()
    try:
        args = arguments_class(output_dir=str(Path(config.output_dir) / "trainer"), **trainer_kwargs)
    except TypeError as e:
        raise ConfigError(f"training.extra: {e}") from None
    _ = args.world_size  # sets up the devices, and the process group when launched distributed
    return args


def check_one_gpu_per_process() -> None:
    """Refuse more processes on a machine than it has GPUs, before the process group forms: NCCL
    would stop every process with "Duplicate GPU detected", which does not say what to change."""
    processes = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if gpus and processes > gpus:
        raise ConfigError(f"{processes} processes were launched on this machine, which has {gpus} GPU"
                          f"{'s' if gpus > 1 else ''}: NCCL needs one GPU per process. Launch at most {gpus} "
                          f"(torchrun --nproc_per_node {gpus}), or train on the CPU with training.extra.use_cpu=true")


def sft_config_class():
    try:
        from trl import SFTConfig
    except ImportError:
        raise ConfigError("training.trainer: sft needs TRL: pip install 'hbo[trl]'") from None
    return SFTConfig


def run_log(config: Config, names: list[str], out: Path, rank: int) -> RunLog:
    """The main process writes the run's logs; with ``sampling.log_every_process`` every other one
    writes its own probabilities too, under ``ranks/``, to check that they agree."""
    if rank == 0:
        return RunLog(names, out / "probabilities.jsonl", out / "samples.jsonl" if config.sampling.log_samples else None)
    return RunLog(names, out / "ranks" / f"probabilities-{rank}.jsonl" if config.sampling.log_every_process else None)
