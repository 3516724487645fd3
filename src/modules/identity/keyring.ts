import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { randomToken } from '../../lib/ids.js';
import type { SecretBox } from '../../lib/secret-box.js';
import type { SigningKeysRepository } from './signing-keys-repository.js';

export const SIGNING_ALGORITHM = 'EdDSA';

export interface PublicJwk {
  kid: string;
  kty: string;
  crv: string;
  x: string;
  alg: string;
  use: string;
}

export interface SigningKey {
  kid: string;
  /** Epoch ms after which the key verifies nothing; null while it is open-ended. */
  retiresAt: number | null;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/** Another instance may have made a key we have not seen; a reload is allowed this often at most. */
const RELOAD_INTERVAL_MS = 5_000;
/** Even without a miss, the set is re-read this often, so a rotation elsewhere reaches every signer. */
const REFRESH_INTERVAL_MS = 60_000;

/**
 * The signing keys: generated on first start and kept in the database, private halves sealed
 * with SECRET_KEY, so every instance signs and verifies with the same keys across restarts.
 */
export function createKeyring(deps: { repository: SigningKeysRepository; secretBox: SecretBox; clock: Clock }) {
  const { repository, secretBox, clock } = deps;
  let keys: SigningKey[] = [];
  let lastLoad = 0;
  let loadedVersion = '';

  async function load(): Promise<void> {
    const version = await repository.version();
    const rows = await repository.findUsable(clock.now().toISOString());
    keys = rows.map((row) => ({
      kid: row.kid,
      retiresAt: row.retired_at === null ? null : Date.parse(row.retired_at),
      publicKey: createPublicKey(row.public_key),
      privateKey: createPrivateKey(secretBox.open(row.private_key_encrypted)),
    }));
    // The signer is the newest open-ended key, even when a rotation shares its millisecond with the last.
    keys.sort((a, b) => Number(a.retiresAt !== null) - Number(b.retiresAt !== null));
    lastLoad = Date.now();
    loadedVersion = version;
  }

  async function generate(): Promise<string> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const kid = randomToken(12);
    await repository.create({
      kid,
      algorithm: SIGNING_ALGORITHM,
      public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      private_key_encrypted: secretBox.seal(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      created_at: clock.now().toISOString(),
      retired_at: null,
    });
    return kid;
  }

  return {
    /** Loads the keys, making the first one when the database has none. */
    async init(): Promise<void> {
      await load();
      if (keys.length > 0) return;
      await generate();
      await load();
    },

    /**
     * Makes a new signing key. The older keys keep verifying until `retireAfterMs` has passed
     * (the longest lifetime of a token they signed), then they are retired.
     */
    async rotate(retireAfterMs: number): Promise<string> {
      const kid = await generate();
      await repository.retireOthers(kid, new Date(clock.now().getTime() + retireAfterMs).toISOString());
      await load();
      return kid;
    },

    /** Re-reads the key set (another instance rotated, or a key retired). */
    reload: load,

    /** Reloads only when the key set changed since the last load: one small query. */
    async sync(): Promise<void> {
      if ((await repository.version()) !== loadedVersion) await load();
    },

    /** The public halves, as a JWK Set (RFC 7517): never a private part. */
    publicJwks(): { keys: PublicJwk[] } {
      const now = clock.now().getTime();
      return {
        keys: keys
          .filter((key) => key.retiresAt === null || key.retiresAt > now)
          .map((key) => {
            const { kty = 'OKP', crv = 'Ed25519', x = '' } = key.publicKey.export({ format: 'jwk' });
            return { kid: key.kid, kty, crv, x, alg: SIGNING_ALGORITHM, use: 'sig' };
          }),
      };
    },

    /** The newest key signs. */
    current(): SigningKey {
      const key = keys[0];
      if (!key) throw new Error('Keyring used before init()');
      return key;
    },

    /** `kid` is only ever a lookup in our own set; an unknown one may trigger a throttled reload. */
    async find(kid: string): Promise<SigningKey | undefined> {
      const sinceLoad = Date.now() - lastLoad;
      let known = keys.find((key) => key.kid === kid);
      if ((!known && sinceLoad >= RELOAD_INTERVAL_MS) || sinceLoad >= REFRESH_INTERVAL_MS) {
        await load();
        known = keys.find((key) => key.kid === kid);
      }
      const retired = known?.retiresAt != null && known.retiresAt <= clock.now().getTime();
      return retired ? undefined : known;
    },
  };
}

export type Keyring = ReturnType<typeof createKeyring>;
