"""The vault: a consistent copy of the snapshot repository in a deletion-protected bucket of another region."""
