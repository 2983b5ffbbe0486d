"""A preset's claims (``expect``, a guided step's ``claim``) judged on the runs it trained.

Where to look: ``check`` (every claim against an ExperimentResult: what was expected,
what was measured, whether it held), ``live`` (when a claim on runs still training can
be judged, and the same check applied then).

Imports: ``experiments`` (the results it reads) and the rooms below it; never ``live``.
"""
