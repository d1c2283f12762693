#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the browser tests (blog, debug page, /docs)
# when they are missing and this machine can install them; otherwise those tests skip with
# their reason. Called by `make test`, so CI on a fresh machine gets them too.
set -u
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium and chromium-driver for the browser tests..."
  apt-get update -qq >/dev/null && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
    || echo "Could not install chromium: the browser tests will skip." >&2
else
  echo "chromium is not installed (apt-get install chromium chromium-driver): the browser tests will skip." >&2
fi
exit 0
