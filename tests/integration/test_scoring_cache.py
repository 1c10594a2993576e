"""Two runs started together on the same data and model score it once: the second waits for the
first's cache file instead of computing it again."""
import multiprocessing

from hbo.config import DataConfig, ModelConfig


def score(cache_dir: str, queue, barrier) -> None:
    from hbo.data.mixture import load_mixture
    from hbo.model import load_model
    from hbo.scoring import load_or_score

    model, tokenizer = load_model(ModelConfig(name_or_path="demo"))
    mixture = load_mixture(DataConfig(mixture="demo"), tokenizer)
    barrier.wait()  # both look for the cache at the same moment
    scores, cached = load_or_score(model, mixture, tokenizer, 64, cache_dir, progress=False)
    queue.put((cached, scores.loss.sum().item()))


def test_runs_started_together_score_once(tmp_path):
    context = multiprocessing.get_context("spawn")
    queue, barrier = context.Queue(), context.Barrier(2)
    processes = [context.Process(target=score, args=(str(tmp_path / "scores"), queue, barrier)) for _ in range(2)]
    for p in processes:
        p.start()
    results = [queue.get(timeout=300) for _ in processes]
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert sorted(cached for cached, _ in results) == [False, True]  # one computed, one read the cache
    assert results[0][1] == results[1][1]
