// Defaults every entry point shares (CLI options, the agent, rollback, the
// generated Jenkins steps): defined here once.

/** Rollout (and job) timeout in seconds; 0 = none. */
export const DEFAULT_TIMEOUT_SECONDS = 300;
/** How long a deploy waits for another deploy of the same project. */
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 600;
/** Release revisions kept per project and namespace. */
export const DEFAULT_HISTORY_LIMIT = 10;
/** Requests in flight at once within an apply tier, a dry run or a LIST fan-out. */
export const DEFAULT_CONCURRENCY = 16;
