import { expect } from 'vitest';
import { parseConfigText } from '../../src/daemon/config.js';
import { ConfigError } from '../../src/errors.js';

/** The problems a config text is refused with, one per line; fails unless it is refused. */
export function configProblems(text: string): string[] {
  try {
    parseConfigText(text, 'seamd.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    return (err as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}
