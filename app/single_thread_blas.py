"""Import first: keep BLAS to one thread before NumPy loads.

nnterm's matrices are small: BLAS threads gain nothing on them and, on a 2-core machine,
fight the UI, the engine process and each other (measured: a 10x256 network took 7.4 s
instead of 1.3 s with the default thread pool under load). A user's own setting wins.
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
