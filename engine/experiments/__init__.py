"""Running a preset headless: its base run, its variants and every point of its sweep.

Where to look: ``experiment`` (the runs of a preset as jobs, trained one after another
or by a pool, collected into an ExperimentResult), ``pool`` (the same jobs in worker
processes on this machine), ``executors`` (a Dask or Ray cluster as the pool's
executor), ``sweep_summary`` (a sweep's summary curve and its power-law fits).

Imports: ``preset_format`` and the rooms below it (``training``, ``nn``, ``data``,
``process``); never ``claims`` or ``live``.
"""
