/**
 * Cover-image port: turns untrusted upload bytes into safe, small renditions.
 *
 * Order matters for safety: magic bytes, then a header-only metadata read, then the
 * pixel budget, and only then a (bounded) decode. Nothing is trusted from the file
 * name or the declared content type; callers do not even pass them.
 *
 * The port knows how to do this, not how much is allowed: the pixel budget, the rendition
 * sizes and the accepted formats are its caller's (the library's policy.ts).
 */
import sharp from 'sharp';
import type { Metadata, OutputInfo, ResizeOptions, Sharp, SharpOptions } from 'sharp';
import { AppError } from '../errors.js';
import { countJpegScans } from './jpeg-scans.js';

export interface Rendition {
  bytes: Buffer;
  contentType: string;
  extension: string;
  width: number;
  height: number;
}

export type RenditionName = 'thumbnail' | 'display';

export interface ProcessedCover {
  renditions: Record<RenditionName, Rendition>;
}

export interface ImageProcessor {
  process(input: Buffer): Promise<ProcessedCover>;
}

/** The formats this port can recognise and decode safely; a caller may accept fewer. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif';
export const IMAGE_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'webp', 'gif'];

export interface ImageLimits {
  /** Width × height × frames above which an image is refused, before any pixel is decoded. */
  maxPixels: number;
  /** The longest side of each rendition: it fits inside side × side, and is never enlarged. */
  renditionSides: Record<RenditionName, number>;
  /** Recognised formats outside this list are refused like unknown ones. */
  formats: readonly ImageFormat[];
  /**
   * Scans (SOS markers) a JPEG may have: the decoder walks every block once per scan, so a large
   * progressive frame with hundreds of scans costs seconds of a core while passing every other check.
   */
  maxJpegScans: number;
}

/**
 * Only for a caller that gives no limits, i.e. this port's own tests. The app always passes every
 * limit from the library's policy (src/modules/library/policy.ts), where the real values live.
 */
const UNSPECIFIED: ImageLimits = {
  maxPixels: 40_000_000,
  renditionSides: { thumbnail: 150, display: 600 },
  formats: IMAGE_FORMATS,
  maxJpegScans: 64,
};

/**
 * A cover should take milliseconds; anything this slow is hostile. Only a backstop: libvips checks it
 * between stages, so a scan bomb ran 14 to 37 s before it acted (hence maxJpegScans, checked first).
 */
const DECODE_TIMEOUT_SECONDS = 10;

/**
 * Identifies an accepted format from its signature. SVG, PDF, HEIF/AVIF, TIFF and
 * anything else sharp could also decode never get past this point.
 */
