"""`make grade` on an LMS download (course_tools.grading.lms): Canvas's and Moodle's file names mapped to their
students, a zip extracted safely, and the gradebook import CSVs, checked against samples written from each LMS's
documentation and source (tests/lms_samples/README.md names the pages). One real grader run, a Canvas zip of
notebook 01, checks the whole round trip.
"""

import csv
import io
import os
import stat
import zipfile
from pathlib import Path

import nbformat
import pytest
from exercises import ROOT
from grading_support import NAME, answered, answers, autograder_zip, learner, read_rows, reduced, run_grader

from course_tools.grading import lms
from course_tools.grading.assignments import load_assignment
from course_tools.grading.text import shown

SAMPLES = Path(__file__).parent / "lms_samples"
NAMES = [NAME, "02_creating_parallel_chains"]
NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook(metadata={"otter": {"assignment_name": NAME}}))


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# ---------------------------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("name", "student", "late"),
    [
        (f"doejane_12345_67890_{NAME}.ipynb", "doejane (12345)", False),
        ("obrienzoë_LATE_23456_67891_homework.ipynb", "obrienzoë (23456)", True),  # O'Brien, Zoë: Canvas drops the '
        (f"núñezana_34567_67892_{NAME}-1.ipynb", "núñezana (34567)", False),  # a resubmitted file's "-1"
        ("smith_jr_45678_67893_hw_2_3.ipynb", "smith_jr (45678)", False),  # "_" in the name and in the file
        ("LATE_anon_k3x9q_67894_hw.ipynb", "anon_k3x9q", True),  # anonymous grading
        (shown(os.fsdecode(b"caf\xe9_56789_67895_hw.ipynb")), "caf\\xe9 (56789)", False),  # not UTF-8
    ],
)
def test_canvas_names(name, student, late):
    who = lms.parse(name, "canvas")
    assert (who.student, who.late) == (student, late)


@pytest.mark.parametrize(
    ("rel", "student"),
    [
        (f"Jane Doe_101_assignsubmission_file_/{NAME}.ipynb", "Jane Doe (101)"),  # "download in folders" on
        ("Zoë O'Brien_102_assignsubmission_file_homework-1.ipynb", "Zoë O'Brien (102)"),  # off: one flat file
        ("Jean-Luc Picard_103_assignsubmission_file_/sub/late LATE.ipynb", "Jean-Luc Picard (103)"),
        ("Participant_104_assignsubmission_file_/hw.ipynb", "Participant (104)"),  # blind marking
        (shown(os.fsdecode(b"Jos\xe9 Ruiz_105_assignsubmission_file_hw.ipynb")), "Jos\\xe9 Ruiz (105)"),
    ],
)
def test_moodle_names(rel, student):
    assert lms.parse(rel, "moodle").student == student


@pytest.mark.parametrize("name", ["notes.ipynb", f"alice_{NAME}.ipynb", "alice/03.ipynb", "doejane_12345_x.ipynb"])
def test_names_of_no_student(name):
    assert lms.parse(name, "canvas") is None and lms.parse(name, "moodle") is None


def test_the_layout_is_detected():
    canvas = [f"doejane_12345_67890_{NAME}.ipynb", "smithbob_2_3_x.ipynb", "readme.txt"]
    moodle = ["Jane Doe_101_assignsubmission_file_/a.ipynb", "Jane Doe_101_assignsubmission_file_/b.ipynb"]
    assert lms.detect(canvas) == "canvas" and lms.detect(moodle) == "moodle"
    assert lms.detect([f"alice/{NAME}.ipynb", f"bob_{NAME}.ipynb", "carol-01.ipynb"]) == ""
    assert lms.detect([]) == ""


# ---------------------------------------------------------------------------------------------
# Downloads: a zip or a folder, every file a row


