"""The process pool a benchmark runs its runs in (``--jobs``), whose workers end with the benchmark.

A signal that stops a benchmark (``kill``, ``pkill -f benchmarks/mixture.py``) reaches the script's
own process only: its spawned workers, whose command line does not name the script, would otherwise
finish the runs they hold, write their result files into a benchmark believed stopped, and then wait
for work forever, taking the machine's cores from whatever runs next. Each worker here watches the
process that started it and ends as soon as that process is gone; the run it held is not written, so
a rerun does it again, as it does any run without a result file."""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def end_with_parent(parent: int, poll_s: float = 0.5) -> None:
    """Pool initializer: a daemon thread that ends this worker once ``parent`` (the benchmark's pid,
    passed in so that a parent gone before the worker started counts too) is no longer its parent: a
    worker whose parent dies is handed to another, so ``os.getppid()`` changes."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)  # not sys.exit: the main thread is inside a run and must not get to write it

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def run_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` spawned processes (a fresh interpreter each, so no torch state is inherited) that
    end with the benchmark."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=end_with_parent,
                               initargs=(os.getpid(),))
