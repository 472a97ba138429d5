"""`python -m slotlint ARGS…`: runs the slotlint binary of this package."""

import os
import sys

from slotlint import find_slotlint_bin


def main() -> None:
    try:
        binary = os.fsdecode(find_slotlint_bin())
    except FileNotFoundError as e:
        sys.stderr.write(f"{e}\n")
        sys.exit(2)
    args = [binary, *sys.argv[1:]]
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.run(args).returncode)
    os.execv(binary, args)


if __name__ == "__main__":
    main()
