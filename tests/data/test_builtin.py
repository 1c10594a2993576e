"""The built-in mixtures are deterministic and have the properties the benchmark relies on."""
import json

from hbo.data.builtin import MIXTURES, builtin_mixture


def read(path):
    return [json.loads(line) for line in open(path)]


def test_hard_mixture(tmp_path):
    specs = builtin_mixture("hard", tmp_path / "a")
    assert len(specs) >= 6
    sizes = {s.name: len(read(s.path)) for s in specs}
    assert max(sizes.values()) / min(sizes.values()) >= 200
    for spec in specs:
        train, held = read(spec.path), read(spec.heldout_path)
        assert len(held) == 100 and not any(r.get("noisy") for r in held)
        prompts = {r["messages"][0]["content"] for r in train}
        assert len(prompts) == len(train)  # distinct examples
        assert not prompts & {r["messages"][0]["content"] for r in held}  # held-out never trained on
        noisy = [r for r in train if r.get("noisy")]
        assert len(noisy) == round(MIXTURES["hard"][spec.name].noise * len(train))
        for r in noisy:  # a noisy answer is wrong
            a, b = (int(x) for x in r["messages"][0]["content"][len("Compute "):-1].split(" plus "))
            assert int(r["messages"][1]["content"]) != a + b
    assert sizes["add-noisy"] == 1200 and any(MIXTURES["hard"][s.name].noise for s in specs)
    again = builtin_mixture("hard", tmp_path / "b")
    assert all(open(x.path).read() == open(y.path).read() for x, y in zip(specs, again))
