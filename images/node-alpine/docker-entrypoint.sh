#!/bin/sh
# Same contract as the official image's entrypoint: arguments that start with "-", or whose first
# word is not a command (or is a non-executable file), are run by node; anything else is exec'd.
set -e
first="${1:-}"
if [ "${first#-}" != "$first" ] || [ -z "$(command -v "$first" 2>/dev/null)" ] || { [ -f "$first" ] && ! [ -x "$first" ]; }; then
  set -- node "$@"
fi
exec "$@"
