"""Restore drills: prove, on a schedule, that the newest full backup restores and holds its data."""
