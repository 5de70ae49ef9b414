"""Fixtures shared across test modules."""

import pytest
import synthetic_market


@pytest.fixture(scope="module", autouse=True)
def computed_not_read_back():
    """Every test here computes its results: the result cache is off (tests/README.md says why).

    Module-scoped and autouse, so it is in place before any other fixture of a test module, the
    module-scoped ones that sample included; it ends with the module, so the notebooks that run
    after tests/ read the cache as a learner's re-run does. test_result_cache.py turns the cache
    back on, in an empty home of its own, to test it.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STUDYKIT_RESULT_CACHE", "0")
        yield


@pytest.fixture(scope="session")
def market_logits():
    return synthetic_market.logits()


@pytest.fixture(scope="session")
def market_tokens():
    return synthetic_market.tokens()


@pytest.fixture(scope="session")
def lm():
    """The bundled model and its tokenizer, loaded once for the whole session (load() caches it)."""
    from studykit.lm import models  # imported here: the tests that need no model never pay for torch

    return models.load()
