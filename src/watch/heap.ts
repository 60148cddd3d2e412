// Its own module, importing nothing of Eastern's, so that a test can set the flag
// before loading anything else grows the young generation.
import { setFlagsFromString } from 'node:v8';

/**
 * Stops V8's young generation growing past the size it has when this is called (1 MiB
 * semi-spaces in a fresh process), for the rest of the process. The watchman decodes
 * a stream of watch events: V8 grows the young generation to 3 × 16 MiB (Node 20;
 * 3 × 32 MiB on Node 24) under that allocation rate and never returns it, which was most of the watchman's memory above idle
 * (bench/watch: 56 MiB with 1,000 pods and 100 open incidents, 25 MiB without the
 * growth). --max-semi-space-size only works at process start; the growth factor is
 * read at each growth, so setting it here works in a running process. Deploys in
 * the same process (the agent's) measured no slower with it.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
