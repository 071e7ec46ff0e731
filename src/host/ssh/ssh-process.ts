/**
 * One ssh client process whose stdout is consumed as a byte stream (file reads), with
 * stderr captured (capped) for the error words, and a kill for readers that stop early.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

const MAX_STDERR = 64 * 1024;

export interface StreamingSsh {
  stdout: Readable;
  finished: Promise<{ code: number | null; signal: string | null; stderr: string; spawnError?: string }>;
  kill(): void;
}

export function spawnStreaming(sshProgram: string, argv: readonly string[]): StreamingSsh {
  const child = spawn(sshProgram, [...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
  let stderr = '';
  let spawnError: string | undefined;
  child.stderr.on('data', (b: Buffer) => {
    if (stderr.length < MAX_STDERR) stderr += b.toString('utf8');
  });
  child.on('error', (e: NodeJS.ErrnoException) => {
    spawnError = e.code ?? e.message;
  });
  const finished = new Promise<{ code: number | null; signal: string | null; stderr: string; spawnError?: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr, ...(spawnError ? { spawnError } : {}) }));
  });
  return {
    stdout: child.stdout,
    finished,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
