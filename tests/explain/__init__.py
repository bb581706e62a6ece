"""Tests of corsguard explain (requests, policies, HAR files)."""