def write_zip(path: Path, members: dict[str, bytes], links: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def collected(path: Path, layout: str = "") -> dict[str, tuple[str, str, str]]:
    """rel -> (student, status, reason) of every row the download makes."""
    with lms.unpacked(path) as (folder, refused):
        subs = lms.collect(folder, refused, NAMES, layout)
    return {s.rel: (s.student, s.status, "; ".join(s.notes)) for s in subs}


CANVAS = {
    f"doejane_12345_67890_{NAME}.ipynb": NOTEBOOK.encode(),
    f"obrienzoë_LATE_23456_67891_{NAME}-1.ipynb": NOTEBOOK.encode(),
    "smithbob_34567_67892_notes.pdf": b"%PDF-1.4",
    "notes.ipynb": NOTEBOOK.encode(),  # maps to no student
}


def test_a_canvas_zip(tmp_path):
    rows = collected(write_zip(tmp_path / "submissions.zip", CANVAS))
    assert rows == {
        f"doejane_12345_67890_{NAME}.ipynb": ("doejane (12345)", "", ""),
        f"obrienzoë_LATE_23456_67891_{NAME}-1.ipynb": ("obrienzoë (23456)", "", "late (Canvas marked it LATE)"),
        "smithbob_34567_67892_notes.pdf": ("smithbob (34567)", "unreadable", "not a notebook: a .pdf file"),
        "notes.ipynb": (
            "notes",
            "unmatched",
            "maps to no Canvas student: its name is not the download's pattern",
        ),
    }


def test_a_canvas_folder_is_the_same_as_its_zip(tmp_path):
    folder = tmp_path / "download"
    folder.mkdir()
    for name, data in CANVAS.items():
        (folder / name).write_bytes(data)
    assert collected(folder) == collected(write_zip(tmp_path / "submissions.zip", CANVAS))


def test_a_moodle_zip_with_folders(tmp_path):
    members = {
        f"Jane Doe_101_assignsubmission_file_/{NAME}.ipynb": NOTEBOOK.encode(),
        "Zoë O'Brien_102_assignsubmission_file_/homework.ipynb": NOTEBOOK.encode(),
        "Zoë O'Brien_102_assignsubmission_onlinetext_/onlinetext.html": b"<p>see my notebook</p>",
        f"{NAME}.ipynb": NOTEBOOK.encode(),  # a file at the top, of no participant
    }
    rows = collected(write_zip(tmp_path / "moodle.zip", members))
    assert {rel: row[:2] for rel, row in rows.items()} == {
        f"Jane Doe_101_assignsubmission_file_/{NAME}.ipynb": ("Jane Doe (101)", ""),
        "Zoë O'Brien_102_assignsubmission_file_/homework.ipynb": ("Zoë O'Brien (102)", ""),
        "Zoë O'Brien_102_assignsubmission_onlinetext_/onlinetext.html": ("Zoë O'Brien (102)", "unreadable"),
        f"{NAME}.ipynb": (NAME, "unmatched"),
    }
    assert rows[f"{NAME}.ipynb"][2] == "maps to no Moodle student: its name is not the download's pattern"


def test_a_hostile_zip_costs_a_row_per_member_and_writes_nothing_outside(tmp_path, monkeypatch):
    monkeypatch.setattr(lms, "MAX_NOTEBOOK_BYTES", 5_000)
    monkeypatch.setattr(lms, "MAX_MEMBERS", 3)
    members = {
        "../escape_1_2_x.ipynb": NOTEBOOK.encode(),
        "/abs_1_2_x.ipynb": NOTEBOOK.encode(),
        "big_3_4_x.ipynb": b" " * 6_000,  # over the (patched) cap: 6 kB that deflate to a few bytes
        f"a_5_6_{NAME}.ipynb": NOTEBOOK.encode(),
        f"b_7_8_{NAME}.ipynb": NOTEBOOK.encode(),
        f"c_9_10_{NAME}.ipynb": NOTEBOOK.encode(),
        f"d_11_12_{NAME}.ipynb": NOTEBOOK.encode(),  # the fourth file: over the (patched) count cap
        "__MACOSX/._a_5_6_x.ipynb": b"resource fork",
    }
    (tmp_path / "zip").mkdir()
    archive = write_zip(tmp_path / "zip" / "download.zip", members, links=("link_13_14_x.ipynb",))
    before = sorted(tmp_path.rglob("*"))
    rows = collected(archive)
    assert sorted(tmp_path.rglob("*")) == before  # the temporary folder is gone, nothing escaped
    why = {rel: reason for rel, (_, status, reason) in rows.items() if status == "unreadable"}
    assert why == {
        "../escape_1_2_x.ipynb": "a path out of the download (..) in the zip: not extracted",
        "/abs_1_2_x.ipynb": "an absolute path in the zip: not extracted",
        "big_3_4_x.ipynb": "larger than 5 kB (6,000 bytes): not extracted",
        f"d_11_12_{NAME}.ipynb": "more than 3 files in the zip: not extracted",
        "link_13_14_x.ipynb": "a symbolic link in the zip: links are not followed, submit the file itself",
    }
    assert {rel for rel, (_, status, _) in rows.items() if not status} == {
        f"a_5_6_{NAME}.ipynb",
        f"b_7_8_{NAME}.ipynb",
        f"c_9_10_{NAME}.ipynb",
    }
    assert rows["/abs_1_2_x.ipynb"][0] == "abs (1)"  # still its student's row


def test_a_member_in_the_way_of_another_gets_a_row(tmp_path):
    members = {"x_1_2_a.ipynb": NOTEBOOK.encode(), "x_1_2_a.ipynb/b.ipynb": NOTEBOOK.encode()}
    rows = collected(write_zip(tmp_path / "download.zip", members))
    assert rows["x_1_2_a.ipynb/b.ipynb"] == ("x (1)", "unreadable", "cannot be extracted: File exists")
    assert rows["x_1_2_a.ipynb"] == ("x (1)", "", "")


def test_a_file_that_is_not_a_zip_stops_with_a_message(tmp_path):
    (tmp_path / "download.zip").write_bytes(b"not a zip")
    with pytest.raises(SystemExit, match="not a folder nor a readable zip"), lms.unpacked(tmp_path / "download.zip"):
        pass


# ---------------------------------------------------------------------------------------------
# Gradebooks, against the samples


def graded(rel: str, total: str, status: str = "graded") -> dict[str, str]:
    return {"student": "-", "notebook": NAME, "total": total, "max": "10", "status": status, "submission": rel}


def test_the_canvas_import_has_canvas_columns_and_rows():
    rows = [
        graded(f"doejane_12345_67890_{NAME}.ipynb", "7.5"),
        graded(f"doejane_12345_67890_{NAME}-1.ipynb", "5"),  # a second file: the best is kept
        graded(f"obrienzoë_LATE_23456_67891_{NAME}.ipynb", "0"),
        graded("notes.ipynb", "0", "unmatched"),
    ]
    best, notes = lms.best_rows(rows, "canvas")
    text = lms.canvas_import(best, "Notebook 01 (4567)")
    assert csv_rows(text) == csv_rows(SAMPLES.joinpath("canvas-import.csv").read_text(encoding="utf-8"))
    assert text.encode() == SAMPLES.joinpath("canvas-import.csv").read_bytes()
    assert notes == ["canvas: several graded files, the best one kept: doejane (12345)"]


def test_the_canvas_import_holds_no_formula():
    best, _ = lms.best_rows([graded(f"=cmd_12345_67890_{NAME}.ipynb", "7")], "canvas")
    assert csv_rows(lms.canvas_import(best, "N (1)"))[2][:2] == ["'=cmd", "12345"]


def test_the_moodle_worksheet_gets_its_grades_and_keeps_every_other_byte():
    worksheet = SAMPLES.joinpath("moodle-worksheet.csv").read_bytes().decode("utf-8")
    rows = [
        graded(f"Jane Doe_101_assignsubmission_file_/{NAME}.ipynb", "7.5"),
        graded(f"Zoë O'Brien_102_assignsubmission_file_{NAME}.ipynb", "10"),
        graded(f"Nobody Here_999_assignsubmission_file_/{NAME}.ipynb", "3"),
    ]
    best, _ = lms.best_rows(rows, "moodle")
    text, absent = lms.moodle_worksheet(worksheet, best)
    assert text.encode() == SAMPLES.joinpath("moodle-grades.csv").read_bytes()
    assert absent == ["Nobody Here (999)"]
    assert [len(r) for r in csv_rows(text)] == [10] * 4
    scaled, _ = lms.moodle_worksheet(worksheet.replace(",10.00,", ",100.00,"), best)
    assert [r[4] for r in csv_rows(scaled)[1:]] == ["75.00", "100.00", ""]


def test_the_moodle_export_writes_the_worksheet_beside_grades_csv(tmp_path):
    rows = [
        graded(f"Jane Doe_101_assignsubmission_file_/{NAME}.ipynb", "7.5"),
        graded(f"Zoë O'Brien_102_assignsubmission_file_{NAME}.ipynb", "10"),
        graded(f"Ana Núñez_103_assignsubmission_file_/{NAME}.ipynb", "0", "unreadable"),
        graded(f"Nobody Here_999_assignsubmission_file_/{NAME}.ipynb", "3"),
    ]
    notes = lms.export(lms.Options("moodle", worksheet=SAMPLES / "moodle-worksheet.csv"), rows, tmp_path)
    assert (tmp_path / "moodle-grades.csv").read_bytes() == SAMPLES.joinpath("moodle-grades.csv").read_bytes()
    assert notes == [
        "moodle: no grade for (not gradable, see grades.csv): Ana Núñez (103)",
        "moodle: not in the worksheet, no grade written: Nobody Here (999)",
        f"-> {tmp_path / 'moodle-grades.csv'}",
    ]
    two = [*rows, {**graded("Bo_1_assignsubmission_file_x.ipynb", "1"), "notebook": "02_creating_parallel_chains"}]
    assert lms.export(lms.Options("moodle", worksheet=SAMPLES / "moodle-worksheet.csv"), two, tmp_path) == [
        "moodle: no gradebook written: the download holds 2 notebooks, not one"
    ]


def test_the_csv_fields_are_split_as_csv_splits_them():
    text = SAMPLES.joinpath("moodle-worksheet.csv").read_text(encoding="utf-8") + 'a,"b ""c""\r\nd",\r\n\ne'
    assert [[lms.field_value(text, s) for s in record] for record in lms.field_spans(text)] == [
        row or [""] for row in csv_rows(text)
    ]


def test_a_worksheet_moodle_would_refuse_is_refused_first(tmp_path):
    (tmp_path / "w.csv").write_text("Identifier,Grade\n")
    assert lms.Options("moodle", worksheet=tmp_path / "w.csv").check() == (
        "the Moodle worksheet has no Last modified (grade) column (an English Moodle's names)"
    )
    assert "--lms-assignment" in lms.Options("canvas", "Notebook 01").check()
    assert lms.Options("moodle", worksheet=SAMPLES / "moodle-worksheet.csv").check() == ""


# ---------------------------------------------------------------------------------------------
# The round trip, graded


def test_a_canvas_zip_is_graded_and_its_import_written(tmp_path):
    """Notebook 01 solved and untouched, a late one, a file of no student, a member out of the zip."""
    autograder = tmp_path / "autograder"
    autograder.mkdir()
    autograder_zip(autograder)
    assignment = load_assignment(autograder / f"{NAME}.zip", ROOT / "notebooks")
    members = {
        f"doejane_12345_67890_{NAME}.ipynb": nbformat.writes(reduced(answered(answers()), assignment)).encode(),
        f"obrienzoë_LATE_23456_67891_{NAME}.ipynb": nbformat.writes(reduced(learner(), assignment)).encode(),
        "notes.ipynb": nbformat.writes(learner()).encode(),
        f"../smithbob_34567_67892_{NAME}.ipynb": NOTEBOOK.encode(),
    }
    subs, out = write_zip(tmp_path / "submissions.zip", members), tmp_path / "out"
    done = run_grader(subs, out, autograder, "--lms", "canvas", "--lms-assignment", "Notebook 01 (4567)")
    rows = read_rows(out)
    top = f"{assignment.max_points:g}"
    assert {s: (r["status"], r["total"], r["max"]) for s, r in rows.items()} == {
        "doejane (12345)": ("graded", top, top),
        "obrienzoë (23456)": ("graded", "0", top),
        "notes": ("unmatched", "0", top),
        "smithbob (34567)": ("unreadable", "0", top),
    }
    assert "late (Canvas marked it LATE)" in rows["obrienzoë (23456)"]["reason"]
    assert "maps to no Canvas student" in rows["notes"]["reason"]
    assert "(..)" in rows["smithbob (34567)"]["reason"]
    assert csv_rows((out / "canvas-import.csv").read_text(encoding="utf-8")) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Notebook 01 (4567)"],
        ["Points Possible", "", "", "", "", top],
        ["doejane", "12345", "", "", "", top],
        ["obrienzoë", "23456", "", "", "", "0"],
    ]
    assert "no grade for (not gradable, see grades.csv): smithbob (34567)" in done.stdout
