// Any other kind: if it reports status.observedGeneration, wait for it to catch up;
// if it has a Ready condition, wait for it to be True (CustomResourceDefinitions:
// Established); otherwise it is done as soon as the API server holds it.
import { conditionOf, type Condition, type KubeObject } from './objects.js';
import { pending, succeeded, type RuleContext, type Verdict } from './verdict.js';

function waitingOn(condition: Condition): Verdict {
  const why = [condition.reason, condition.message].filter(Boolean).join(': ');
  return pending(`${condition.type} is ${condition.status ?? 'Unknown'}`, why ? [why] : []);
}

export function genericVerdict(object: KubeObject, _ctx?: RuleContext): Verdict {
  const status = object.status as { observedGeneration?: number } | undefined;
  const generation = object.metadata?.generation;
  if (typeof status?.observedGeneration === 'number' && generation !== undefined && status.observedGeneration < generation) {
    return pending(`waiting for its controller to pick up generation ${generation}`);
  }
  const established = object.kind === 'CustomResourceDefinition' ? conditionOf(status, 'Established') : undefined;
  if (established) return established.status === 'True' ? succeeded('established') : waitingOn(established);
  const ready = conditionOf(status, 'Ready');
  if (ready) return ready.status === 'True' ? succeeded('ready') : waitingOn(ready);
  return { ...succeeded('exists'), quiet: true };
}
