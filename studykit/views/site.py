"""The offline HTML edition (``make site``): every notebook as a page, the explorers live, no network.

Each notebook becomes ``site/NN_name.html`` with its committed outputs (figures, tables, text; nothing is
re-run), and ``site/index.html`` lists them. Formulas are rendered to MathML at build time
(:mod:`studykit.views.math_html`). An explorer's output (a :mod:`studykit.views.browser_explorers` widget) becomes
the live explorer again: its saved widget state, the logits of its prompt included, is embedded in the
page with the explorers' JavaScript (:func:`studykit.views.js_bundle.explorer_module`), which answers every
slider in the page. Other widgets show their static fallback (a PNG or text).

Nothing is fetched from off the machine: no CDN script (nbconvert's MathJax, require.js and widget
manager are left out), and the build refuses a page that would load anything but itself, ``lab.css``
and data URIs. The site opens from ``file://``.

    python -m studykit.views.site --out site notebooks/*.ipynb
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .js_bundle import JS_DIR, explorer_module
from .math_html import protect_math, restore_math

__all__ = ["Page", "build", "explorer_states", "main", "off_machine_references"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
EXPLORER_KINDS = ("market", "filter")
# The traits the explorers' render() reads (studykit.views.browser_explorers); everything else stays behind.
EXPLORER_TRAITS = ("kind", "logits_dtype", "stall_ids", "stall_labels", "title", "temperature", "max_temperature",
                   "shoppers", "seed", "top_k", "top_p", "min_p", "max_top_k")
_TEMPLATE_DIR = Path(__file__).with_name("site_templates")


@dataclass(frozen=True)
class Page:
    file: str  # e.g. "01_the_picture.html"
    title: str  # the notebook's first heading
    explorers: int  # how many live explorers the page holds


# ----------------------------------------------------------------------------- explorers


def explorer_states(notebook: dict) -> dict[str, dict]:
    """The saved state of each browser explorer in ``notebook``, by widget model id.

    A state holds the traits :data:`EXPLORER_TRAITS` and ``logits`` (base64 bytes, as the widget sent them).
    """
    saved = notebook.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    states = {}
    for model_id, widget in saved.items():
        traits = widget.get("state", {})
        if widget.get("model_name") != "AnyModel" or traits.get("kind") not in EXPLORER_KINDS:
            continue
        buffers = {tuple(b["path"]): b for b in widget.get("buffers", [])}
        logits = buffers.get(("logits",))
        if logits is None or logits.get("encoding") != "base64":
            raise ValueError(f"explorer {model_id} was saved without its logits: re-run the notebook")
        states[model_id] = {**{k: traits[k] for k in EXPLORER_TRAITS if k in traits}, "logits": logits["data"]}
    return states


def _with_live_explorers(notebook: dict, states: dict[str, dict]) -> tuple[dict, dict[str, dict]]:
    """A copy of ``notebook`` whose explorer outputs are placeholders for the live explorers (numbered in
    page order) and whose other widget outputs fall back to their static forms."""
    notebook = copy.deepcopy(notebook)
    notebook.get("metadata", {}).pop("widgets", None)  # else nbconvert loads a widget manager from a CDN
    on_page = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            view = data.pop(WIDGET_VIEW, None)
            if view is None or view.get("model_id") not in states:
                continue
            number = str(len(on_page))
            on_page[number] = states[view["model_id"]]
            summary = html.escape(str(data.get("text/plain", "")))
            output["data"] = {"text/html": f'<div class="studykit-site-explorer" data-studykit-explorer="{number}">'
                                           f'<noscript>{summary}</noscript></div>'}
    return notebook, on_page


_MOUNT = """
// The offline site: each placeholder becomes an explorer, from the state saved in the notebook.
const saved = JSON.parse(document.getElementById("studykit-explorer-states").textContent);
for (const el of document.querySelectorAll("[data-studykit-explorer]")) {
  const values = { ...saved[el.dataset.studykitExplorer] };
  const bytes = Uint8Array.from(atob(values.logits), (c) => c.charCodeAt(0));
  values.logits = new DataView(bytes.buffer);
  const model = { get: (key) => values[key], set: (key, value) => { values[key] = value; }, save_changes() {},
                  on() {}, off() {} };
  render({ model, el });
}
"""


def _explorer_scripts(on_page: dict[str, dict]) -> str:
    if not on_page:
        return ""
    states = json.dumps(on_page, ensure_ascii=False).replace("</", "<\\/")  # cannot end the script element
    return (f'<script type="application/json" id="studykit-explorer-states">{states}</script>\n'
            f'<script type="module">\n{explorer_module()}\n{_MOUNT}</script>\n')


# ----------------------------------------------------------------------------- pages


def _exporter():
    from jinja2 import pass_context
    from nbconvert import HTMLExporter

    class SiteExporter(HTMLExporter):
        """nbconvert's lab page without its CDN scripts, with formulas rendered to MathML."""

        @pass_context
        def markdown2html(self, context, source):
            text, formulas = protect_math(source)
            return restore_math(HTMLExporter.markdown2html(self, context, text), formulas)

    exporter = SiteExporter(template_name="lab", extra_template_paths=[str(_TEMPLATE_DIR)])
    exporter.template_file = "studykit_page.html.j2"
    return exporter


