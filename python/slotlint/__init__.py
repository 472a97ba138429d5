"""slotlint, the Redis Cluster key linter, as a Python package.

The package holds the `slotlint` binary (installed as a script); this module
only finds it, so `python -m slotlint` runs it.
"""

import os
import sys
import sysconfig

__all__ = ["find_slotlint_bin"]


def find_slotlint_bin() -> str:
    """The path of the slotlint binary installed with this package."""
    exe = "slotlint" + (sysconfig.get_config_var("EXE") or "")
    schemes = [None]
    if sys.version_info >= (3, 10):
        schemes.append(sysconfig.get_preferred_scheme("user"))
    else:
        schemes.append("nt_user" if os.name == "nt" else "posix_user")
    for scheme in schemes:
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        path = os.path.join(scripts, exe)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"the slotlint binary is not installed next to this Python ({exe})")
