"""asyncssh, imported without the warnings its import prints.

cryptography deprecates DSA keys, and asyncssh's type hints name them at import time: five
warnings on the teacher's terminal about a key type this server never offers (its host
key is Ed25519). Every SSH module imports asyncssh from here.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    import asyncssh

__all__ = ["asyncssh"]
