/**
 * Cover-image fixtures, built in memory so tests never depend on files on disk.
 *
 * Raster fixtures share one recognisable picture: the left half is red, the right
 * half blue, with a little seeded noise so the encoders have real work to do and
 * every run produces the same bytes. Knowing where the colours are lets tests prove
 * that orientation was applied in the right direction, not just that width and
 * height swapped.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';

export interface SizeOptions {
  width?: number;
  height?: number;
}

export const LEFT_COLOUR = { r: 220, g: 30, b: 30 } as const;
export const RIGHT_COLOUR = { r: 30, g: 30, b: 220 } as const;

const DEFAULT_WIDTH = 300;
const DEFAULT_HEIGHT = 200;

/** Seeded PRNG (mulberry32): fixtures must be byte-for-byte reproducible. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) & 0xff;
  };
}

function clampByte(value: number): number {
  return Math.max(0, Math.min(255, value));
}

/** Raw pixels of the two-colour picture; with alpha, opacity fades from top (opaque) to bottom. */
function twoColourPixels(width: number, height: number, alpha: boolean): Buffer {
  const channels = alpha ? 4 : 3;
  const pixels = Buffer.alloc(width * height * channels);
  const next = prng(width * 31 + height);
  let i = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = x < width / 2 ? LEFT_COLOUR : RIGHT_COLOUR;
      // Small noise (±8) keeps the halves clearly distinguishable.
      pixels[i++] = clampByte(colour.r + (next() >> 4) - 8);
      pixels[i++] = clampByte(colour.g + (next() >> 4) - 8);
      pixels[i++] = clampByte(colour.b + (next() >> 4) - 8);
      if (alpha) pixels[i++] = Math.round(255 - (191 * y) / Math.max(1, height - 1));
    }
  }
  return pixels;
}

function picture(opts: SizeOptions, alpha = false): Sharp {
  const width = opts.width ?? DEFAULT_WIDTH;
  const height = opts.height ?? DEFAULT_HEIGHT;
  return sharp(twoColourPixels(width, height, alpha), { raw: { width, height, channels: alpha ? 4 : 3 } });
}

/**
 * A JPEG. With `exif`, it carries camera-style EXIF: GPS coordinates, a Make tag,
 * Orientation=6 (display rotated 90° clockwise) and an ICC profile, all of which the
 * processor must apply or strip.
 */
export async function jpeg(opts: SizeOptions & { exif?: boolean } = {}): Promise<Buffer> {
  const image = picture(opts).jpeg({ quality: 90 });
  if (!opts.exif) return image.toBuffer();
  return (
    image
      .withExif({
        IFD0: { Make: 'Bindery Test Camera' },
        // IFD3 is the GPS IFD in libvips' naming.
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
      })
      // libvips writes Orientation from the image's own field, so an Orientation
      // entry in withExif() would be overwritten with 1; this sets it for real.
      .withMetadata({ orientation: 6 })
      .toBuffer()
  );
}

export function png(opts: SizeOptions = {}): Promise<Buffer> {
  return picture(opts).png().toBuffer();
}

export function pngWithAlpha(opts: SizeOptions = {}): Promise<Buffer> {
  return picture(opts, true).png().toBuffer();
}

export function webp(opts: SizeOptions & { alpha?: boolean } = {}): Promise<Buffer> {
  return picture(opts, opts.alpha ?? false)
    .webp({ quality: 90 })
    .toBuffer();
}

export const GIF_FRAME_COLOURS = [
  { r: 255, g: 0, b: 0 },
  { r: 0, g: 255, b: 0 },
  { r: 0, g: 0, b: 255 },
] as const;

/**
 * A GIF. With `frames` > 1 it is animated and frame n is a solid GIF_FRAME_COLOURS[n % 3],
 * so a test can tell which frame was used. A single-frame GIF shows the two-colour picture.
 */
export function gif(opts: SizeOptions & { frames?: number } = {}): Promise<Buffer> {
  const frames = opts.frames ?? 1;
  if (frames <= 1) return picture(opts).gif().toBuffer();
  const width = opts.width ?? DEFAULT_WIDTH;
  const height = opts.height ?? DEFAULT_HEIGHT;
  const frameSize = width * height * 3;
  const pixels = Buffer.alloc(frameSize * frames);
  for (let f = 0; f < frames; f++) {
    const colour = GIF_FRAME_COLOURS[f % GIF_FRAME_COLOURS.length] ?? GIF_FRAME_COLOURS[0];
    for (let i = f * frameSize; i < (f + 1) * frameSize; i += 3) {
      pixels[i] = colour.r;
      pixels[i + 1] = colour.g;
      pixels[i + 2] = colour.b;
    }
  }
  return sharp(pixels, { raw: { width, height: height * frames, channels: 3, pageHeight: height } })
    .gif({ delay: 100, loop: 0 })
    .toBuffer();
}

/**
 * A JPEG cut off half-way through its scan data: the header is intact (it sniffs
 * and reports dimensions like a good JPEG), so only decoding can find the problem.
 */
export async function truncatedJpeg(): Promise<Buffer> {
  const whole = await jpeg();
  return Buffer.from(whole.subarray(0, Math.floor(whole.length / 2)));
}

