"""File sizes in the Quarantine window and question: SI units, the number and unit agree."""

from __future__ import annotations

import pytest

from dropletcleaner.gui.quarantine.window import human_size


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (999, "999 bytes"),
        (1000, "1.0 kB"),
        (157_877, "157.9 kB"),  # was "154.2 KB": KiB under a kB label
        (999_960, "1.0 MB"),  # rounds up into the next unit, never "1,000.0 kB"
        (12_300_000, "12.3 MB"),
        (4_500_000_000, "4.5 GB"),
        (2_000_000_000_000, "2.0 TB"),
    ],
)
def test_sizes_use_si_units(n: int, text: str) -> None:
    assert human_size(n) == text
