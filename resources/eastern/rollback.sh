#!/bin/sh
# GENERATED FILE - do not edit. Made by `eastern library generate` from src/library/templates/rollback.sh.hbs.
# The only shell easternRollback runs (libraryResource('eastern/rollback.sh')): constant text. Every
# value arrives in an environment variable set by withEnv and is expanded inside double quotes,
# never parsed as shell.
set -eu
rm -f "$EASTERN_RESULT_FILE"
if [ "${EASTERN_CLUSTER:-}" != "$EASTERN_TARGET_CLUSTER" ]; then
  echo "eastern: this node serves cluster '${EASTERN_CLUSTER:-none}', not '$EASTERN_TARGET_CLUSTER'" >&2
  echo "eastern: its agent runs: eastern agent start --config agents/$EASTERN_TARGET_CLUSTER.yaml" >&2
  exit 78
fi
set -- --output json --timeout "$EASTERN_TIMEOUT"
if [ -n "${EASTERN_TO_REVISION:-}" ]; then set -- "$@" "--to=$EASTERN_TO_REVISION"; fi
mkdir -p "$(dirname "$EASTERN_RESULT_FILE")"
exec "${EASTERN_BIN:-eastern}" rollback "$@" -- "$EASTERN_PROJECT" "$EASTERN_NAMESPACE" > "$EASTERN_RESULT_FILE"
