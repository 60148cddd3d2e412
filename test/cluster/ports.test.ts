// The local clusters' ports: a CI run once failed because KWOK's port (46250) was
// taken by an outgoing connection's local end between up()'s free-port check and
// KWOK's bind. Ports in the kernel's ephemeral range can be taken that way at any
// moment, so every block the test runner may choose lies below it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error plain ES module without types
import { PORT_BASES, clusterPorts, ephemeralPortRange } from './cluster.mjs';

const LINUX_DEFAULT = { low: 32768, high: 60999 };

test('every port block the runner may use lies outside the ephemeral range', () => {
  const ranges = [LINUX_DEFAULT, ephemeralPortRange()].filter(Boolean) as { low: number; high: number }[];
  for (const base of PORT_BASES as number[]) {
    for (const port of clusterPorts(base) as number[]) {
      for (const r of ranges) {
        assert.ok(port < r.low || port > r.high, `port ${port} (block ${base}) lies in the ephemeral range ${r.low}-${r.high}`);
      }
    }
  }
});

test('the blocks do not overlap each other and stay within one block of 300', () => {
  const seen = new Set<number>();
  for (const base of PORT_BASES as number[]) {
    const ports = clusterPorts(base) as number[];
    assert.equal(new Set(ports).size, ports.length, `block ${base} repeats a port`);
    for (const port of ports) {
      assert.ok(port > base && port < base + 300, `port ${port} outside block ${base}`);
      assert.not.ok(seen.has(port), `port ${port} is in two blocks`);
      seen.add(port);
    }
  }
});

test.run();
