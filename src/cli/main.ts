// The CLI only parses arguments and calls a lazily imported command function, so
// `eastern generate` never loads the Kubernetes client.
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { ExitCode, UsageError, toReport } from '../errors.js';
import { DEFAULT_HISTORY_LIMIT, DEFAULT_LOCK_TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS } from '../deploy/defaults.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function seconds(name: string, unit = 'seconds') {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n)) {
      throw new UsageError(`${name} takes a number of ${unit}, got "${value}"`);
    }
    return n;
  };
}

function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${name} takes a whole number ≥ 1, got "${value}"`);
    return Number(value);
  };
}

/** Options accepted before or after the command name (`eastern -c kube2 deploy …` or `eastern deploy … -c kube2`). */
function globalOptions(cmd: Command, outputs: readonly string[] = ['text', 'json']): Command {
  return cmd
    .option('-c, --context <ctx>', 'kubeconfig context')
    .option('--kubeconfig <path>', 'kubeconfig file (else $KUBECONFIG, ~/.kube/config, in-cluster)')
    .addOption(new Option('--kubectl <path>', 'accepted and ignored (Python eastern compatibility)').hideHelp())
    .option('-v, --verbose', 'more detail in progress and errors')
    .addOption(new Option('--verbosity <level>', 'Python eastern compatibility: DEBUG or INFO mean --verbose').hideHelp())
    .addOption(new Option('--output <format>', 'output format').choices(outputs));
}

/** Where check levels come from (eastern check, eastern deploy). */
function levelOptions(cmd: Command): Command {
  return cmd
    .option('--environment <env>', 'environment whose check levels apply (default: $EASTERN_ENVIRONMENT, set by the Jenkins steps)')
    .option('--agents <path>', 'fleet folder or agent file holding the levels (default: $EASTERN_AGENT_FILE, set by eastern agent)');
}

function templateOptions(cmd: Command): Command {
  return cmd
    .option('-s, --set <KEY=VALUE>', 'set a template variable (repeatable, later wins)', collect, [])
    .option('--root <dir>', 'directory that partials must stay inside (default: git work tree, else the template folder)')
    .option('--allow-undefined', 'leave undefined ${VAR} as written (with a warning) instead of failing');
}

type Opts = Record<string, unknown>;

/** Runs a command module's `run` function with the merged options. */
function action(load: () => Promise<{ run: (options: any) => Promise<number | void> }>, shape: (args: unknown[], opts: Opts) => Opts) {
  return async (...raw: unknown[]) => {
    const cmd = raw[raw.length - 1] as Command;
    const args = raw.slice(0, -2);
    const opts = cmd.optsWithGlobals() as Opts;
    if (typeof opts.verbosity === 'string' && /^(debug|info)$/i.test(opts.verbosity)) opts.verbose = true;
    const options = { cwd: process.cwd(), env: process.env, ...shape(args, opts) };
    // Inside a build on an agent node, deploy/generate/render go through the agent's warm
    // process (same output and exit code); the client returns undefined to run standalone.
    if (process.env.EASTERN_AGENT && !process.env.EASTERN_NO_AGENT && ['deploy', 'generate', 'render'].includes(cmd.name())) {
      const { runViaAgent } = await import('../agent/client.js');
      const viaAgent = await runViaAgent(cmd.name(), options);
      if (viaAgent !== undefined) {
        process.exitCode = viaAgent;
        return;
      }
    }
    const mod = await load();
    const code = await mod.run(options);
    if (typeof code === 'number') process.exitCode = code;
  };
}

export function buildProgram(): Command {
  const program = globalOptions(new Command('eastern'))
    .description('Deploy Kubernetes manifests from Jenkins to many clusters')
    .version(pkg.version, '--version')
    .helpOption('-h, --help')
    .showSuggestionAfterError(true)
    // Options after the command name belong to the command (which repeats the global ones), so `status -c a -c b` keeps both.
    .enablePositionalOptions()
    .exitOverride();

  const generate = (name: string) =>
    templateOptions(globalOptions(program.command(name)))
      .description(name === 'generate'
        ? 'render a template to stdout (Python eastern compatible); NAMESPACE defaults to "default"'
        : 'render templates to stdout; -f may repeat (documents joined with ---)')
      .argument('[FILE]', 'top-level template')
      .argument('[NAMESPACE]', 'target namespace, available as ${NAMESPACE}')
      .option('-f, --file <file>', 'template to render (repeatable)', collect, [])
      .option('-n, --namespace <ns>', 'namespace for -f files')
      .action(action(() => import('../commands/generate.js'), ([file, namespace], o) => ({ ...o, positional: { file, namespace } })));
  generate('generate');
  generate('render');

  const deploy = templateOptions(globalOptions(program.command('deploy')))
    .description('render, validate, dry-run, apply, wait for rollout and record the release')
    .argument('<FILE>', 'top-level template')
    .argument('[NAMESPACE]', 'target namespace', 'default')
    .option('--timeout <seconds>', 'rollout timeout, 0 = none', seconds('--timeout'), DEFAULT_TIMEOUT_SECONDS)
    .option('--no-wait', 'return once the objects are applied')
    .option('--dry-run', 'server-side dry run only; print the diff')
    .option('--prune', 'delete objects of this project that the previous revision had and this one does not')
    .option('--name <project>', 'project name (default: the template directory name)')
    .option('--rollback-on-failure', 're-apply the previous good revision when the rollout fails')
    .option('--lock-timeout <seconds>', 'how long to wait for another deploy of the project', seconds('--lock-timeout'), DEFAULT_LOCK_TIMEOUT_SECONDS)
    .option('--force-conflicts', 'take over fields owned by other field managers')
    .option('--take-over', 'deploy objects that belong to another Eastern project, moving them to this one')
    .option('--history-limit <n>', 'release revisions kept per project and namespace', positiveInt('--history-limit'), DEFAULT_HISTORY_LIMIT)
    .option('-e, --edit', 'edit the rendered manifest in $EDITOR first (only on a terminal)');
  levelOptions(deploy).action(action(() => import('../commands/deploy.js'), ([file, namespace], o) => ({ ...o, file, namespace })));

  const check = templateOptions(globalOptions(program.command('check'), ['text', 'json', 'sarif']))
    .description('check the rendered objects against workload policies (and a Kubernetes version), each finding at its template file:line')
    .argument('[FILE]', 'top-level template')
    .argument('[NAMESPACE]', 'target namespace, available as ${NAMESPACE}')
    .option('-f, --file <file>', 'template to check (repeatable; each is its own project)', collect, [])
    .option('-n, --namespace <ns>', 'namespace for -f files')
    .option('--kubernetes <version>', 'also flag apiVersions that this Kubernetes version no longer serves or has deprecated, e.g. 1.33');
  levelOptions(check).action(action(() => import('../commands/check.js'), ([file, namespace], o) => ({ ...o, positional: { file, namespace } })));

  globalOptions(program.command('upgrade-check'))
    .description('the released projects, objects and template lines that would break on another Kubernetes version')
    .argument('[NAMESPACE...]', 'namespaces (default: every namespace with Eastern releases)')
    .option('--to <version>', 'target Kubernetes version, e.g. 1.33 (the removals table decides)')
    .option('--to-context <ctx>', 'a cluster already on the target version (its discovery decides)')
    .option('--all-contexts', 'check every context of the kubeconfig (except --to-context)')
    .action(action(() => import('../commands/upgrade-check.js'), ([namespaces], o) => ({ ...o, namespaces })));

  templateOptions(globalOptions(program.command('job')))
    .description('run the Job in FILE named with TAG, stream its log, wait, delete it (Python eastern compatible)')
    .argument('<FILE>', 'template containing one Job')
    .argument('<NAMESPACE>', 'target namespace')
    .argument('<TAG>', 'image tag: suffix of the Job name and ${IMAGE_TAG}')
    .option('--timeout <seconds>', 'job timeout, 0 = none', seconds('--timeout'), DEFAULT_TIMEOUT_SECONDS)
    .option('--name <project>', 'project name (default: the template directory name)')
    .option('--lock-timeout <seconds>', 'how long to wait for a deploy of the same project', seconds('--lock-timeout'), DEFAULT_LOCK_TIMEOUT_SECONDS)
    .option('-e, --edit', 'edit the rendered manifest in $EDITOR first (only on a terminal)')
    .action(action(() => import('../commands/job.js'), ([file, namespace, tag], o) => ({ ...o, file, namespace, tag })));

  templateOptions(globalOptions(program.command('diff')))
    .description('what a deploy would change, and drift made by others since the last release')
    .argument('<FILE>', 'top-level template')
    .argument('[NAMESPACE]', 'target namespace', 'default')
    .option('--name <project>', 'project name (default: the template directory name)')
    .option('--exit-code', 'exit 1 when there are differences (drift gate)')
    .action(action(() => import('../commands/diff.js'), ([file, namespace], o) => ({ ...o, file, namespace })));

  globalOptions(program.command('history'))
    .description('release revisions of a project: time, build, commit, outcome')
    .argument('<PROJECT>', 'project name')
    .argument('[NAMESPACE]', 'namespace', 'default')
    .action(action(() => import('../commands/history.js'), ([project, namespace], o) => ({ ...o, project, namespace })));

  globalOptions(program.command('rollback'))
    .description('re-apply a previous revision as a new revision, then wait')
    .argument('<PROJECT>', 'project name')
    .argument('[NAMESPACE]', 'namespace', 'default')
    .option('--to <revision>', 'revision to restore (default: the last good one before the current)', positiveInt('--to'))
    .option('--timeout <seconds>', 'rollout timeout, 0 = none', seconds('--timeout'), DEFAULT_TIMEOUT_SECONDS)
    .option('--no-wait', 'return once the objects are applied')
    .option('--lock-timeout <seconds>', 'how long to wait for another deploy of the project', seconds('--lock-timeout'), DEFAULT_LOCK_TIMEOUT_SECONDS)
    .option('--prune', 'delete objects of this project that the restored revision does not have')
    .option('--take-over', 'restore objects that another Eastern project took meanwhile, moving them back')
    .action(action(() => import('../commands/rollback.js'), ([project, namespace], o) => ({ ...o, project, namespace })));

  globalOptions(program.command('export'))
    .description('live objects of a namespace as clean manifests, one file per object, for review and migration')
    .argument('<NAMESPACE>', 'namespace to export')
    .option('--kinds <list>', 'comma-separated kinds to export (default: every listable namespaced kind)')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web')
    .option('--out <dir>', 'folder to write kind-name.yaml files and a kubernetes.yaml that loads them (default: stdout)')
    .option('--include-secrets', 'also export Secrets (values are written in clear to the files)')
    .action(action(() => import('../commands/export.js'), ([namespace], o) => ({ ...o, namespace })));

  globalOptions(program.command('drift'))
    .description('for every project released by Eastern in the namespaces, whether live objects still match the last release')
    .argument('[NAMESPACE...]', 'namespaces (default: every namespace with Eastern releases)')
    .option('--exit-code', 'exit 1 when any project drifted')
    .action(action(() => import('../commands/drift.js'), ([namespaces], o) => ({ ...o, namespaces })));

  globalOptions(program.command('watch'))
    .description('the agent\'s watchman in the foreground: one message per failing workload, naming the release that changed it last, until Ctrl-C')
    .argument('[NAMESPACE...]', 'namespaces to watch (default: all but kube-*, or the agent file\'s namespaces)')
    .option('--config <file>', 'agent file whose name, environments, namespaces and notify: section apply')
    .option('--slack-webhook-env <VAR>', 'environment variable holding a Slack incoming-webhook URL')
    .option('--webhook-url-env <VAR>', 'environment variable holding a JSON webhook URL (payload eastern.io/notification/v1)')
    .option('--reminder <minutes>', 'remind of a still-open incident after this long (default 60; 0.5 = 30 s)', seconds('--reminder', 'minutes'))
    .option('--resolve-after <seconds>', 'healthy this long: resolved (default 60)', seconds('--resolve-after'))
    .option('--state-namespace <ns>', 'namespace of the ConfigMap keeping open incidents (default: default)')
    .option('--no-nodes', 'do not watch nodes (no cluster-wide read access to nodes)')
    .action(action(() => import('../commands/watch.js'), ([namespaces], o) => ({ ...o, namespaces })));

  // Not globalOptions: --context repeats here and --output also takes `table`.
  program.command('status')
    .description('what runs where: every Eastern release in the chosen clusters, its health and drift, and the fleet view; --serve for a read-only page')
    .argument('[PROJECT]', 'only this project')
    .option('-c, --context <ctx>', 'kubeconfig context to read (repeatable; default: the clusters of agents/*.yaml, else the current context)', collect, [])
    .option('--all-contexts', 'read every context of the kubeconfig')
    .option('--kubeconfig <path>', 'kubeconfig file (else $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('--agents <dir>', 'fleet folder naming clusters and environments (default: agents/ when it exists)')
    .option('--timeout <seconds>', 'how long one cluster may take before it is shown unreachable', seconds('--timeout'), 10)
    .addOption(new Option('--output <format>', 'output format').choices(['table', 'text', 'json']))
    .option('--serve', 'serve a read-only status page instead (Ctrl-C stops it)')
    .option('--listen <host:port>', 'address of the page (default 127.0.0.1:8080; other than loopback needs EASTERN_STATUS_TOKEN or EASTERN_STATUS_USER/EASTERN_STATUS_PASSWORD)')
    .option('--refresh <seconds>', 'how often the page re-reads the clusters (default 15)', seconds('--refresh'))
    .option('-v, --verbose', 'more detail in progress and errors')
    .addOption(new Option('--kubectl <path>', 'accepted and ignored (Python eastern compatibility)').hideHelp())
    .action(action(() => import('../commands/status.js'), ([project], o) => ({ ...o, project })));

  const agent = program.command('agent').description('the Eastern agent on a Jenkins Swarm node');
  globalOptions(agent.command('start'))
    .description('check the cluster, serve the local API and supervise the Swarm client')
    .requiredOption('--config <file>', 'agent definition, e.g. agents/kube1.yaml')
    .action(action(() => import('../commands/agent-start.js'), (_a, o) => o));
  globalOptions(agent.command('manifest'))
    .description('ServiceAccount, RBAC and Deployment that run this agent inside its cluster')
    .requiredOption('--config <file>', 'agent definition, e.g. agents/kube1.yaml')
    .option('--image <image>', 'container image holding eastern and the Swarm client')
    .action(action(() => import('../commands/agent-manifest.js'), (_a, o) => o));

  const library = program.command('library').description('the generated Jenkins shared library');
  globalOptions(library.command('generate'))
    .description('write (or --check) vars/ and resources/ from agents/')
    .option('--agents <dir>', 'fleet definition folder', 'agents')
    .option('--out <dir>', 'library root to write into', '.')
    .option('--check', 'exit 1 with a diff when the files on disk are stale')
    .action(action(() => import('../commands/library-generate.js'), (_a, o) => o));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      // Commander already printed its message.
      process.stderr.write(`fix: see 'eastern ${argv[0] && !argv[0].startsWith('-') ? argv[0] + ' ' : ''}--help'\n`);
      return ExitCode.usage;
    }
    const verbose = argv.includes('-v') || argv.includes('--verbose');
    const { exitCode, text } = toReport(error, verbose);
    process.stderr.write(text + '\n');
    return exitCode;
  }
}
