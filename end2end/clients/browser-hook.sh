#!/bin/sh
# The "browser" of clients that open one through `open`/xdg-open/webbrowser ($BROWSER): appends the
# URL to $BROWSER_HOOK_FILE, where the spec picks it up and opens it in Playwright's Chromium.
printf '%s\n' "$1" >> "$BROWSER_HOOK_FILE"
exit 0
