"""Opening the safety screen puts numpy's BLAS on one thread for the process.

On two cores OpenBLAS split the screen's tiny products over both and its idle workers spun
between screens, doubling every screen's time; a regression would show only as a slow run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
from pathlib import Path
import numpy as np
from threadpoolctl import threadpool_info

def blas():
    return sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})

np.ones((2, 2)) @ np.ones((2, 2))
before = blas()
from lessonreel.agents.safety import Screen
screen = Screen.open(Path(sys.argv[1]), moderation=False)
verdict = screen.screen("a labelled diagram of the water cycle for a science lesson")
print(json.dumps({"before": before, "after": blas(), "allowed": verdict.allowed}))
"""


def test_screen_runs_blas_on_one_thread(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)],
        env={"OPENBLAS_NUM_THREADS": "2", "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"before": [2], "after": [1], "allowed": True}
