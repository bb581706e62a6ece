"""Helpers the tests import: servers, apps, schemas, case tables, paths. No tests here."""
