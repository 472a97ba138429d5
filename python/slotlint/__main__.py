"""`python -m slotlint ARGS…`: runs the slotlint binary of this package."""

import os
import sys

from slotlint import find_slotlint_bin


def main() -> None:
    binary = os.fsdecode(find_slotlint_bin())
    args = [binary, *sys.argv[1:]]
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.run(args).returncode)
    os.execv(binary, args)


if __name__ == "__main__":
    main()
