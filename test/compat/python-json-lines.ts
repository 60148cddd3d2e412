// One Python process of the reference's virtualenv, fed one JSON value per line on
// stdin, answering one JSON value per line on stdout: a process per question would
// cost ~0.3 s each.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { ensurePythonEastern } from '../../bench/lib/peers.mjs';
import { cleanEnv, repoRoot } from '../template/fixture-cases.js';

/** Runs test/compat/`script` with the reference's Python; resolves with its answers once it has given one per input. */
export function pythonJsonLines<T>(script: string, inputs: readonly unknown[], timeoutMs = 300_000): Promise<T[]> {
  const interpreter = join(dirname(ensurePythonEastern()), 'python');
  return new Promise((resolve, reject) => {
    const child = spawn(interpreter, [join(repoRoot, 'test', 'compat', script)], { env: cleanEnv({ PYTHONIOENCODING: 'utf-8' }), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const answers = stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
      if (answers.length !== inputs.length) reject(new Error(`${script} answered ${answers.length} of ${inputs.length} (exit ${code})\n${stderr.slice(0, 4000)}`));
      else resolve(answers);
    });
    child.stdin.end(inputs.map((i) => JSON.stringify(i)).join('\n') + '\n');
  });
}
