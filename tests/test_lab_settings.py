"""The JupyterLab settings shipped for the project's venv: no news, update or extension lookups online.

The browser test (tests/e2e) checks that a running lab applies them and shows no news prompt.
"""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
OVERRIDES = ROOT / "jupyter" / "overrides.json"
SERVER_CONFIG = ROOT / "jupyter" / "jupyter_server_config.json"
SCHEMAS = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"


def _schema(plugin_id: str) -> dict:
    package, plugin = plugin_id.split(":")
    path = SCHEMAS / package / f"{plugin}.json"
    assert path.exists(), f"{plugin_id} is no setting id of the installed JupyterLab (no {path})"
    return json.loads(path.read_text())


def test_overrides_turn_off_news_and_update_checks():
    overrides = json.loads(OVERRIDES.read_text())
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}


@pytest.mark.parametrize("plugin_id", sorted(json.loads(OVERRIDES.read_text())))
def test_every_override_is_a_valid_setting_of_the_installed_jupyterlab(plugin_id):
    values = json.loads(OVERRIDES.read_text())[plugin_id]
    schema = _schema(plugin_id)
    assert set(values) <= set(schema["properties"]), f"unknown keys for {plugin_id}: {set(values) - set(schema['properties'])}"
    for key, value in values.items():
        jsonschema.validate(value, schema["properties"][key])


def test_server_config_names_real_options():
    config = json.loads(SERVER_CONFIG.read_text())["LabApp"]
    assert config["news_url"] is None
    # In a fresh process: the browser tests' helper module is also called `jupyterlab`.
    module, _, cls = config["check_for_updates_class"].rpartition(".")
    probe = (f"import json; from jupyterlab.labapp import LabApp; from {module} import {cls}; "
             "print(json.dumps(sorted(LabApp.class_traits(config=True))))")
    options = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                        check=True).stdout)
    assert set(config) <= set(options), f"LabApp has no option {set(config) - set(options)}"


def test_the_venv_carries_the_shipped_settings_and_no_user_settings_are_written():
    # `make install` copies both files into the venv; the user's ~/.jupyter stays untouched.
    installed = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    server = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / "studykit.json"
    assert installed.read_text() == OVERRIDES.read_text(), "run `make install` to refresh the venv's settings"
    assert server.read_text() == SERVER_CONFIG.read_text(), "run `make install` to refresh the venv's settings"
