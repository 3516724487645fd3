/**
 * The library's rules, in one place: what a book may hold, how big a cover may be, which formats are
 * taken, what is made of them, and how much of a multipart body the server reads. The configuration
 * supplies two of the numbers (MAX_COVER_BYTES, MAX_COVER_PIXELS); the multipart plugin, the book form,
 * the image port and the OpenAPI document all read from here rather than keeping their own copy.
 */
import type { ImageFormat, ImageLimits, RenditionName } from '../../lib/images.js';

export const CATEGORIES = ['romance', 'poetry', 'politics', 'picture book', 'science', 'fantasy', 'horror', 'thriller'] as const;
export type Category = (typeof CATEGORIES)[number];

export const TITLE_LENGTH = { min: 1, max: 200 } as const;
export const DESCRIPTION_MAX_LENGTH = 5000;
export const SEARCH_MAX_LENGTH = 200;
export const PAGE_SIZE = { min: 1, max: 100, default: 50 } as const;

/** Titles are unique per user regardless of case: this is the key they are compared (and searched) by. */
export function titleKey(title: string): string {
  return title.normalize('NFC').toLowerCase();
}

/** Each rendition fits inside side × side and is never enlarged. */
export const RENDITION_SIDES: Readonly<Record<RenditionName, number>> = { thumbnail: 150, display: 600 };
export const RENDITIONS = Object.keys(RENDITION_SIDES) as RenditionName[];

export const ACCEPTED_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'webp', 'gif'];
const FORMAT_NAMES: Record<ImageFormat, string> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP', gif: 'GIF' };

/** Multipart framing and the text fields' own size allowance on top of the cover. */
export const ENVELOPE_ALLOWANCE = 256 * 1024;

/**
 * Scans a JPEG cover may have. Baseline JPEGs have one (or one per colour component); encoders'
 * progressive scripts use about 10 (libjpeg, mozjpeg) and rarely more than 20. Each scan costs the
 * decoder a pass over every block of the image, so a 6000×6600 frame with 883 scans in 144 KB took
 * a core for 14 to 37 s; at 64 the worst cover costs about 1/14 of that.
 */
export const MAX_JPEG_SCANS = 64;

/** What the multipart parser may read of one body (busboy's limits, by their names). */
export interface MultipartLimits {
  fileSize: number;
  /** Two, not one: a second cover_image is then read and refused as "must be given once". */
  files: number;
  fields: number;
  fieldSize: number;
  fieldNameSize: number;
  parts: number;
  headerPairs: number;
}

export interface CoverPolicy {
  /** The largest cover file accepted (MAX_COVER_BYTES). */
  readonly maxBytes: number;
  /** The largest declared body of a book form: the cover plus ENVELOPE_ALLOWANCE; more is refused unread. */
  readonly maxRequestBytes: number;
  readonly multipart: Readonly<MultipartLimits>;
  /** What the image port is given. */
  readonly image: Readonly<ImageLimits>;
  /** The rule in words, for the API documentation: it always states the configured limits. */
  readonly description: string;
}

/** The cover rules with the configured limits filled in. */
export function coverPolicy(limits: { maxCoverBytes: number; maxCoverPixels: number }): CoverPolicy {
  const { maxCoverBytes: maxBytes, maxCoverPixels: maxPixels } = limits;
  return Object.freeze({
    maxBytes,
    maxRequestBytes: maxBytes + ENVELOPE_ALLOWANCE,
    multipart: Object.freeze({
      fileSize: maxBytes,
      files: 2,
      fields: 10,
      fieldSize: 32 * 1024,
      fieldNameSize: 100,
      parts: 12,
      headerPairs: 100,
    }),
    image: Object.freeze({ maxPixels, renditionSides: RENDITION_SIDES, formats: ACCEPTED_FORMATS, maxJpegScans: MAX_JPEG_SCANS }),
    description: `${listOfFormats(ACCEPTED_FORMATS)}, at most ${describeBytes(maxBytes)} and ${describePixels(maxPixels)}`,
  });
}

function listOfFormats(formats: readonly ImageFormat[]): string {
  const names = formats.map((format) => FORMAT_NAMES[format]);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? '');
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** 10485760 → "10 MiB", 65536 → "64 KiB", anything else in bytes. */
export function describeBytes(bytes: number): string {
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes.toLocaleString('en-US')} bytes`;
}

function describePixels(pixels: number): string {
  if (pixels % 1_000_000 !== 0) return `${pixels.toLocaleString('en-US')} pixels`;
  return pixels === 1_000_000 ? '1 megapixel' : `${pixels / 1_000_000} megapixels`;
}
