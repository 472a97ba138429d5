"""slotlint, the Redis Cluster key linter, as a Python package.

The package holds the `slotlint` binary (installed as a script); this module
only finds it, so `python -m slotlint` runs it.
"""

import os
import sys
import sysconfig

__all__ = ["find_slotlint_bin"]


def _scripts_dirs():
    """Where pip puts scripts: this environment's, then the user scheme's."""
    yield sysconfig.get_path("scripts")
    if sys.version_info >= (3, 10):
        user = sysconfig.get_preferred_scheme("user")
    else:
        user = "nt_user" if os.name == "nt" else "posix_user"
    try:
        yield sysconfig.get_path("scripts", user)
    except KeyError:
        return


def find_slotlint_bin() -> str:
    """The path of the slotlint binary installed with this package."""
    exe = "slotlint" + (sysconfig.get_config_var("EXE") or "")
    for scripts in _scripts_dirs():
        path = os.path.join(scripts, exe)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"slotlint: the binary {exe} is not installed with this Python")
