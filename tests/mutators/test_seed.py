from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.seed import Seed

SET_SEED = dedent("""\
    def set_seed(seed):
        random.seed(seed)
        np.random.seed(seed)
        numpy.random.seed(seed)
        torch.manual_seed(seed)
        torch.cuda.manual_seed_all(seed)
""")


def ids(source):
    return [site.id for site in sites(Seed, source)]


def test_each_seeding_statement_is_a_site():
    assert ids(SET_SEED) == [f"seed:set_seed:{ordinal}" for ordinal in range(5)]


@pytest.mark.parametrize("line", range(2, 7))
def test_seeding_statement_is_deleted(line):
    lines = SET_SEED.splitlines(keepends=True)
    expected = "".join(lines[:line - 1] + lines[line:])
    assert apply(Seed, SET_SEED, f"seed:set_seed:{line - 2}") == expected


def test_last_statement_deleted_leaves_pass():
    before = "def set_seed(seed):\n    torch.manual_seed(seed)\n"
    assert apply(Seed, before, "seed:set_seed:0") == "def set_seed(seed):\n    pass\n"


def test_generators():
    before = dedent("""\
        def make(ds, seed):
            g = torch.Generator().manual_seed(seed)
            h = torch.Generator()
            h.manual_seed(seed)
            return DataLoader(ds, batch_size=2, generator=g), torch.randn(3, generator=h)
    """)
    assert ids(before) == ["seed:make:0", "seed:make:1", "seed:make:2", "seed:make:3"]
    assert apply(Seed, before, "seed:make:0") == before.replace(".manual_seed(seed)\n", "\n", 1)
    assert apply(Seed, before, "seed:make:1") == before.replace("    h.manual_seed(seed)\n", "")
    assert apply(Seed, before, "seed:make:2") == before.replace(", generator=g", "")
    assert apply(Seed, before, "seed:make:3") == before.replace(", generator=h", "")


def test_generator_argument_in_a_multiline_call():
    before = dedent("""\
        loader = DataLoader(
            ds,
            generator=g,
        )
        other = DataLoader(
            ds,
            generator=g,
            shuffle=True,
        )
    """)
    assert apply(Seed, before, "seed:<module>:0") == before.replace("    generator=g,\n", "", 1)
    assert apply(Seed, before, "seed:<module>:1").count("generator=g") == 1
    assert "shuffle=True" in apply(Seed, before, "seed:<module>:1")


def test_code_it_must_leave_alone():
    before = dedent("""\
        def f(seed, generator=None):
            s = torch.initial_seed()
            rng = random.Random(seed)
            draw = torch.randn(3, device="cpu")

        if __name__ == "__main__":
            torch.manual_seed(0)
            g = torch.Generator().manual_seed(0)
            x = torch.randn(2, generator=g)
    """)
    assert ids(before) == []


def test_stable_and_idempotent():
    first = sites(Seed, SET_SEED)
    assert first == sites(Seed, SET_SEED)
    for site in first:
        # Deleting a line shifts the others up: the deleted call's note is what must be gone.
        again = sites(Seed, apply(Seed, SET_SEED, site))
        assert len(again) == len(first) - 1
        assert site.note not in [other.note for other in again]
    with pytest.raises(SiteNotFound):
        apply(Seed, SET_SEED, "seed:no_such_function:0")
