"""Files: hardened .npz models and checkpoints, IDX and CSV readers, atomic writes."""
