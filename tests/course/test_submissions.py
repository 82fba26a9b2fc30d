"""Finding a student's file in an LMS export."""

from bughunt.course.submissions import find

IDS = ("ann", "ann_lee", "bob", "cy", "di")


def test_the_layouts_an_lms_exports(tmp_path):
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "work").mkdir()
    (tmp_path / "ann" / "work" / "clipping.py").write_text("x = 1\n")
    (tmp_path / "ann" / "__MACOSX").mkdir()
    (tmp_path / "ann" / "__MACOSX" / "clipping.py").write_text("junk\n")
    (tmp_path / "bob.py").write_text("x = 1\n")
    (tmp_path / "cy_late_clipping.py").write_text("x = 1\n")
    (tmp_path / "ann_lee_clipping.py").write_text("x = 1\n")
    assert find(tmp_path, "ann", "clipping.py", IDS).path == tmp_path / "ann" / "work" / "clipping.py"
    assert find(tmp_path, "bob", "clipping.py", IDS).path == tmp_path / "bob.py"
    assert find(tmp_path, "cy", "clipping.py", IDS).path == tmp_path / "cy_late_clipping.py"
    assert find(tmp_path, "ann_lee", "clipping.py", IDS).path == tmp_path / "ann_lee_clipping.py"
    assert find(tmp_path, "di", "clipping.py", IDS).path is None


def test_an_empty_folder_is_missing_and_several_files_are_a_problem(tmp_path):
    (tmp_path / "di").mkdir()
    assert find(tmp_path, "di", "clipping.py", IDS).path is None
    assert find(tmp_path, "di", "clipping.py", IDS).problem == ""
    (tmp_path / "cy").mkdir()
    (tmp_path / "cy" / "a.py").write_text("")
    (tmp_path / "cy" / "b.py").write_text("")
    found = find(tmp_path, "cy", "clipping.py", IDS)
    assert found.path is None and "several Python files" in found.problem
    (tmp_path / "cy" / "clipping.py").write_text("")
    assert find(tmp_path, "cy", "clipping.py", IDS).path == tmp_path / "cy" / "clipping.py"
