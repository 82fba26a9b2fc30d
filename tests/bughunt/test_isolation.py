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
def test_a_shown_file_inside_a_hidden_folder_is_put_back_after_hiding_it(tmp_path):
    import clean_reference
    from pathlib import Path

    root = Path(clean_reference.__file__).parent
    shown = root / "__init__.py"
    command = isolation.command(["python"], hidden=[root], shown=[shown])
    assert command.index(str(root)) < len(command) - 1 - command[::-1].index(str(shown))
