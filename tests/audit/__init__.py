"""Tests of corsguard audit, --prove, the lab and the demo."""
