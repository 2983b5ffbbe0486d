"""The preset format: YAML lesson files in, ``Preset`` objects out, and back to YAML.

Where to look: ``preset`` (the Preset type: base Config, ``compare`` variants, ``sweep``,
``expect`` claims, guided ``steps``, ``lock``; and the Config of each run it describes),
``finding`` (where presets are, their names, course order), ``loader`` (load,
``--set`` overrides, save; the format is documented at its top), ``catalog`` (the name,
section and title of every preset, for ``nnterm list``, without building one),
``yaml_io`` (YAML in and out, dotted setting paths),
``settings_schema`` (checks of ``seed``/``data``/``model``/``train``), ``specs`` (how one
value is checked), ``claims_schema`` (the ``expect`` list read and written),
``classroom_schema`` (guided steps and locks), ``sweep_schema`` (a sweep's grid or
points), ``errors`` (PresetError: file, key path, value, line), ``values`` (a setting's
value as people write it, a run's label), ``options_doc`` (the options tables of the
docs), ``saving`` (the app's runs as a preset that loads back).

Imports: ``nn``, ``data`` and ``training``; never the rooms that run presets
(``experiments``), judge them (``claims``) or drive them live (``live``).
"""
