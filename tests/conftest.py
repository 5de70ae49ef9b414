"""Fixtures shared across test modules."""

import pytest
import synthetic_market


@pytest.fixture(scope="session")
def market_logits():
    return synthetic_market.logits()


@pytest.fixture(scope="session")
def market_tokens():
    return synthetic_market.tokens()
