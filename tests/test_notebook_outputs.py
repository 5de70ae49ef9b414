"""The tolerant comparison of notebook outputs (tests/notebook_outputs.py): what moves, what may not."""

import nbformat
import pytest

from notebook_outputs import Tolerance, numbers_agree, reconcile_outputs, reconcile_text


@pytest.mark.parametrize("new, committed", [
    ("273.8", "273.9"),        # the chi-square an Intel CPU printed against the committed AMD one
    ("0.100", "0.099"),        # its p-value
    ("1.5e-04", "1.4e-04"),    # one unit of the last digit of a mantissa
    ("22%", "21%"),            # a rounded percentage is a rounded decimal
    ("7.0%", "7.1%"),
    ("-0.31", "-0.30"),
])
def test_a_decimal_may_move_one_unit_of_its_last_printed_digit(new, committed):
    assert numbers_agree(new, committed)


@pytest.mark.parametrize("new, committed", [
    ("274.0", "273.8"),        # two units: more than rounding can do
    ("0.101", "0.099"),
    ("2.4e-04", "1.4e-04"),
    ("10,519", "10,518"),      # an integer is exact unless the cell says otherwise
    ("38", "37"),
    ("21", "21%"),             # a percentage is not a count
])
def test_anything_more_is_a_difference(new, committed):
    assert not numbers_agree(new, committed)


def test_a_tagged_cell_widens_the_tolerance_for_integers_too():
    tolerance = Tolerance.from_tags(["nbval-something", "tolerance:rel=1e-3"])
    assert numbers_agree("10,519", "10,518", tolerance)
    assert not numbers_agree("10,540", "10,518", tolerance)
    assert numbers_agree("40", "37", Tolerance.from_tags(["tolerance:abs=3"]))
    assert not numbers_agree("41", "37", Tolerance.from_tags(["tolerance:abs=3"]))


@pytest.mark.parametrize("tag", ["tolerance:rel=a lot", "tolerance:relative=0.1"])
def test_a_malformed_tolerance_tag_says_how_to_write_it(tag):
    with pytest.raises(ValueError, match="tolerance:rel=0.01"):
        Tolerance.from_tags([tag])


def test_only_the_numbers_that_agree_are_reconciled():
    committed = "chi2 = 273.9 on 199 dof, p = 0.099; kept 10,518 tokens"
    new = "chi2 = 273.8 on 199 dof, p = 0.100; kept 10,519 tokens"
    assert reconcile_text(new, committed) == "chi2 = 273.9 on 199 dof, p = 0.099; kept 10,519 tokens"


def test_different_words_are_left_for_nbval_to_show():
    assert reconcile_text("greedy: 0.50", "sampled: 0.51") == "greedy: 0.50"
    assert reconcile_text("1 2 3", "1 2") == "1 2 3"


def test_numbers_inside_words_are_text():
    assert reconcile_text("SmolLM2 at 0.51", "SmolLM2 at 0.50") == "SmolLM2 at 0.50"
    assert reconcile_text("SmolLM3 at 0.51", "SmolLM2 at 0.50") == "SmolLM3 at 0.51"  # a word changed


def test_outputs_are_reconciled_stream_by_stream_and_mime_by_mime():
    committed = [nbformat.v4.new_output("stream", name="stdout", text="T = 0.7: 19.4\n"),
                 nbformat.v4.new_output("execute_result", data={"text/plain": "0.123",
                                                               "text/html": "<b>0.123</b>"})]
    new = [nbformat.v4.new_output("stream", name="stdout", text="T = 0.7: 19.5\n"),
           nbformat.v4.new_output("execute_result", data={"text/plain": "0.124",
                                                         "text/html": "<b>0.126</b>"})]
    out = reconcile_outputs(new, committed)
    assert out[0]["text"] == "T = 0.7: 19.4\n"
    assert out[1]["data"]["text/plain"] == "0.123"
    assert out[1]["data"]["text/html"] == "<b>0.126</b>"   # three units: still a difference
    assert new[0]["text"] == "T = 0.7: 19.5\n"                 # the new outputs are not modified
