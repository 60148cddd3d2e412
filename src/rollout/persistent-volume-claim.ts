// PersistentVolumeClaim: Bound succeeds, Lost fails. A Pending claim whose storage
// class binds on first use (WaitForFirstConsumer) is accepted, because it cannot
// bind until a pod of this very rollout mounts it.
import type { PersistentVolumeClaim } from './objects.js';
import { failed, pending, succeeded, type RuleContext, type Verdict } from './verdict.js';

export function persistentVolumeClaimVerdict(claim: PersistentVolumeClaim, ctx: RuleContext): Verdict {
  const phase = claim.status?.phase ?? 'Pending';
  if (phase === 'Bound') return succeeded(`bound${claim.spec?.volumeName ? ` to ${claim.spec.volumeName}` : ''}`);
  if (phase === 'Lost') return failed('Lost: its PersistentVolume no longer exists', [`claim ${claim.metadata?.name ?? ''} lost volume ${claim.spec?.volumeName ?? '?'}`]);
  const className = claim.spec?.storageClassName;
  // "" means "no class": only a pre-provisioned volume can bind it.
  const storageClass = className === '' ? undefined : ctx.storageClass?.(className);
  if (storageClass?.volumeBindingMode === 'WaitForFirstConsumer') {
    return succeeded(`pending until a pod uses it (storage class ${storageClass.metadata?.name ?? ''} binds on first use)`);
  }
  return pending(`${phase}, not bound yet`, className ? [`storage class ${className}`] : []);
}
