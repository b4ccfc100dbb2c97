#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright (`playwright install` cannot download its
# own browser on locked-down machines). Install it when missing and we may; otherwise say how.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Chromium (Debian package) for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "Chromium is needed for the browser tests: 'sudo apt-get install chromium'," \
     "or set CHROMIUM_PATH to a Chromium/Chrome binary." >&2
exit 1
