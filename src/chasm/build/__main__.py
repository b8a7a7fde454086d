"""``python -m chasm.build <command>``: what make runs (see :mod:`chasm.build.driver`)."""

import os
import signal
import sys


def _interrupted(signum, frame):  # noqa: ARG001 - the signal handler's signature
    """First of all: an interrupt at any point is one line, no traceback."""
    if not os.environ.get("CHASM_TRANSACTION"):  # else the driver says it, once
        os.write(2, f"x {' '.join(sys.argv[1:3])}: interrupted; reports/ is unchanged "
                    "(each run keeps its previous outputs or its complete new ones)\n"
                    .encode("ascii", "replace"))
    os._exit(130)  # the kernel (its own session) exits when it sees its parent gone


signal.signal(signal.SIGINT, _interrupted)
signal.signal(signal.SIGTERM, _interrupted)

from chasm.build.driver import main  # noqa: E402 - after the handler, on purpose

code = main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)  # skip interpreter teardown of the loaded tool stack (measured ~0.3 s)
