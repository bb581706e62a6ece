"""Tests of corsguard migrate, with its corpus."""
