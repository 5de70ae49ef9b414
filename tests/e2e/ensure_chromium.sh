#!/usr/bin/env bash
# The browser tests drive Debian's chromium. Install it where it is missing and we are allowed to
# (root with apt-get, as on CI); otherwise say how, and let the browser tests report it.
set -u
CHROMIUM="${STUDYKIT_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium for the browser tests (apt-get) ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
  [ -x "$CHROMIUM" ] && exit 0
  echo "apt-get could not install chromium." >&2
  exit 1
fi
echo "Browser tests need chromium at $CHROMIUM. Install it (Debian/Ubuntu: sudo apt-get install chromium)" >&2
echo "or point STUDYKIT_CHROMIUM at a Chromium binary. The browser tests will fail until then." >&2
exit 0
