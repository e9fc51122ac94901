"""Presets: values and the constraints the rest of the spec relies on."""

from __future__ import annotations

import pytest

from spec.presets import FULL, PRESETS, TINY, Preset
from spec.primitives import Uint16


@pytest.mark.parametrize("preset", PRESETS.values(), ids=lambda preset: preset.name)
def test_preset_fits_the_types_that_carry_its_values(preset: Preset) -> None:
    """Given a preset.

    When its depth and interval are compared with the types that carry them,
    Then every transaction index of a block fits a Uint16, and a deposit fits between blocks.
    """
    assert 2**preset.transaction_tree_depth - 1 <= Uint16.max_value()
    assert preset.block_interval >= 2
    assert preset.minimum_exit_bond > 0


def test_full_preset_has_production_values() -> None:
    """Given the full preset.

    When its values are read,
    Then the minimal finalization period is one week and the block interval 1000.
    """
    assert (FULL.minimum_finalization_period, FULL.block_interval) == (604_800, 1000)


def test_tiny_preset_keeps_numbers_small() -> None:
    """Given the tiny preset.

    When its values are read,
    Then a whole deposit interval and a matured exit take only a few steps.
    """
    assert TINY.block_interval <= 4 and TINY.minimum_finalization_period <= 100
