"""How often a live session publishes its snapshots: a module of its own, so that the
command line can give the default in its help without importing the loop that uses it
(and NumPy with it)."""

#: Snapshots a second at most, while training. Each costs the engine ~0.5 ms a run and
#: the UI a repaint (~10 ms of its core, which the engine's core feels too): at 10 the
#: fastest lessons trained at 0.85-0.89x their headless speed, at 8 at 0.90-0.93x, and
#: the numbers still change faster than they can be read.
FPS = 8.0
