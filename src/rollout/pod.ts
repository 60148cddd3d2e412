// A bare Pod: done when Ready (a server) or Succeeded (a task); failed when it
// Failed for any reason (no controller will replace it) or is doomed.
import { describePod, diagnosePod } from './doomed-pod.js';
import type { Pod } from './objects.js';
import { failed, pending, succeeded, type RuleContext, type Verdict } from './verdict.js';

export function podVerdict(pod: Pod, ctx: RuleContext): Verdict {
  const d = diagnosePod(pod, ctx);
  if (d.phase === 'Succeeded') return succeeded('completed');
  if (d.ready) return succeeded('ready');
  if (d.phase === 'Failed') return failed(d.summary, [describePod(d)], [d]);
  if (d.doomed) return failed(d.summary, [describePod(d)], [d]);
  return pending(d.summary, d.summary === d.phase ? [] : [describePod(d)], [d], d.recheckAt);
}
