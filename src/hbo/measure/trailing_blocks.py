"""The parameters a gradient product is taken over when it need not cover the whole model.

A gradient over the last few transformer blocks only stops its backward pass at the first of them:
the forward still runs through every block, the backward through those few, so on a deep model the
pass costs little more than the forward. Rewards that compare datasets by the directions of their
gradients (``global_reward`` alignment or transfer, ``heldout_credit`` attributed) can take them
there, as data-attribution methods often read the last layers (TracIn, Pruthi et al. 2020).
"""
from __future__ import annotations

from torch import nn


def transformer_blocks(model: nn.Module) -> nn.ModuleList:
    """The model's stack of blocks: its longest ``nn.ModuleList`` (``model.layers`` in Llama-style
    models, ``transformer.h`` in GPT-2; the same list inside a PEFT wrapper)."""
    lists = [m for m in model.modules() if isinstance(m, nn.ModuleList) and len(m) > 0]
    if not lists:
        raise ValueError(f"{type(model).__name__} has no nn.ModuleList of blocks, so a gradient over its last "
                         "blocks is not defined; leave sampling.gradient_blocks at null")
    return max(lists, key=len)


def trailing_block_parameters(model: nn.Module, blocks: int) -> list[nn.Parameter]:
    """The trainable parameters of the last ``blocks`` blocks and of the modules registered after them
    (a final norm; an output layer, unless its weight is tied to one met earlier, as a tied input
    embedding is: a gradient there would need the backward pass through every block), in module
    order."""
    stack = transformer_blocks(model)
    if not 0 < blocks <= len(stack):
        raise ValueError(f"sampling.gradient_blocks is {blocks}, but {type(model).__name__} has {len(stack)} blocks")
    first = stack[len(stack) - blocks]
    seen: set[int] = set()
    chosen: list[nn.Parameter] = []
    inside = False
    for module in model.modules():
        inside = inside or module is first
        for parameter in module.parameters(recurse=False):
            if inside and parameter.requires_grad and id(parameter) not in seen:
                chosen.append(parameter)
            seen.add(id(parameter))
    if not chosen:
        raise ValueError(f"no trainable parameter in the last {blocks} blocks of {type(model).__name__} or after "
                         "them (are its adapters on earlier layers only?); raise sampling.gradient_blocks or "
                         "leave it at null")
    return chosen


def gradient_parameters(model: nn.Module, blocks: int | None) -> list[nn.Parameter]:
    """What a gradient product covers: every trainable parameter (``blocks`` None), or those of the
    last ``blocks`` blocks and after."""
    if blocks is None:
        return [p for p in model.parameters() if p.requires_grad]
    return trailing_block_parameters(model, blocks)
