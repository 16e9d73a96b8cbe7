"""Seeded transient faults: each send attempt fails with SES's transient error at a
probability, drawn from a private ``random.Random`` so that a seed replays the same faults
whatever else in the test uses ``random``."""

from __future__ import annotations

__all__ = ["TransientFaults"]

import random
import secrets


class TransientFaults:
    """The faults of one account: ``strike()`` once per send attempt."""

    def __init__(self, probability: float, seed: int | None) -> None:
        self.probability = probability
        #: The seed in use: the given one, or one picked now (printed in failure reports).
        self.seed = seed if seed is not None else secrets.randbelow(2**32)
        self._random = random.Random(self.seed)

    @property
    def enabled(self) -> bool:
        return self.probability > 0

    def strike(self) -> bool:
        """Whether this send attempt fails (one draw per attempt, in the order decided)."""
        if not self.enabled:
            return False
        return self._random.random() < self.probability
