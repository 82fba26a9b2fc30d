"""A course: one certified, disguised variant per student of a roster, graded in a batch
into a gradebook, or exported to the autograders courses already run (Gradescope,
PrairieLearn). One concept per module:

    roster.py       the instructor's CSV of students (`id`, and columns kept as they are)
    assignment.py   who gets which scenario, bug class and site: balanced, seeded
    record.py       course.json: the private record (answer key, secret seed, every student)
    handouts.py     what each student receives: the file and its BRIEF.md
    submissions.py  a student's file in an LMS export (`<id>/`, `<id>.py`, `<id>_*.py`)
    fingerprint.py  whose hand-out a file was made from (each camouflage is its fingerprint)
    feedback.py     what a student may see about their grade (never the answer)
    batch.py        grading every submission: in parallel, isolated, resumable, in shards
    gradebook.py    grades.csv: one row per roster id
    bundles.py      the Gradescope zip and the PrairieLearn grader folder
    autograder.py   the entry point those platforms run, one submission per container
"""
