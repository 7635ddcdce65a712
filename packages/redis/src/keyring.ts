import { type DerivedKeys, deriveKeys, keyedHash, open, seal } from "./crypto";

// Between the names of one entry under each secret: base64url (the HMACs) never has it.
const SEPARATOR = ".";

/**
 * The secrets of one cache, the first one writing: entries and bus messages are
 * sealed with it, and opened with any. An entry id names the entry under every
 * secret (the first's name first), so that while a secret is being rotated an
 * entry written under the old one is still found, and an invalidation sent by an
 * instance that knows only one of the secrets still names the key.
 */
export class Keyring {
  readonly #keys: readonly DerivedKeys[];

  constructor(secrets: readonly string[]) {
    this.#keys = secrets.map(deriveKeys);
  }

  /** The entry id of `value`: its HMAC under each secret, joined (a single HMAC for one secret). */
  idFor(value: string): string {
    if (this.#keys.length === 1) return keyedHash((this.#keys[0] as DerivedKeys).id, value);
    return this.#keys.map((keys) => keyedHash(keys.id, value)).join(SEPARATOR);
  }

  /** The names an id is made of, whichever instance (and secrets) made it. */
  namesOf(id: string): string[] {
    return id.split(SEPARATOR);
  }

  /** The name an entry is written under: the first secret's. */
  writeName(id: string): string {
    return this.namesOf(id)[0] as string;
  }

  /** The index names of a key id's entries, one per secret (the first secret's first). */
  indexNames(keyId: string): string[] {
    return this.#keys.map((keys) => keyedHash(keys.keyId, keyId));
  }

  /** The index names of an identity's (`externalId`) entries, one per secret (the first secret's first). */
  identityNames(externalId: string): string[] {
    return this.#keys.map((keys) => keyedHash(keys.identity, externalId));
  }

  /** Seals with the first secret. */
  seal(plaintext: string, context: string): string {
    return seal((this.#keys[0] as DerivedKeys).seal, plaintext, context);
  }

  /** Opens what any of the secrets sealed for `context`; `undefined` when none did. */
  open(sealed: string, context: string): string | undefined {
    for (const keys of this.#keys) {
      const text = open(keys.seal, sealed, context);
      if (text !== undefined) return text;
    }
    return undefined;
  }
}
