"""What a learner does in JupyterLab, as Playwright steps: open a notebook, run it, move a slider."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

WIDGET_ERROR = "Error displaying widget"
# Screenshots go to build/ on every run; STUDYKIT_SCREENSHOTS=docs refreshes the README's pictures.
SCREENSHOTS = Path(os.environ.get("STUDYKIT_SCREENSHOTS", Path(__file__).resolve().parents[2] / "build" / "screenshots"))

# The notebook panel's state, read through JupyterLab's own application object.
_NOTEBOOK_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.map(cell => cell.model);
  const code = cells.filter(m => m.type === 'code');
  return {
    kernel: kernel ? kernel.status : 'none',
    executed: code.filter(m => m.executionCount !== null).length,
    code: code.length,
    errors: code.flatMap(m => m.outputs.toJSON())
                .filter(o => o.output_type === 'error')
                .map(o => o.ename + ': ' + o.evalue),
  };
}"""


# Every request the page sends the kernel, until the kernel reports idle for it (its status messages
# name the request they answer): while one is open, the kernel has not finished with what was sent.
_WATCH_REQUESTS = """() => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const open = new Set();
  window.__studykitOpenRequests = open;
  kernel.anyMessage.connect((_, args) => {
    const msg = args.msg;
    if (args.direction === 'send' && msg.channel === 'shell') open.add(msg.header.msg_id);
    else if (msg.header.msg_type === 'status' && msg.content.execution_state === 'idle') open.delete(msg.parent_header.msg_id);
  });
}"""


def open_notebook(page, lab, name: str) -> None:
    page.goto(lab.notebook_url(name))
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached")
    # More room for the notebook, as a learner would make it: fold away the file browser.
    page.evaluate("""() => { const app = window.jupyterapp;
        if (!app.shell.leftCollapsed) app.commands.execute('application:toggle-left-area'); }""")
    _wait_for(page, lambda s: s and s["kernel"] == "idle", f"the kernel of {name} to start", 120)
    page.evaluate(_WATCH_REQUESTS)


def wait_until_the_kernel_has_answered(page, timeout: float = 30) -> None:
    """Wait until the kernel has finished with every message the page sent it (widget changes
    included): what it sends back for them has arrived."""
    page.wait_for_function("() => window.__studykitOpenRequests.size === 0", timeout=timeout * 1000)


def run_all_cells(page, timeout: float = 240) -> dict:
    """Run -> Run All Cells, then wait until every code cell has run and the kernel is idle."""
    # The saved notebook already shows execution counts: clear them first, so that "every cell
    # has a count" below means this run.
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    _wait_for(page, lambda s: s and s["executed"] == 0, "outputs to clear", 30)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    state = _wait_for(
        page,
        lambda s: s and s["kernel"] == "idle" and s["executed"] == s["code"] or (s and s["errors"]),
        "all cells to run",
        timeout,
    )
    assert not state["errors"], f"cells raised: {state['errors']}"
    return state


