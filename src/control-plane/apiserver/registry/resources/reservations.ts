import { isStorageError, type Storage } from '../../../storage/interface.js';

/**
 * Cluster-wide reservations of scarce values (service IPs, node ports) as
 * storage keys: reserving creates `<prefix><value>` and fails if it exists, so
 * several API servers sharing one datastore never hand out the same value.
 */
export class Reservations {
  constructor(
    private readonly storage: Storage,
    private readonly prefix: string,
  ) {}

  /** Reserves `value`; false if someone holds it. */
  async reserve(value: string, owner: string): Promise<boolean> {
    try {
      await this.storage.create(this.prefix + value, new TextEncoder().encode(owner));
      return true;
    } catch (err) {
      if (isStorageError(err, 'KeyExists')) return false;
      throw err;
    }
  }

  async release(value: string): Promise<void> {
    try {
      await this.storage.delete(this.prefix + value);
    } catch (err) {
      if (!isStorageError(err, 'KeyNotFound')) throw err;
    }
  }

  async isReserved(value: string): Promise<boolean> {
    return (await this.storage.get(this.prefix + value)) !== undefined;
  }

  /** Every reserved value (for repair scans and tests). */
  async all(): Promise<string[]> {
    const out: string[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.storage.list(this.prefix, { limit: 1000, startAfter });
      for (const kv of page.items) out.push(kv.key.slice(this.prefix.length));
      if (!page.more || page.items.length === 0) return out;
      startAfter = page.items[page.items.length - 1]!.key;
    }
  }
}
