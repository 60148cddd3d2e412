// Worker thread for fuzz.test.ts: renders one generated tree per message, so the
// main thread can bound each run with a time limit (render is synchronous).
import { parentPort } from 'node:worker_threads';
import { TemplateError } from '../../src/errors.js';
import { parseManifest, render, validateManifest } from '../../src/template/index.js';

export interface FuzzJob {
  file: string;
  root: string;
  cwd: string;
  variables: Record<string, string>;
  allowUndefined: boolean;
}

export interface FuzzReply {
  ok: boolean;
  text?: string;
  sourceMap?: { file: string; line: number }[];
  files?: string[];
  documents?: number;
  manifestError?: { templateError: boolean; name: string; message: string };
  validateError?: { templateError: boolean; name: string; message: string };
  error?: { templateError: boolean; name: string; message: string; stack?: string };
}

function describe(error: unknown) {
  const e = error instanceof Error ? error : new Error(String(error));
  return { templateError: error instanceof TemplateError, name: e.name, message: e.message, ...(e.stack !== undefined && { stack: e.stack }) };
}

parentPort?.on('message', (job: FuzzJob) => {
  let reply: FuzzReply;
  try {
    const warnings: string[] = [];
    const r = render({ ...job, onWarning: (m) => warnings.push(m) });
    reply = { ok: true, text: r.text, sourceMap: r.sourceMap.toArray().map((l) => ({ file: l.file, line: l.line })), files: r.files };
    try {
      reply.documents = parseManifest(r, job.cwd).length;
    } catch (error) {
      reply.manifestError = describe(error);
    }
    try {
      validateManifest(r, job.cwd);
    } catch (error) {
      reply.validateError = describe(error);
    }
  } catch (error) {
    reply = { ok: false, error: describe(error) };
  }
  parentPort?.postMessage(reply);
});

// Tells the test the module is loaded and listening.
parentPort?.postMessage({ ready: true });
