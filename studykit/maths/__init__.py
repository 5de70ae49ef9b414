"""Pure math on numpy arrays and torch tensors: no I/O, no UI, no model loading (the map: ``studykit``)."""
