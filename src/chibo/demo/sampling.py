"""Fast weighted draws for the generators.

A :class:`Table` expands weights into exactly 2¹⁴ slots once, so a draw is one
``getrandbits(14)`` and one index (about three times faster than ``random()``-based indexing,
and far faster than ``random.choices`` at millions of draws).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

BITS = 14
SIZE = 1 << BITS


class Table(Generic[T]):
    """Items drawn in proportion to their weights (every positive weight gets at least one slot)."""

    __slots__ = ("items", "slots")

    def __init__(self, weighted: Sequence[tuple[T, float]]):
        weighted = [(item, w) for item, w in weighted if w > 0]
        if not weighted or len(weighted) > SIZE:
            raise ValueError("a table needs between 1 and 16384 positive weights")
        total = sum(w for _item, w in weighted)
        exact = [w / total * SIZE for _item, w in weighted]
        counts = [max(1, int(x)) for x in exact]
        # hand the slots left (or take the ones over) by largest remainder
        order = sorted(range(len(exact)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
        i = 0
        while sum(counts) != SIZE:
            j = order[i % len(order)]
            if sum(counts) < SIZE:
                counts[j] += 1
            elif counts[j] > 1:
                counts[j] -= 1
            i += 1
        self.items = [item for item, _w in weighted]
        self.slots: list[T] = []
        for (item, _w), n in zip(weighted, counts, strict=True):
            self.slots.extend([item] * n)

    def draw(self, rng: random.Random) -> T:
        return self.slots[rng.getrandbits(BITS)]

    def probability(self, item: T) -> float:
        """The share of ``item`` as drawn (after rounding to slots)."""
        return self.slots.count(item) / SIZE


def uniform(items: Sequence[T]) -> Table[T]:
    return Table([(item, 1.0) for item in items])
