from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.checkpoint import Checkpoint

SAVE_LOAD = dedent("""\
    def save(path, model, optimizer, epoch):
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}
        # written beside the target
        tmp = path.with_suffix(".tmp")
        torch.save(state, tmp)
        os.replace(tmp, path)


    def load(path, model, optimizer=None, map_location="cpu"):
        state = torch.load(path, map_location=map_location, weights_only=True)
        model.load_state_dict(state["model"])
        if optimizer is not None:
            optimizer.load_state_dict(state["optimizer"])
        return state["epoch"]
""")


def ids(source):
    return [site.id for site in sites(Checkpoint, source)]


def test_sites():
    assert ids(SAVE_LOAD) == ["checkpoint:save:0", "checkpoint:save:1", "checkpoint:save:2",
                              "checkpoint:load:0", "checkpoint:load:1"]


def test_saves_the_model_object():
    assert apply(Checkpoint, SAVE_LOAD, "checkpoint:save:0") == SAVE_LOAD.replace(
        '{"model": model.state_dict(),', '{"model": model,')


def test_drops_the_optimizer_state_from_the_saved_dict():
    assert apply(Checkpoint, SAVE_LOAD, "checkpoint:save:1") == SAVE_LOAD.replace(
        ' "optimizer": optimizer.state_dict(),', "")


def test_writes_straight_to_the_path_and_drops_the_temporary_name_with_its_comment():
    assert apply(Checkpoint, SAVE_LOAD, "checkpoint:save:2") == SAVE_LOAD.replace(
        '    # written beside the target\n    tmp = path.with_suffix(".tmp")\n'
        '    torch.save(state, tmp)\n    os.replace(tmp, path)\n',
        "    torch.save(state, path)\n")


def test_loads_without_map_location():
    assert apply(Checkpoint, SAVE_LOAD, "checkpoint:load:0") == SAVE_LOAD.replace(
        "torch.load(path, map_location=map_location, weights_only=True)",
        "torch.load(path, weights_only=True)")


def test_does_not_restore_the_optimizer():
    assert apply(Checkpoint, SAVE_LOAD, "checkpoint:load:1") == SAVE_LOAD.replace(
        '    if optimizer is not None:\n        optimizer.load_state_dict(state["optimizer"])\n', "")


def test_other_spellings():
    before = dedent("""\
        def save(model, opt, path):
            tmp = path + ".part"
            torch.save(dict(net=model.state_dict(), opt=opt.state_dict()), f=tmp)
            Path(tmp).rename(path)
            return tmp


        def save_weights(net, path):
            torch.save(net.state_dict(), path)
            shutil.move(path + ".tmp", path)


        def restore(path):
            return torch.load(path, "cpu")
    """)
    assert ids(before) == ["checkpoint:save:0", "checkpoint:save:1", "checkpoint:save_weights:0", "checkpoint:restore:0"]
    assert apply(Checkpoint, before, "checkpoint:save:1") == before.replace(
        "dict(net=model.state_dict(), opt=opt.state_dict())", "dict(net=model.state_dict())")
    assert apply(Checkpoint, before, "checkpoint:save_weights:0") == before.replace(
        "torch.save(net.state_dict(), path)", "torch.save(net, path)")
    assert apply(Checkpoint, before, "checkpoint:restore:0") == before.replace(
        'torch.load(path, "cpu")', "torch.load(path)")


def test_a_temporary_name_still_read_elsewhere_stays():
    before = dedent("""\
        def save(state, path):
            tmp = str(path) + ".tmp"
            torch.save(state, tmp)
            os.replace(tmp, path)
            return tmp
    """)
    assert ids(before) == ["checkpoint:save:0"]
    assert apply(Checkpoint, before, "checkpoint:save:0") == dedent("""\
        def save(state, path):
            tmp = str(path) + ".tmp"
            torch.save(state, path)
            return tmp
    """)


def test_leaves_other_code_and_the_demo_alone():
    source = dedent("""\
        def snapshot(model):
            return copy.deepcopy(model.state_dict())


        def tidy(a, b):
            os.replace(a, b)
            text.replace("x", "y")
            model.load_state_dict(weights)


        if __name__ == "__main__":
            torch.save(model.state_dict(), "m.pt")
            torch.load("m.pt", map_location="cpu")
    """)
    assert ids(source) == []


def test_sites_are_stable_and_each_rewrite_removes_its_site():
    found = sites(Checkpoint, SAVE_LOAD)
    assert found == sites(Checkpoint, SAVE_LOAD)
    for site in found:
        mutated = apply(Checkpoint, SAVE_LOAD, site)
        assert len(sites(Checkpoint, mutated)) == len(found) - 1
        compile(mutated, "<mutant>", "exec")
    with pytest.raises(SiteNotFound):
        apply(Checkpoint, SAVE_LOAD, "checkpoint:no_such_function:0")
