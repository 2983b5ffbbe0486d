"""The worker server's last import (``worker_server.worker_context`` puts it after every
module it preloads): ``gc.freeze()``, so that the garbage collector leaves alone every
object the server has made by now, in the server and in every worker forked from it.

- The server ends when the command does; with the engine imported, its interpreter's
  last collections walked some 100,000 objects: 18 ms, against 5 ms frozen. A shell
  waits for them where the command's output goes to a pipe (``nnterm run ... | tee``):
  the server holds the pipe until it ends.
- A worker's collections no longer touch the objects it shares with the server, so
  their memory pages stay shared instead of being copied: the use ``gc.freeze``'s own
  documentation gives it ("before fork").

Frozen objects are never collected: nothing is lost, as the server keeps its modules to
the end anyway. Imported anywhere else, this module would freeze that process's objects
too: only the server imports it.
"""

import gc

gc.freeze()
