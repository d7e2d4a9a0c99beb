"""``python -m devstack services-start``: PostgreSQL and Redis for ``make test`` (scripts/test.sh).

Prints ``export NAME=value`` lines for the shell to ``eval`` (messages go to stderr);
``python -m devstack services-stop DIR`` stops what it started (DIR is DEVSTACK_SERVICES).
"""

import shlex
import sys

from devstack import services_start, services_stop


def main(argv: list[str]) -> int:
    if argv[:1] == ["services-start"] and len(argv) == 1:
        for name, value in services_start().items():
            print(f"export {name}={shlex.quote(value)}")
        return 0
    if argv[:1] == ["services-stop"] and len(argv) == 2:
        services_stop(argv[1])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
