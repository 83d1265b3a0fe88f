/**
 * `seamd hash-password`: reads a password on stdin (the first line) and prints the scrypt hash
 * that goes into `http.users[].password`, so the password itself is never in a config file or on
 * a command line.
 */
import type { Command } from 'commander';
import { hashPassword } from '../telemetry/access.js';
import { CliExit, EXIT_USAGE } from './exit.js';

export interface HashPasswordContext {
  readonly deps: { stdout: (text: string) => void };
  /** The text on stdin (default: process.stdin to its end). */
  readonly readStdin?: () => Promise<string>;
}

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerHashPassword(program: Command, ctx: HashPasswordContext): void {
  program
    .command('hash-password')
    .summary('print the hash of a password read on stdin, for http.users')
    .description(
      'Read a password on stdin (its first line) and print the scrypt hash to put in ' +
        'http.users[].password, e.g. `read -s P; echo "$P" | seamd hash-password`.',
    )
    .action(async () => {
      const text = await (ctx.readStdin ?? readAll)();
      const password = text.split(/\r?\n/)[0] ?? '';
      if (password === '')
        throw new CliExit(EXIT_USAGE, 'seamd hash-password: no password on stdin');
      ctx.deps.stdout(`${hashPassword(password)}\n`);
    });
}
