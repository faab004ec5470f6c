import type { KeyTransformer } from './providers.js';

/**
 * The transformer of one resource (upstream `value.NewPrefixTransformers`):
 * writes always use the first key of the first provider; reads use the first
 * transformer whose prefix the stored value starts with. A value read with
 * anything but the first transformer is `stale` — it should be rewritten with
 * the current key. An identity transformer (empty prefix) that fails on
 * encrypted data lets later transformers try, so `identity` first + a cipher
 * second decrypts old data while new writes go out in plaintext.
 */
export class ValueTransformer {
  readonly #transformers: readonly KeyTransformer[];
  readonly #prefixes: Buffer[];

  constructor(transformers: KeyTransformer[]) {
    if (!transformers.length) throw new Error('a value transformer needs at least one provider');
    this.#transformers = transformers;
    this.#prefixes = transformers.map((t) => Buffer.from(t.prefix));
  }

  /** The prefix new writes carry ('' when they are stored in plaintext). */
  get writePrefix(): string {
    return this.#transformers[0]!.prefix;
  }

  encrypt(key: string, plaintext: Uint8Array): Uint8Array {
    const t = this.#transformers[0]!;
    const body = t.toStorage(plaintext, key);
    if (!t.prefix) return body;
    return Buffer.concat([this.#prefixes[0]!, body]);
  }

  decrypt(key: string, stored: Uint8Array): { plaintext: Uint8Array; stale: boolean } {
    const data = Buffer.from(stored.buffer, stored.byteOffset, stored.length);
    const errors: Error[] = [];
    for (let i = 0; i < this.#transformers.length; i++) {
      const prefix = this.#prefixes[i]!;
      if (!data.subarray(0, prefix.length).equals(prefix)) continue;
      try {
        const plaintext = this.#transformers[i]!.fromStorage(data.subarray(prefix.length), key);
        return { plaintext, stale: i !== 0 };
      } catch (err) {
        // An identity transformer refusing encrypted data is not the answer: keep looking.
        if (prefix.length === 0) {
          errors.push(err as Error);
          continue;
        }
        throw err;
      }
    }
    if (errors.length) throw errors[0];
    throw new Error('no matching prefix found');
  }
}