def _wait_for(page, condition, what: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(_NOTEBOOK_STATE)
        if condition(state):
            return state
        page.wait_for_timeout(250)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last state {state}")


def assert_no_widget_errors(page) -> None:
    body = page.inner_text("body")
    assert WIDGET_ERROR not in body, f"a widget failed to render: {body[body.find(WIDGET_ERROR):][:300]}"


def drag_slider(page, css_class: str, fraction: float) -> None:
    """Move the slider with ``css_class`` to ``fraction`` of its track with the mouse, as a learner drags it.

    Works for an explorer's native range input (``input.studykit-slider`` inside the class) and for an
    ipywidgets slider (noUiSlider).
    """
    slider = page.locator(f".{css_class}").first
    slider.scroll_into_view_if_needed()
    native = slider.locator("input[type=range]")
    if native.count():
        box = native.first.bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.click(box["x"] + 2 + fraction * (box["width"] - 4), y)
        return
    track = slider.locator(".noUi-base").bounding_box()
    handle = slider.locator(".noUi-handle").first.bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    target_x = track["x"] + fraction * track["width"]
    page.mouse.move(target_x, track["y"] + track["height"] / 2, steps=12)
    page.mouse.up()


def slider_value(page, css_class: str) -> float:
    """The current value of the explorer slider with ``css_class`` (its native range input)."""
    return float(page.locator(f".{css_class} input[type=range]").first.input_value())


def press_slider_key(page, css_class: str, key: str, times: int = 1) -> None:
    """Focus the explorer slider with ``css_class`` and press ``key`` (e.g. "ArrowLeft") ``times`` times."""
    handle = page.locator(f".{css_class} input[type=range]").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(times):
        handle.press(key)


def text_of(page, css_class: str, timeout: float = 15) -> str:
    """The text of the first element with ``css_class``, once it has rendered (``timeout=0``: as it is)."""
    element = page.locator(f".{css_class}").first
    # Off-screen cells are not rendered (JupyterLab skips their layout): bring it into view first,
    # then give the widget view a moment to draw its text.
    scroll_into_view(page, element)
    deadline = time.monotonic() + timeout
    text = element.inner_text()
    while not text.strip() and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        text = element.inner_text()
    return text


def scroll_into_view(page, locator, tries: int = 10) -> None:
    """Scroll ``locator`` into view, retrying while a redraw replaces it (an explorer's display is
    redrawn as a whole, so an element found a moment ago may already be detached)."""
    for attempt in range(tries):
        try:
            locator.scroll_into_view_if_needed(timeout=5_000)
            return
        except PlaywrightError:
            if attempt == tries - 1:
                raise
            page.wait_for_timeout(100)


def number_in(text: str) -> float:
    """The first number in a readout such as 'entropy 2.31 nats' or 'kept 1,204 of 49,152 tokens'."""
    match = re.search(r"-?\d[\d,]*(?:\.\d+)?", text)
    assert match, f"no number in {text!r}"
    return float(match.group().replace(",", ""))


def wait_for_change(page, read, before, what: str, timeout: float = 20):
    """Poll ``read()`` until it differs from ``before`` (the kernel answers a slider move asynchronously)."""
    deadline = time.monotonic() + timeout
    value = read()
    while value == before and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        value = read()
    assert value != before, f"{what} did not change within {timeout:.0f} s (still {before!r})"
    return value


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# ----------------------------------------------------------------------------- slider latency

# In the page: time from a key press on a slider's handle to the redraw of its explorer's figure
# (drawn together with the readouts), seen by a MutationObserver on the explorer. Every kernel message
# in between is counted too, through JupyterLab's own kernel connection (anyMessage): what the browser
# sent, how often the kernel went busy, and how many widget updates arrived before the redraw.
_WATCH_SLIDER = """(sliderClass) => {
  const slider = document.querySelector('.' + sliderClass + ' input[type=range]');
  const explorer = slider.closest('.studykit-market-explorer, .studykit-filter-explorer');
  const figureText = () => explorer.querySelector('.studykit-figure').textContent;
  const state = {start: null, samples: [], figures: [], trips: [], last: figureText(), counts: null};
  window.__studykitLatency = state;
  if (!window.__studykitKernelWatched) {  // one listener per page, feeding whichever slider is watched
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    kernel.anyMessage.connect((_, args) => {
      const counts = window.__studykitLatency.counts, msg = args.msg;
      if (counts === null) return;
      if (args.direction === 'send') counts.sent += 1;
      else if (msg.header.msg_type === 'status' && msg.content.execution_state === 'busy') counts.busy += 1;
      else if (msg.header.msg_type === 'comm_msg' && msg.content.data.method === 'update') counts.updates += 1;
    });
    window.__studykitKernelWatched = true;
  }
  slider.addEventListener('keydown', () => {
    state.start = performance.now();
    state.counts = {sent: 0, busy: 0, updates: 0};
  }, true);
  new MutationObserver(() => {
    const now = performance.now(), text = figureText();
    if (state.start === null || text === state.last) return;
    state.samples.push(now - state.start);
    state.figures.push(text);
    state.trips.push(state.counts);
    state.start = null;
    state.counts = null;
    state.last = text;
  }).observe(explorer, {subtree: true, childList: true, characterData: true});
}"""


@dataclass(frozen=True)
class SliderMove:
    ms: float  # key press -> redrawn figure
    figure: str  # the figure's text after the move
    sent: int  # messages the browser sent to the kernel before the redraw
    busy: int  # times the kernel went busy before the redraw
    updates: int  # widget updates (not echoes) that arrived before the redraw


def slider_latencies_ms(page, css_class: str, moves: int = 24, pause_ms: int = 150) -> list[SliderMove]:
    """Move the slider ``css_class`` one step ``moves`` times with the arrow keys, as a learner nudging it.

    Returns, per move, the milliseconds from the key press to the redrawn figure, the figure's text
    after it and the kernel messages in between. Moves go towards the far end of the slider (so each
    is a change), ``pause_ms`` apart.
    """
    handle = page.locator(f".{css_class} input[type=range]").first
    handle.scroll_into_view_if_needed()
    position = float(handle.input_value())
    low, high = float(handle.get_attribute("min")), float(handle.get_attribute("max"))
    key = "ArrowLeft" if position > (low + high) / 2 else "ArrowRight"
    page.evaluate(_WATCH_SLIDER, css_class)
    handle.focus()
    for move in range(moves):
        handle.press(key)
        page.wait_for_function("(n) => window.__studykitLatency.samples.length > n", arg=move, timeout=20_000)
        page.wait_for_timeout(pause_ms)
    state = page.evaluate("() => window.__studykitLatency")
    return [SliderMove(ms, figure, **trips) for ms, figure, trips in zip(state["samples"], state["figures"], state["trips"])]
