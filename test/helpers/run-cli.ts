/** Runs the built CLI as a user would, as a child process, and captures everything. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Report } from '../../src/domain/report';

export { packageRoot };

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'src', 'cli.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let validator: ((data: unknown) => boolean) & { errors?: unknown } | undefined;

/** Parses a --json report and checks it against schema/report.v1.schema.json. */
export function parseReport(stdout: string): Report {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const schema = JSON.parse(readFileSync(join(packageRoot(), 'schema', 'report.v1.schema.json'), 'utf8')) as object;
    validator = ajv.compile(schema);
  }
  const report = JSON.parse(stdout) as unknown;
  if (!validator(report)) throw new Error(`report does not match its schema: ${JSON.stringify(validator.errors)}`);
  return report as Report;
}
