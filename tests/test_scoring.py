"""Scoring reads the training examples one batch at a time: Arrow rows score exactly as in-memory
examples do, and never are all of them alive at once."""
import weakref

import torch

from hbo.data.builtin import builtin_mixture
from hbo.data.encoding import Encoded, encode_examples, response_header_ids
from hbo.data.loading import load_examples
from hbo.data.mixture import Mixture
from hbo.data.tokenised import tokenise
from hbo.scoring import load_or_score, score_examples


def demo_examples(n):
    return load_examples(builtin_mixture("demo")[0].path)[:n]


def test_arrow_rows_score_as_encoded_examples(demo, tmp_path):
    model, tokenizer = demo
    examples = demo_examples(120)
    rows, _, _ = tokenise(examples, tokenizer, 256, "response", tmp_path)
    scores, cached = load_or_score(model, Mixture(["a"], [rows], [[]]), tokenizer, 16, None, progress=False)
    want = score_examples(model, encode_examples(examples, tokenizer, 256, "response"), tokenizer.pad_token_id,
                          response_header_ids(tokenizer), 16)
    assert not cached and len(scores.loss) == len(examples)
    torch.testing.assert_close(scores.loss, want.loss, rtol=0, atol=1e-9)
    torch.testing.assert_close(scores.alone_loss, want.alone_loss, rtol=0, atol=1e-9)


class Tracked(Encoded):
    alive = 0
    peak = 0

    def __init__(self, *args):
        super().__init__(*args)
        Tracked.alive += 1
        Tracked.peak = max(Tracked.peak, Tracked.alive)
        weakref.finalize(self, Tracked._gone)

    @staticmethod
    def _gone():
        Tracked.alive -= 1


class TrackedRows:
    """Arrow rows handed out as :class:`Tracked` examples, counting how many are alive at once."""

    def __init__(self, rows):
        self.rows = rows

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        ex = self.rows[i]
        return Tracked(ex.prompt_ids, ex.response_ids, ex.labels, ex.reference)

    def sequence_lengths(self):
        return self.rows.sequence_lengths()


def test_scoring_holds_one_batch_of_examples_at_a_time(demo, tmp_path):
    model, tokenizer = demo
    rows, _, _ = tokenise(demo_examples(200), tokenizer, 256, "response", tmp_path)
    Tracked.alive = Tracked.peak = 0
    scores, _ = load_or_score(model, Mixture(["a"], [TrackedRows(rows)], [[]]), tokenizer, 8, None, progress=False)
    assert len(scores.loss) == 200 and not scores.loss.isnan().any()
    assert 1 <= Tracked.peak <= 8  # one batch of the 200, never the whole dataset