export function sniffFormat(input: Uint8Array): ImageFormat | undefined {
  const ascii = (start: number, end: number): string => Buffer.from(input.subarray(start, end)).toString('latin1');
  if (input.length >= 3 && input[0] === 0xff && input[1] === 0xd8 && input[2] === 0xff) return 'jpeg';
  if (input.length >= 8 && ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (input.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'gif';
  if (input.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return undefined;
}

/**
 * 'warning' is the strictest level and the one we need: at 'none' a truncated JPEG or
 * PNG decodes "successfully" with grey fill, and junk inside JPEG scan data is only
 * a libjpeg warning, so 'truncated' and 'error' still let it through.
 */
const FAIL_ON = 'warning' satisfies SharpOptions['failOn'];

function decodeFailure(err: unknown): AppError {
  // sharp's own limitInputPixels guard; only reachable if the header check missed something.
  if (err instanceof Error && err.message.includes('exceeds pixel limit')) {
    return new AppError('IMAGE_TOO_MANY_PIXELS', { cause: err });
  }
  return new AppError('INVALID_IMAGE', { cause: err });
}

interface Encoding {
  contentType: string;
  extension: string;
  encode(image: Sharp): Sharp;
}

/**
 * JPEG where there is no alpha: a 400x600 rendition encodes in ~4 ms, against ~35 ms
 * for WebP at its default effort (4), and came out smaller too. WebP only where there
 * is transparency to keep: effort 2 takes ~15 ms for the same size as effort 4, while
 * effort 0 is faster but its alpha compression blows a 1.4 KB image up to 200 KB.
 */
const JPEG: Encoding = {
  contentType: 'image/jpeg',
  extension: 'jpg',
  encode: (image) => image.jpeg({ quality: 80, mozjpeg: false }),
};
const WEBP: Encoding = {
  contentType: 'image/webp',
  extension: 'webp',
  encode: (image) => image.webp({ quality: 80, effort: 2 }),
};

async function encode(image: Sharp, encoding: Encoding): Promise<Rendition> {
  const { data, info } = await encoding.encode(image).toBuffer({ resolveWithObject: true });
  return {
    bytes: data,
    contentType: encoding.contentType,
    extension: encoding.extension,
    width: info.width,
    height: info.height,
  };
}

function fitInside(side: number): ResizeOptions {
  return { width: side, height: side, fit: 'inside', withoutEnlargement: true };
}

async function readHeader(input: Buffer): Promise<Metadata> {
  try {
    // Header only: no pixels are decoded, so the pixel budget can be enforced first.
    return await sharp(input, { failOn: FAIL_ON, limitInputPixels: false }).metadata();
  } catch (err) {
    throw new AppError('INVALID_IMAGE', { cause: err });
  }
}

export function createImageProcessor(limits: Partial<ImageLimits> = {}): ImageProcessor {
  const { maxPixels, renditionSides, formats, maxJpegScans } = { ...UNSPECIFIED, ...limits };
  const decodeSide = Math.max(renditionSides.thumbnail, renditionSides.display);
  // Uploads are never read twice: libvips' operation cache would only hold decoded covers in memory.
  sharp.cache(false);
  // One libvips thread per image: covers are small after shrink-on-load, so splitting one image over
  // threads buys little, while several uploads at once (libuv runs four) then share the cores without
  // oversubscribing them. 8 concurrent uploads: 55 → 63 per second on 2 cores (npm run bench -- --only upload).
  sharp.concurrency(1);

  async function processCover(input: Buffer): Promise<ProcessedCover> {
    const sniffed = sniffFormat(input);
    if (sniffed === undefined || !formats.includes(sniffed)) throw new AppError('UNSUPPORTED_IMAGE_TYPE');
    // Before libvips sees the file at all: counting is one linear pass over bytes already in memory.
    if (sniffed === 'jpeg' && countJpegScans(input, maxJpegScans) > maxJpegScans) {
      throw new AppError('IMAGE_TOO_COMPLEX', {
        message: `The cover image is a JPEG of more than ${maxJpegScans} scans, too many to decode`,
      });
    }

    const header = await readHeader(input);
    // sharp sniffs independently; if it disagrees with the signature, trust neither.
    if (header.format !== sniffed) throw new AppError('UNSUPPORTED_IMAGE_TYPE');
    if (!(header.width > 0 && header.height > 0)) throw new AppError('INVALID_IMAGE');
    // For animations `height` is one frame; every frame counts towards the budget.
    const totalPixels = header.width * header.height * Math.max(1, header.pages ?? 1);
    if (totalPixels > maxPixels) throw new AppError('IMAGE_TOO_MANY_PIXELS');

    // One decode, straight to the largest rendition's size (JPEG shrink-on-load does most of
    // the work); the smaller rendition is derived from these pixels instead of decoding again.
    let decoded: { data: Buffer; info: OutputInfo };
    try {
      decoded = await sharp(input, {
        failOn: FAIL_ON,
        limitInputPixels: maxPixels,
        autoOrient: true,
        page: 0,
        pages: 1, // animated GIF/WebP: first frame only
      })
        .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
        .resize(fitInside(decodeSide))
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (err) {
      throw decodeFailure(err);
    }

    // sharp hands back 8-bit sRGB(A) here, having converted grey, CMYK, 16-bit and
    // ICC-tagged input, so both encoders get pixels they understand.
    const { width, height, channels, hasAlpha } = decoded.info;
    const encoding = hasAlpha ? WEBP : JPEG;
    // No metadata is copied: sharp writes none unless asked (keepMetadata/withMetadata).
    const pixels = (side: number): Sharp => {
      const image = sharp(decoded.data, { raw: { width, height, channels } });
      return side >= decodeSide ? image : image.resize(fitInside(side));
    };

    const [thumbnail, display] = await Promise.all([
      encode(pixels(renditionSides.thumbnail), encoding),
      encode(pixels(renditionSides.display), encoding),
    ]);
    return { renditions: { thumbnail, display } };
  }

  return { process: processCover };
}
