"""Peak memory of a command, measured for that command alone (tests and benchmarks share it).

Linux records a process's peak resident set size across ``exec``: a child forked from a large
process (pytest after building fixtures, a benchmark with LIEF loaded) starts its peak at its
parent's size. So the command is started by a fresh, small Python process, which reports the
``os.wait4`` usage of its one child: the floor is that small process, not the caller.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import List, Optional, Tuple

_WRAPPER = """\
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
child.returncode = 0
with open(sys.argv[1], "w") as fh:
    fh.write(str(usage.ru_maxrss))
"""


def peak_rss_mib(cmd: List[str], cwd: Optional[str] = None,
                 env: Optional[dict] = None) -> Tuple[float, str]:
    """(peak resident set size of ``cmd`` in MiB, what it printed on stdout). POSIX only."""
    fd, report = tempfile.mkstemp(prefix="peak-rss-")
    os.close(fd)
    try:
        out = subprocess.run([sys.executable, "-c", _WRAPPER, report, *cmd], cwd=cwd, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=600,
                             check=False).stdout
        with open(report) as fh:
            peak = int(fh.read())
    finally:
        os.unlink(report)
    # ru_maxrss is in KiB on Linux, in bytes on macOS
    return peak / ((1 << 20) if sys.platform == "darwin" else 1024), out.decode("utf-8")
