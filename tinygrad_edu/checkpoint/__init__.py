"""Checkpoints: `save(obj, path)` and `load(path)`, never with pickle.

Format (version 2) is a safetensors file (https://huggingface.co/docs/safetensors): every array is
one of its tensors (a state dict's under its own keys), so `safetensors.torch.load_file` and Hugging
Face tools read the weights; the header's metadata holds {"format": "pt", "tinygrad_edu": a JSON
document {"format": "tinygrad_edu.checkpoint", "version": 2, "tree": the nested state, tensors
referenced by name (tree.py)}, "tinygrad_edu.sha256": a digest of the document and the tensors}.

`load` tells files apart by their first bytes, not their names: a safetensors file (ours, or any
other, returned as {name: array}), a version-1 .npz checkpoint (legacy_npz.py), or a refusal that
says what the file is (a pickle, a torch.save archive, a lone .npy array, ...). Every problem with a
file is a CheckpointError naming it, and no load allocates much more than the file's size: sizes
declared in headers are checked against the file before anything is read, and the JSON (1 MiB,
about 15,000 epochs of a Trainer's history) and the header (2 MiB) are capped. Writes are atomic
and replace only regular files (files.py).
"""
from .errors import CheckpointError
from .save_load import load, save

__all__ = ["CheckpointError", "load", "save"]
