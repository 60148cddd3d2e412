// Service: ready when its EndpointSlices hold at least one ready endpoint, since
// that is when traffic can flow. ExternalName services and services without a
// selector (endpoints managed by someone else) are accepted as they are, and so is
// a service whose pods come from a workload of this rollout scaled to zero.
import type { EndpointSlice, Service } from './objects.js';
import { pending, succeeded, type RuleContext, type Verdict } from './verdict.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function slicesOf(service: Service, slices: readonly EndpointSlice[]): EndpointSlice[] {
  const name = service.metadata?.name;
  return slices.filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === name);
}

export function serviceVerdict(service: Service, ctx: RuleContext): Verdict {
  const spec = service.spec ?? {};
  if (spec.type === 'ExternalName') return succeeded('ExternalName');
  const selector = spec.selector ?? {};
  if (Object.keys(selector).length === 0) return succeeded('no selector (endpoints are managed elsewhere)');
  const selects = (labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  if ((ctx.scaledToZero ?? []).some(selects)) return succeeded('selects a workload scaled to 0');
  let ready = 0;
  let notReady = 0;
  for (const slice of slicesOf(service, ctx.endpointSlices)) {
    for (const endpoint of slice.endpoints ?? []) {
      // A nil ready condition means ready (EndpointSlice API); publishNotReadyAddresses serves all.
      if (endpoint.conditions?.ready !== false || spec.publishNotReadyAddresses) ready += 1;
      else notReady += 1;
    }
  }
  if (ready > 0) return succeeded(`${ready} endpoint${ready === 1 ? '' : 's'} ready`);
  const selectorText = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  return pending(notReady > 0 ? `${notReady} endpoint${notReady === 1 ? '' : 's'}, none ready` : 'no endpoints yet',
    [`selector ${selectorText} matches no ready pod`]);
}
