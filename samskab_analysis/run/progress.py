"""Progress of a ``samskab reproduce`` run: one bar per running notebook, or plain lines.

On a terminal (stderr is a TTY) an overall bar counts finished notebooks and every running
notebook has its own bar advancing cell by cell, labelled with the first line of the current
cell.  Otherwise (CI logs, pipes) one plain line is printed per finished notebook.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO


def has_terminal(stream: TextIO) -> bool:
    """True for a terminal that can show bars (a pseudo-terminal without a size cannot)."""
    try:
        return stream.isatty() and os.get_terminal_size(stream.fileno()).columns > 0
    except (OSError, ValueError, AttributeError):
        return False


class Progress:
    """Display of notebook and cell progress (driven by events from the worker processes)."""

    def __init__(self, total: int, workers: int, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = has_terminal(self.stream) if tty is None else tty
        self.total = total
        self.finished_count = 0
        self.bars: dict[str, object] = {}
        self.done: set[str] = set()
        self.free = list(range(1, workers + 1))
        self.overall = None
        if self.tty:
            from tqdm import tqdm

            self._tqdm = tqdm
            self.overall = tqdm(total=total, desc="notebooks", unit="nb", file=self.stream, position=0, leave=True)
        else:
            self.line(f"samskab reproduce: running {total} notebook{'s' if total != 1 else ''} on {workers} workers")

    def line(self, text: str) -> None:
        """Print one line without breaking the bars."""
        if self.tty:
            self._tqdm.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def started(self, name: str, cells: int) -> None:
        """A worker started *name* (with *cells* cells, 0 when not known yet)."""
        if not self.tty or name in self.done:
            return
        bar = self.bars.get(name)
        if bar is None:
            position = self.free.pop(0) if self.free else len(self.bars) + 1
            bar = self._tqdm(
                total=cells or None,
                desc=f"  {name}",
                unit="cell",
                file=self.stream,
                position=position,
                leave=False,
                bar_format="{desc:<28.28} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {postfix}",
            )
            bar.position_slot = position
            self.bars[name] = bar
        elif cells:
            bar.total = cells
            bar.refresh()

    def cell(self, name: str, index: int, first_line: str) -> None:
        """*name* started cell *index* (0-based)."""
        if not self.tty or name in self.done:
            return
        self.started(name, 0)
        bar = self.bars[name]
        bar.n = index
        bar.set_postfix_str(first_line[:40], refresh=False)
        bar.refresh()

    def finished(self, name: str, seconds: float, error: str | None, notes: list[str] | None = None) -> None:
        """*name* finished (successfully when *error* is None)."""
        self.done.add(name)
        self.finished_count += 1
        bar = self.bars.pop(name, None)
        if bar is not None:
            self.free.append(bar.position_slot)
            self.free.sort()
            bar.close()
        width = len(str(self.total))
        status = "ok    " if error is None else "FAILED"
        text = f"[{self.finished_count:>{width}}/{self.total}] {status} {name} ({seconds:.1f}s)"
        if error is not None:
            text += f"\n    {error}"
        for note in notes or []:
            text += f"\n    kernel: {note}"
        if self.tty and error is None and not notes:
            self.overall.set_postfix_str(f"{name} {seconds:.1f}s")
        else:
            self.line(text)
        if self.overall is not None:
            self.overall.update()

    def close(self) -> None:
        """Remove the bars."""
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()
        if self.overall is not None:
            self.overall.close()
