from types import SimpleNamespace

from hbo.recipe import describe_mixture


def report(train: int) -> SimpleNamespace:
    return SimpleNamespace(loaded=train, train=train, heldout=0, overlap=0, truncated=0, dropped=0, heldout_dropped=0)


def test_the_console_counts_the_probe_and_names_the_datasets_it_takes_a_tenth_of():
    mixture = SimpleNamespace(names=["large", "small"], reports={"large": report(200), "small": report(20)})
    levels = [[list(range(100)), list(range(100, 200))], [list(range(10)), list(range(10, 20))]]
    kept = [[level[4:] for level in levels[0]], [level[2:] for level in levels[1]]]  # 8 and 4 carved out
    table = describe_mixture(mixture, levels, kept).splitlines()
    assert table[0].split()[:4] == ["dataset", "loaded", "train", "probe"]
    assert table[1].split()[:4] == ["large", "200", "200", "8"] and table[2].split()[:4] == ["small", "20", "20", "4"]
    # 8 of 200 is under a tenth; 4 of 20 is a fifth of what a static mix would train on
    assert table[3].startswith("the development probe keeps out of training small 4 of 20 (20%) (")
    assert "large" not in table[3]
    # a strategy without a probe trains on every level: no carve, no line
    plain = describe_mixture(mixture, levels).splitlines()
    assert len(plain) == 3 and plain[2].split()[3] == "0"
