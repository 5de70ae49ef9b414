"""What the learner sees: the marketplace, plots, sliders, browser explorers, the offline site (the map: ``studykit``)."""
