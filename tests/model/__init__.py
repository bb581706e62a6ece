"""Tests of the pure model: origin, policy, engine, browser, configuration, paths."""
