"""Tests of corsguard lint, with its corpora."""
