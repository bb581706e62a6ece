"""Tests of the command line shared by every command: check, formats, pipes."""
