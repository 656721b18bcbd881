"""One BLAS thread for the process once the safety screen is open.

The screen's matrix products are tiny (a few phrases against a few hundred blocklist rows, one
MLP layer per prompt), yet OpenBLAS splits each over every core, and between a run's screens its
idle workers spin: on two cores that doubled a screen's CPU and wall time (p50 25 → 12 ms a
prompt) and took the core the ONNX session and the run's other work needed.

The limit is process-wide because OpenBLAS's is (its pool is shared; threadpoolctl lets only one
Python thread change it, so a limit scoped to each screen would be ignored by the screens running
in worker threads). A notebook that wants more BLAS threads for its own large products can set
them with ``threadpoolctl.threadpool_limits`` from the thread that opened the screen (while that
thread lives, threadpoolctl ignores other threads' limits).
"""

from __future__ import annotations

import logging
from functools import lru_cache

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def one_blas_thread() -> None:
    """Limit numpy's BLAS to one thread (once per process)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    log.debug("BLAS limited to one thread for the safety screen's small products")
