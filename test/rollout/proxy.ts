// A TCP proxy in front of an API server, so a test can cut every connection the
// way a load balancer or a flaky network does (TLS passes through untouched).
import * as net from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';

export interface Proxy {
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Destroys every open connection (both sides); returns how many. */
  dropAll(): number;
  close(): Promise<void>;
}

export async function startProxy(server: string): Promise<Proxy> {
  const upstream = new URL(server);
  const open = new Set<net.Socket>();
  let accepted = 0;
  const proxy = net.createServer((client) => {
    accepted += 1;
    const remote = net.connect(Number(upstream.port || 443), upstream.hostname);
    open.add(client);
    open.add(remote);
    const forget = () => { open.delete(client); open.delete(remote); client.destroy(); remote.destroy(); };
    client.on('error', forget).on('close', forget);
    remote.on('error', forget).on('close', forget);
    client.pipe(remote);
    remote.pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as net.AddressInfo).port;
  return {
    url: `${upstream.protocol}//127.0.0.1:${port}`,
    connections: () => accepted,
    dropAll: () => {
      const n = open.size / 2;
      for (const s of [...open]) s.destroy();
      return n;
    },
    close: () => new Promise((resolve) => {
      for (const s of open) s.destroy();
      proxy.close(() => resolve());
    }),
  };
}

/** The same kubeconfig, with the current cluster reached through `url`. */
export async function throughProxy(kc: KubeConfig, url: string): Promise<KubeConfig> {
  const k8s = await import('@kubernetes/client-node');
  const copy = new k8s.KubeConfig();
  const current = kc.getCurrentCluster()?.name;
  copy.loadFromOptions({
    clusters: kc.clusters.map((c) => (c.name === current ? { ...c, server: url } : c)),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.getCurrentContext(),
  });
  return copy;
}
