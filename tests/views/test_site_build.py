"""The offline site's building blocks, without a browser (tests/e2e/test_site.py opens the built site)."""

import base64

import numpy as np
import pytest

from studykit.views import site
from studykit.views.math_html import protect_math, restore_math


def test_anything_a_page_would_load_from_off_the_machine_is_found():
    page = ('<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//cdn.example/a.css">'
            '<style>@import "http://fonts.example/f.css"; .x { background: url(https://img.example/b.png) }</style>')
    assert site.off_machine_references(page) == ["//cdn.example/a.css", "http://fonts.example/f.css",
                                                 "https://cdn.example/x.js", "https://img.example/b.png"]


def test_local_files_data_uris_links_and_namespaces_load_nothing_off_the_machine():
    page = ('<link rel="stylesheet" href="lab.css"><img src="data:image/png;base64,iVBORw0KGgo=">'
            '<a href="https://arxiv.org/abs/1904.09751">the paper</a>'
            '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>T</mi></math><style>.a { background: url(data:x) }</style>')
    assert site.off_machine_references(page) == []


def _notebook_with_explorer(buffers):
    state = {"kind": "filter", "logits_dtype": "float32", "stall_ids": [1, 0], "stall_labels": ["b", "a"],
             "title": "t", "temperature": 1.0, "top_k": 0, "top_p": 0.9, "min_p": 0.0, "max_top_k": 100,
             "max_temperature": 3.0, "_esm": "export default {}", "layout": "IPY_MODEL_x"}
    widgets = {"abc": {"model_name": "AnyModel", "state": state, "buffers": buffers},
               "x": {"model_name": "LayoutModel", "state": {}}}
    return {"metadata": {"widgets": {site.WIDGET_STATE: {"state": widgets}}}, "cells": []}


def test_an_explorers_saved_state_keeps_its_logits_and_the_traits_the_page_reads():
    logits = np.array([0.5, 1.5], dtype="<f4").tobytes()
    buffers = [{"path": ["logits"], "encoding": "base64", "data": base64.b64encode(logits).decode()}]
    states = site.explorer_states(_notebook_with_explorer(buffers))
    assert list(states) == ["abc"]
    assert base64.b64decode(states["abc"]["logits"]) == logits
    assert "_esm" not in states["abc"] and "layout" not in states["abc"]  # the page brings its own module
    assert states["abc"]["top_p"] == 0.9 and states["abc"]["stall_ids"] == [1, 0]


def test_an_explorer_saved_without_its_logits_is_refused():
    with pytest.raises(ValueError, match="saved without its logits"):
        site.explorer_states(_notebook_with_explorer([]))


def test_formulas_outside_code_become_mathml_and_code_stays_as_written():
    text, formulas = protect_math("$$p_i = e^{z_i/T}$$ and $\\bar z$, but `$HOME` and\n```\ncost $5 or $6\n```")
    assert "`$HOME`" in text and "cost $5 or $6" in text and len(formulas) == 2
    rendered = restore_math(text, formulas)
    assert rendered.count("<math") == 2 and 'display="block"' in rendered and "STUDYKITMATH" not in rendered
