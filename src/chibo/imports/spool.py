"""Compact storage for the two passes of an import.

Pass 1 validates every row and appends the normalised rows to a :class:`Spool` (a temporary file
of pickled batches); pass 2 streams them back into the database. :class:`KeyIndex` finds
duplicates (citizen IDs, card numbers) among millions of rows in 12 bytes a row.
"""

from __future__ import annotations

import hashlib
import pickle
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from typing import Any

BATCH = 5_000


class Spool:
    """Append tuples, then read them back in batches (lists), in order."""

    def __init__(self, batch: int = BATCH):
        self._file = tempfile.TemporaryFile(prefix="chibo-import-")  # noqa: SIM115 (closed by close())
        self._batch = batch
        self._pending: list[Sequence[Any]] = []
        self.count = 0
        self.stopped = False

    def append(self, row: Sequence[Any]) -> None:
        if self.stopped:
            return
        self._pending.append(row)
        self.count += 1
        if len(self._pending) >= self._batch:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            pickle.dump(self._pending, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def drain(self) -> None:
        """Nothing to wait for (a sink that writes in the background waits here)."""

    def stop(self) -> None:
        """The rows will not be written: stop keeping them."""
        self.stopped, self._pending = True, []

    def batches(self) -> Iterator[list[Sequence[Any]]]:
        self._flush()
        self._file.seek(0)
        while True:
            try:
                yield pickle.load(self._file)
            except EOFError:
                return

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def text_key(value: str) -> int:
    """A 63-bit key for a short text: exact for digit strings (leading zeros kept), else a hash."""
    if value.isdigit() and len(value) <= 17:
        return int("1" + value)
    digest = hashlib.blake2b(value.encode(), digest_size=8).digest()
    return -(int.from_bytes(digest, "big") >> 1) - 1


class KeyIndex:
    """Keys (63-bit ints) with the row each came from; reports the rows that repeat a key."""

    BUCKETS = 64

    def __init__(self) -> None:
        self._keys = [array("q") for _ in range(self.BUCKETS)]
        self._rows = [array("l") for _ in range(self.BUCKETS)]

    def add(self, key: int, row: int) -> None:
        bucket = key % self.BUCKETS
        self._keys[bucket].append(key)
        self._rows[bucket].append(row)

    def __len__(self) -> int:
        return sum(len(k) for k in self._keys)

    def duplicates(self) -> Iterator[tuple[int, int]]:
        """(row, first row with the same key) for every repeat, bucket by bucket."""
        for keys, rows in zip(self._keys, self._rows, strict=True):
            group_key, first_row = None, 0
            for key, row in sorted(zip(keys, rows, strict=True)):
                if key == group_key:
                    yield row, first_row
                else:
                    group_key, first_row = key, row
