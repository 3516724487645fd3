import { Readable } from 'node:stream';
import type { CoverStore, CoverToStore } from '../../src/modules/library/index.js';

/**
 * A cover store that is not the database: what an object-store adapter would be, in memory. The
 * hooks let a test make a call fail, or act between two steps of an upload.
 */
export function memoryCoverStore(
  hooks: { afterPut?: (covers: readonly CoverToStore[]) => Promise<void>; failDeletes?: () => boolean } = {},
) {
  const objects = new Map<string, { bytes: Buffer; contentType: string }>();
  const store: CoverStore = {
    async put(covers) {
      for (const cover of covers) {
        for (const [rendition, image] of Object.entries(cover.renditions)) {
          objects.set(`${cover.coverId}/${rendition}`, { bytes: image.bytes, contentType: image.contentType });
        }
      }
      await hooks.afterPut?.(covers);
    },
    read(coverId, rendition) {
      const object = objects.get(`${coverId}/${rendition}`);
      return Promise.resolve(
        object && { stream: Readable.from([object.bytes]), contentType: object.contentType, contentLength: object.bytes.length },
      );
    },
    delete(coverIds) {
      if (hooks.failDeletes?.()) return Promise.reject(new Error('the object store is unreachable'));
      for (const key of [...objects.keys()]) if (coverIds.includes(key.split('/')[0] ?? '')) objects.delete(key);
      return Promise.resolve();
    },
  };
  /** The cover ids the store holds renditions of. */
  const coverIds = () => [...new Set([...objects.keys()].map((key) => key.split('/')[0]))].sort();
  return { store, objects, coverIds };
}
