"""Presets: the lesson file format, the experiments it describes and the claims it proves.

Where to look: ``preset`` (the Preset type: base Config, ``compare`` variants, ``sweep``,
``expect`` claims), ``loader`` (find, load, override and save preset files; the schema is
documented there), ``yaml_io`` (YAML in and out, dotted setting paths), ``settings_schema``
(checks of ``seed``/``data``/``model``/``train``), ``claims_schema`` (the ``expect`` list
read and written), ``errors`` (PresetError: file, key path, value, line), ``experiment``
(run a preset's base run, variants and sweep points headless), ``pool`` and
``executors`` (the same runs in worker processes, on this machine or a Dask or Ray
cluster), ``sweep_summary`` (a sweep's summary curve), ``saving`` (the app's runs as a
preset that loads back), ``claims`` (check the claims against those runs).

Imports: ``nn``, ``data`` and ``training``; never ``live``.
"""
