"""`corsguard audit`: find every class of CORS hole in live endpoints, with evidence."""
