// `eastern agent manifest --config agents/X.yaml [--image IMG]`: the Kubernetes
// objects that run this agent inside its cluster, as YAML on stdout.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yaml from 'js-yaml';
import { agentManifest, formatManifest } from '../agent/manifest.js';
import { loadAgentFile } from '../agent/runtime.js';
import { processIo, type Io } from '../output/logger.js';

export interface AgentManifestOptions {
  cwd: string;
  config: string;
  image?: string;
  io?: Io;
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Used when --image is not given: build it from the README's Dockerfile. */
export const defaultImage = `eastern-agent:${pkg.version}`;

export async function run(options: AgentManifestOptions): Promise<number> {
  const io = options.io ?? processIo;
  const agent = loadAgentFile(options.config, options.cwd);
  const document = yaml.load(readFileSync(resolve(options.cwd, options.config), 'utf8'), { schema: yaml.CORE_SCHEMA }) as Record<string, unknown>;
  const manifest = agentManifest({ agent, document, image: options.image ?? defaultImage });
  io.stdout.write(formatManifest(manifest));
  return 0;
}
