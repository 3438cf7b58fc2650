"""Ctrl-C and SIGTERM around a point of no return.

Before the point, an interrupt stops the run as usual (KeyboardInterrupt) and the run
cleans up. From the point on (files being moved into place or written), the interrupt is
held: the work finishes, and the caller says that it did.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM)


@dataclass
class Gate:
    closed: bool = False
    held: list[int] = field(default_factory=list)

    def close(self) -> None:
        """The point of no return: hold interrupts from now on."""
        self.closed = True

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.closed:
            self.held.append(signum)
            return
        raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def interrupt_gate() -> Iterator[Gate]:
    """A gate for the signals that stop a run; a no-op off the main thread."""
    gate = Gate()
    if threading.current_thread() is not threading.main_thread():
        yield gate  # signals only reach the main thread
        return
    previous = {signum: signal.signal(signum, gate.handle) for signum in HANDLED}
    try:
        yield gate
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
