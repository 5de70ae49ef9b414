"""The language model: loaded in one place, generation, beam search, the result cache (the map: ``studykit``)."""
