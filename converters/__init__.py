"""External model converters run in subprocesses (see README.md)."""
