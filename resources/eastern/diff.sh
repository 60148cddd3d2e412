#!/bin/sh
# GENERATED FILE - do not edit. Made by `eastern library generate` from src/library/templates/diff.sh.hbs.
# The only shell easternDiff runs (libraryResource('eastern/diff.sh')): constant text. Every
# value arrives in an environment variable set by withEnv and is expanded inside double quotes,
# never parsed as shell.
set -eu
rm -f "$EASTERN_RESULT_FILE"
if [ "${EASTERN_CLUSTER:-}" != "$EASTERN_TARGET_CLUSTER" ]; then
  echo "eastern: this node serves cluster '${EASTERN_CLUSTER:-none}', not '$EASTERN_TARGET_CLUSTER'" >&2
  echo "eastern: its agent runs: eastern agent start --config agents/$EASTERN_TARGET_CLUSTER.yaml" >&2
  exit 78
fi
set -- "--name=$EASTERN_PROJECT"
i=0
while [ "$i" -lt "$EASTERN_VAR_COUNT" ]; do
  eval 'value=${EASTERN_VAR_'"$i"'}'
  set -- "$@" "--set=$value"
  i=$((i + 1))
done
if [ "$EASTERN_EXIT_CODE" = true ]; then set -- "$@" --exit-code; fi
exec "${EASTERN_BIN:-eastern}" diff "$@" -- "$EASTERN_FILE" "$EASTERN_NAMESPACE"