/** A JPEG whose scan data has been overwritten with junk in the middle. */
export async function corruptJpeg(): Promise<Buffer> {
  const bytes = Buffer.from(await jpeg());
  const next = prng(7);
  const start = Math.floor(bytes.length / 2);
  for (let i = start; i < start + 200; i++) bytes[i] = next();
  return bytes;
}

export async function truncatedPng(): Promise<Buffer> {
  const whole = await png();
  return Buffer.from(whole.subarray(0, Math.floor(whole.length / 2)));
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/**
 * A well-formed PNG header claiming `width` x `height` RGB pixels, followed by a
 * tiny IDAT: about 70 bytes that would need gigabytes to decode.
 */
export function pixelBombPng(width = 20000, height = 20000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour (RGB)
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter
  ihdr[12] = 0; // interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1 + 3 * Math.min(width, 16)))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export function svg(): Buffer {
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200">' +
      '<rect width="150" height="200" fill="red"/><rect x="150" width="150" height="200" fill="blue"/>' +
      '</svg>\n',
  );
}

/** A minimal one-page PDF with a correct cross-reference table. */
export function pdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xrefOffset = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** Plain text, meant to be uploaded as `cover.jpg` with `Content-Type: image/jpeg`. */
export function textNamedJpg(): Buffer {
  return Buffer.from('This is not a picture of a book, whatever the .jpg name claims.\n');
}

export function tiff(opts: SizeOptions = {}): Promise<Buffer> {
  return picture(opts).tiff().toBuffer();
}

export function avif(opts: SizeOptions = {}): Promise<Buffer> {
  return picture(opts).avif({ quality: 50, effort: 0 }).toBuffer();
}

let largeJpegBytes: Promise<Buffer> | undefined;

/**
 * A 2000x3000 JPEG of about 1 MB. Its content is coloured noise, generated at a
 * quarter of the size and scaled up with reduced contrast: full-resolution noise
 * would be several MB, a flat image a few KB, neither like a real cover photo.
 * Built once per process (it takes a few hundred ms); every call returns a copy.
 */
export async function largeJpeg(): Promise<Buffer> {
  largeJpegBytes ??= (() => {
    const width = 500;
    const height = 750;
    const next = prng(42);
    const noise = Buffer.alloc(width * height * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = next();
    return sharp(noise, { raw: { width, height, channels: 3 } })
      .linear(0.2, 128 * 0.8)
      .resize(2000, 3000, { fit: 'fill' })
      .jpeg({ quality: 85 })
      .toBuffer();
  })();
  return Buffer.from(await largeJpegBytes);
}

export function metadataOf(bytes: Buffer): Promise<Metadata> {
  return sharp(bytes).metadata();
}

export async function hasExif(bytes: Buffer): Promise<boolean> {
  return (await metadataOf(bytes)).exif !== undefined;
}

/**
 * Whether the EXIF block links a GPS IFD (tag 0x8825 in IFD0). Parsed rather than
 * searched for, so two stray bytes in pixel data cannot fake a hit.
 */
export async function hasGps(bytes: Buffer): Promise<boolean> {
  const exif = (await metadataOf(bytes)).exif;
  if (!exif) return false;
  // libvips returns the APP1 payload including the "Exif\0\0" prefix.
  const tiffStart = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? 6 : 0;
  const tiffHeader = exif.subarray(tiffStart);
  if (tiffHeader.length < 8) return false;
  const little = tiffHeader.subarray(0, 2).toString('latin1') === 'II';
  const u16 = (at: number): number => (little ? tiffHeader.readUInt16LE(at) : tiffHeader.readUInt16BE(at));
  const u32 = (at: number): number => (little ? tiffHeader.readUInt32LE(at) : tiffHeader.readUInt32BE(at));
  const ifd0 = u32(4);
  if (ifd0 + 2 > tiffHeader.length) return false;
  const entries = u16(ifd0);
  for (let n = 0; n < entries; n++) {
    const entry = ifd0 + 2 + n * 12;
    if (entry + 12 > tiffHeader.length) return false;
    if (u16(entry) === 0x8825) return true;
  }
  return false;
}

/** Mean colour of a region, for asserting where content ended up. */
export async function meanColour(
  bytes: Buffer,
  region: { left: number; top: number; width: number; height: number },
): Promise<{ r: number; g: number; b: number }> {
  // stats() would describe the whole input, ignoring extract(), so average raw pixels here.
  const { data, info } = await sharp(bytes).extract(region).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  // Greyscale output has one channel: read it as r, g and b alike.
  const step = info.channels;
  const offsets = step >= 3 ? [0, 1, 2] : [0, 0, 0];
  let r = 0;
  let g = 0;
  let b = 0;
  for (let i = 0; i < data.length; i += step) {
    r += data[i + (offsets[0] ?? 0)] ?? 0;
    g += data[i + (offsets[1] ?? 0)] ?? 0;
    b += data[i + (offsets[2] ?? 0)] ?? 0;
  }
  const pixels = data.length / step;
  return { r: r / pixels, g: g / pixels, b: b / pixels };
}