def _title(notebook: dict, fallback: str) -> str:
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            match = re.search(r"^#\s+(.+)$", "".join(cell["source"]), re.MULTILINE)
            if match:
                return match.group(1).strip()
    return fallback


def _page(exporter, path: Path, nav: str) -> tuple[str, str, int]:
    import nbformat

    notebook = json.loads(path.read_text(encoding="utf-8"))
    states = explorer_states(notebook)
    static, on_page = _with_live_explorers(notebook, states)
    title = _title(notebook, path.stem)
    body, _ = exporter.from_notebook_node(
        nbformat.reads(json.dumps(static), as_version=4),  # joins multi-line sources, as reading a file does
        resources={"metadata": {"name": title}, "studykit_nav": nav, "studykit_css": _page_css(),
                   "studykit_scripts": _explorer_scripts(on_page)})
    return body, title, len(on_page)


def _page_css() -> str:
    return (JS_DIR / "explorers.css").read_text(encoding="utf-8") + (_TEMPLATE_DIR / "site.css").read_text(encoding="utf-8")


def _nav(pages: list[tuple[str, str]], index: int) -> str:
    links = ['<a href="index.html">All notebooks</a>']
    if index > 0:
        links.append(f'<a href="{pages[index - 1][0]}" rel="prev">← {html.escape(pages[index - 1][1])}</a>')
    if index + 1 < len(pages):
        links.append(f'<a href="{pages[index + 1][0]}" rel="next">{html.escape(pages[index + 1][1])} →</a>')
    return '<nav class="studykit-nav">' + " · ".join(links) + "</nav>"


def _index(pages: list[Page]) -> str:
    items = "\n".join(
        f'<li><a href="{p.file}">{html.escape(p.title)}</a>'
        + (f' <span class="studykit-live-note">{p.explorers} live explorer{"s" * (p.explorers > 1)}</span>'
           if p.explorers else "") + "</li>" for p in pages)
    return (_TEMPLATE_DIR / "index.html").read_text(encoding="utf-8").replace("{{ pages }}", items).replace(
        "{{ css }}", (_TEMPLATE_DIR / "site.css").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- checks and the build

_REFERENCE = re.compile(r"""(?:\bsrc\s*=\s*["']?|<link\b[^>]*\bhref\s*=\s*["']?|url\(\s*["']?|@import\s+["'])"""
                        r"""\s*([^"')\s>]+)""", re.IGNORECASE)


def off_machine_references(text: str) -> list[str]:
    """What a page or stylesheet would load from off the machine: anything not a relative path or a data URI."""
    return sorted({ref for ref in _REFERENCE.findall(text)
                   if re.match(r"(?:[a-z][a-z0-9+.-]*:|//)", ref, re.IGNORECASE) and not ref.startswith("data:")})


def _lab_css() -> str:
    """nbconvert's JupyterLab stylesheet (light theme), copied from the installed package at build time."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    for base in TemplateExporter().template_paths:
        static = Path(base) / "lab" / "static"
        if (static / "index.css").exists():
            return (static / "index.css").read_text(encoding="utf-8") + (static / "theme-light.css").read_text(encoding="utf-8")
    raise FileNotFoundError("nbconvert's lab template (static/index.css) is not installed")


def build(out: Path, notebooks: list[Path]) -> list[Page]:
    """Write the site into ``out`` (emptied first); returns the pages in order."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    notebooks = sorted(Path(p) for p in notebooks)
    exporter = _exporter()
    titles = [(p.with_suffix(".html").name, _title(json.loads(p.read_text(encoding="utf-8")), p.stem)) for p in notebooks]
    files = {"lab.css": _lab_css()}
    pages = []
    for index, path in enumerate(notebooks):
        body, title, explorers = _page(exporter, path, _nav(titles, index))
        files[titles[index][0]] = body
        pages.append(Page(titles[index][0], title, explorers))
    files["index.html"] = _index(pages)
    for name, text in files.items():
        refused = off_machine_references(text)
        if refused:
            raise ValueError(f"{name} would load from off the machine: {refused[:5]}")
        (out / name).write_text(text, encoding="utf-8")
    return pages


def site_size(out: Path) -> int:
    """Bytes in every file of the built site."""
    return sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m studykit.views.site", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("site"))
    args = parser.parse_args(argv)
    pages = build(args.out, args.notebooks)
    for page in pages:
        live = f" ({page.explorers} live explorer{'s' * (page.explorers > 1)})" if page.explorers else ""
        print(f"{args.out / page.file}: {page.title}{live}")
    print(f"{args.out / 'index.html'}: {len(pages)} pages, {site_size(args.out) / 1e6:.1f} MB in all; "
          f"open it in a browser (works from file://, offline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
