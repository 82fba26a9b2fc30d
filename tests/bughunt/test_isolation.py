"""The bubblewrap command line: what the runner sees, in the order bubblewrap mounts it."""

import pytest

from bughunt.runner import isolation


@pytest.mark.skipif(isolation.level() != isolation.NAMESPACES, reason="needs bubblewrap")
def test_private_scratch_folders_come_before_the_binds_that_may_lie_below_them(tmp_path):
    command = isolation.command(["python"], hidden=[tmp_path])
    first_bind = command.index("--ro-bind")
    assert command.index("/tmp") < first_bind  # a project under /tmp stays visible
    assert command[-1] == "python"


@pytest.mark.skipif(isolation.level() != isolation.NAMESPACES, reason="needs bubblewrap")
def test_the_reference_stays_out_but_a_file_it_may_import_is_shown(tmp_path):
    from pathlib import Path

    import clean_reference

    root = Path(clean_reference.__file__).parent.resolve()
    shown = root / "__init__.py"
    command = isolation.command(["python"], hidden=[root], shown=[shown])
    bound = [command[i + 1] for i, word in enumerate(command) if word == "--ro-bind"]
    assert str(shown) in bound
    assert not any(root.is_relative_to(path) and str(root) != path for path in bound if path != "/dev/null")
