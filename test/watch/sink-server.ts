// A real HTTP server on loopback standing in for Slack and webhook receivers: it
// records every POST (path, time, parsed body) and answers per path as told (200,
// a status a few times, or never).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  at: number;
  text: string;
  body: any;
}

type Behaviour = { fail?: number; status?: number; hang?: boolean };

export interface SinkServer {
  url(path: string): string;
  received: Received[];
  /** Received on a path (answered or not). */
  on(path: string): Received[];
  behave(path: string, behaviour: Behaviour): void;
  close(): Promise<void>;
}

export async function startSinkServer(): Promise<SinkServer> {
  const received: Received[] = [];
  const behaviours = new Map<string, Behaviour>();
  const hanging: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      received.push({ path, at: Date.now(), text, body });
      const b = behaviours.get(path);
      if (b?.hang) {
        hanging.push(res);
        return;
      }
      if (b?.fail && b.fail > 0) {
        b.fail -= 1;
        res.writeHead(b.status ?? 500).end('failing on purpose');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    on: (path) => received.filter((r) => r.path === path),
    behave: (path, b) => void behaviours.set(path, { ...b }),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}
