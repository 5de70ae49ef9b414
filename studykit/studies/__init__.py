"""The data the notebooks measure on, the studies run on the model, and the record of quoted figures (the map: ``studykit``)."""
