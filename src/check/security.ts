// privileged, host-path, run-as-root: what lets a pod reach the node.
import { isPlainObject } from '../kube/objects.js';
import { podTemplates } from './objects.js';
import type { RawFinding, Rule } from './types.js';
import { finding } from './finding.js';

const securityContext = (v: Record<string, unknown>) => (isPlainObject(v.securityContext) ? v.securityContext : {});

export const security: Rule = {
  ids: ['privileged', 'host-path', 'run-as-root'],
  check({ objects }) {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      const pod = securityContext(t.spec);
      for (const c of t.containers) {
        const own = securityContext(c.value);
        const what = `${c.init ? 'init container' : 'container'} "${c.name}"`;
        if (own.privileged === true) {
          out.push(finding('privileged', t.owner, [...c.path, 'securityContext', 'privileged'], `${what} runs privileged`,
            'remove privileged: true and grant only the capabilities it needs (securityContext.capabilities.add)'));
        }
        // The container's own setting wins over the pod's, field by field.
        const user = own.runAsUser ?? pod.runAsUser;
        const nonRoot = own.runAsNonRoot ?? pod.runAsNonRoot;
        if (user === 0) {
          const path = own.runAsUser !== undefined ? [...c.path, 'securityContext', 'runAsUser'] : [...t.specPath, 'securityContext', 'runAsUser'];
          out.push(finding('run-as-root', t.owner, path, `${what} runs as root (runAsUser: 0)`, 'run as a non-zero user: set runAsUser to the image\'s application user and runAsNonRoot: true'));
        } else if (!(typeof user === 'number' && user > 0) && nonRoot !== true) {
          out.push(finding('run-as-root', t.owner, c.path, `${what} may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set`,
            'set securityContext.runAsNonRoot: true on the pod or the container (and runAsUser if the image does not name a non-root user)'));
        }
      }
      const volumes = t.spec.volumes;
      if (Array.isArray(volumes)) {
        volumes.forEach((v, i) => {
          if (!isPlainObject(v) || !isPlainObject(v.hostPath)) return;
          const path = typeof v.hostPath.path === 'string' ? ` (${v.hostPath.path})` : '';
          out.push(finding('host-path', t.owner, [...t.specPath, 'volumes', i, 'hostPath'], `volume "${String(v.name ?? i + 1)}" mounts the node's files${path}`,
            'use a persistentVolumeClaim, configMap, secret or emptyDir volume instead; a node agent that really needs the host must say why in check.eastern.io/host-path'));
        });
      }
    }
    return out;
  },
};
