#!/bin/sh
# GENERATED FILE - do not edit. Made by `eastern library generate` from src/library/templates/deploy.sh.hbs.
# The only shell easternDeploy runs (libraryResource('eastern/deploy.sh')): constant text. Every
# value arrives in an environment variable set by withEnv and is expanded inside double quotes,
# never parsed as shell.
set -eu
rm -f "$EASTERN_RESULT_FILE"
if [ "${EASTERN_CLUSTER:-}" != "$EASTERN_TARGET_CLUSTER" ]; then
  echo "eastern: this node serves cluster '${EASTERN_CLUSTER:-none}', not '$EASTERN_TARGET_CLUSTER'" >&2
  echo "eastern: its agent runs: eastern agent start --config agents/$EASTERN_TARGET_CLUSTER.yaml" >&2
  exit 78
fi
set -- --output json --timeout "$EASTERN_TIMEOUT" "--name=$EASTERN_PROJECT"
i=0
while [ "$i" -lt "$EASTERN_VAR_COUNT" ]; do
  eval 'value=${EASTERN_VAR_'"$i"'}'
  set -- "$@" "--set=$value"
  i=$((i + 1))
done
if [ "$EASTERN_PRUNE" = true ]; then set -- "$@" --prune; fi
if [ "$EASTERN_ROLLBACK_ON_FAILURE" = true ]; then set -- "$@" --rollback-on-failure; fi
mkdir -p "$(dirname "$EASTERN_RESULT_FILE")"
exec "${EASTERN_BIN:-eastern}" deploy "$@" -- "$EASTERN_FILE" "$EASTERN_NAMESPACE" > "$EASTERN_RESULT_FILE"
