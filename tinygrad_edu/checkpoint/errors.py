"""The one error every checkpoint reader and writer raises."""


class CheckpointError(Exception):
    """A checkpoint could not be written or read; the message names the file and the cause."""
