"""corsguard's tests, one subpackage per subject; shared helpers in tests.helpers."""
