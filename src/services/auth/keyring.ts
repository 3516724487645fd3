import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { randomToken } from '../../lib/ids.js';
import type { SecretBox } from '../../lib/secret-box.js';
import type { SigningKeysRepository } from './signing-keys-repository.js';

export const SIGNING_ALGORITHM = 'EdDSA';

export interface SigningKey {
  kid: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/** Another instance may have made a key we have not seen; a reload is allowed this often at most. */
const RELOAD_INTERVAL_MS = 5_000;

/**
 * The signing keys: generated on first start and kept in the database, private halves sealed
 * with SECRET_KEY, so every instance signs and verifies with the same keys across restarts.
 */
export function createKeyring(deps: { repository: SigningKeysRepository; secretBox: SecretBox; clock: Clock }) {
  const { repository, secretBox, clock } = deps;
  let keys: SigningKey[] = [];
  let lastLoad = 0;

  async function load(): Promise<void> {
    const rows = await repository.findUsable();
    keys = rows.map((row) => ({
      kid: row.kid,
      publicKey: createPublicKey(row.public_key),
      privateKey: createPrivateKey(secretBox.open(row.private_key_encrypted)),
    }));
    lastLoad = Date.now();
  }

  async function generate(): Promise<void> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    await repository.create({
      kid: randomToken(12),
      algorithm: SIGNING_ALGORITHM,
      public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      private_key_encrypted: secretBox.seal(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      created_at: clock.now().toISOString(),
      retired_at: null,
    });
  }

  return {
    /** Loads the keys, making the first one when the database has none. */
    async init(): Promise<void> {
      await load();
      if (keys.length > 0) return;
      await generate();
      await load();
    },

    /** The newest key signs. */
    current(): SigningKey {
      const key = keys[0];
      if (!key) throw new Error('Keyring used before init()');
      return key;
    },

    /** `kid` is only ever a lookup in our own set; an unknown one may trigger a throttled reload. */
    async find(kid: string): Promise<SigningKey | undefined> {
      const known = keys.find((key) => key.kid === kid);
      if (known || Date.now() - lastLoad < RELOAD_INTERVAL_MS) return known;
      await load();
      return keys.find((key) => key.kid === kid);
    },
  };
}

export type Keyring = ReturnType<typeof createKeyring>;
