import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config.js';

/** Passes the strength rule; distinct from TEST_SECRET so a test can tell which one is in use. */
export const STRONG_SECRET = 'k7-Qz!pW2#vX9@mR4$tY6^bN8&cJ1*hL3(gF5)dS0';

/** loadConfig throws a ConfigError whose message names `name` and contains none of `secrets`. */
export function assertConfigError(run: () => unknown, name: string, secrets: string[] = []): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
    assert.equal(error.name, 'ConfigError');
    assert.match(error.message, new RegExp(name));
    for (const secret of secrets) assert.ok(!error.message.includes(secret), `the message must not contain ${JSON.stringify(secret)}`);
    return true;
  });
}
