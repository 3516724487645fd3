/**
 * Progressive JPEGs with as many scans as asked for, written byte by byte, so tests and the benchmark
 * can build a "scan bomb" in memory: a large frame (6000×6600 in the issue) whose every scan makes the
 * decoder walk every block of the image, hundreds of times, from a file of a hundred kilobytes.
 *
 * The picture is flat grey (all coefficients zero), which is what keeps the file small: a scan of any
 * size is a handful of end-of-band runs. The progression is a valid one, so a decoder raises no
 * warning: one DC scan, then for each AC coefficient k = 1..63 a first scan at Al = 13 and its
 * thirteen refinements down to Al = 0 (at most 1 + 63 × 14 = 883 scans). One grey component.
 */

/** Scans the progression holds at most. */
export const MAX_SCANS = 1 + 63 * 14;
const FIRST_AL = 13;
/** The longest end-of-band run one symbol can give (EOB14 with 14 extra bits). */
const LONGEST_RUN = 0x7fff;

class EntropyWriter {
  private readonly bytes: number[] = [];
  private buffer = 0;
  private bits = 0;

  write(value: number, length: number): void {
    for (let bit = length - 1; bit >= 0; bit--) {
      this.buffer = (this.buffer << 1) | ((value >> bit) & 1);
      this.bits += 1;
      if (this.bits === 8) this.flushByte();
    }
  }

  /** Pads with 1-bits to a byte boundary, as the standard asks, and returns the stuffed bytes. */
  finish(): Buffer {
    if (this.bits > 0) this.write(0xff, 8 - this.bits);
    return Buffer.from(this.bytes);
  }

  private flushByte(): void {
    this.bytes.push(this.buffer);
    // 0xFF in entropy-coded data is followed by a stuffed 0x00, so it is never read as a marker.
    if (this.buffer === 0xff) this.bytes.push(0x00);
    this.buffer = 0;
    this.bits = 0;
  }
}

function segment(marker: number, payload: number[] | Buffer): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

function startOfScan(ss: number, se: number, ah: number, al: number): Buffer {
  // One component (id 1), DC table 0 and AC table 0.
  return segment(0xda, [1, 1, 0x00, ss, se, (ah << 4) | al]);
}

/** Every block once: the DC difference 0, coded as the one 1-bit code of the DC table. */
function dcScan(blocks: number): Buffer {
  const writer = new EntropyWriter();
  for (let i = 0; i < blocks; i++) writer.write(0, 1);
  return Buffer.concat([startOfScan(0, 0, 0, 0), writer.finish()]);
}

/** Every block skipped by end-of-band runs; the AC table codes EOBr (symbol r << 4) as r in 4 bits. */
function acScan(blocks: number, k: number, ah: number, al: number): Buffer {
  const writer = new EntropyWriter();
  for (let left = blocks; left > 0;) {
    const run = Math.min(left, LONGEST_RUN);
    const r = Math.floor(Math.log2(run));
    writer.write(r, 4);
    writer.write(run - 2 ** r, r);
    left -= run;
  }
  return Buffer.concat([startOfScan(k, k, ah, al), writer.finish()]);
}

/** The scans of the progression, in order, up to `count`. */
function scans(blocks: number, count: number): Buffer[] {
  const out = [dcScan(blocks)];
  for (let k = 1; k <= 63 && out.length < count; k++) {
    out.push(acScan(blocks, k, 0, FIRST_AL));
    for (let ah = FIRST_AL; ah >= 1 && out.length < count; ah--) out.push(acScan(blocks, k, ah, ah - 1));
  }
  return out;
}

/**
 * A flat grey progressive JPEG of `width` × `height` with exactly `scans` scans (1 to MAX_SCANS).
 * It decodes without a warning; what it costs is scans × blocks.
 */
export function progressiveJpeg(options: { width: number; height: number; scans: number }): Buffer {
  const { width, height, scans: count } = options;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SCANS) throw new RangeError(`scans must be 1 to ${MAX_SCANS}`);
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const frame = [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0];
  const huffmanTables = [
    // DC table 0: one code of length 1, for category 0.
    0x00,
    1,
    ...Array<number>(15).fill(0),
    0x00,
    // AC table 0: fifteen codes of length 4, for EOB0 … EOB14.
    0x10,
    0,
    0,
    0,
    15,
    ...Array<number>(12).fill(0),
    ...Array.from({ length: 15 }, (_, r) => r << 4),
  ];
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xdb, [0x00, ...Array<number>(64).fill(1)]),
    segment(0xc2, frame),
    segment(0xc4, huffmanTables),
    ...scans(blocks, count),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** The bomb: 6000×6600 (39.6 megapixels, under the 40 MP budget) with every scan the progression has. */
export function scanBombJpeg(options: { width?: number; height?: number; scans?: number } = {}): Buffer {
  return progressiveJpeg({ width: options.width ?? 6000, height: options.height ?? 6600, scans: options.scans ?? MAX_SCANS });
}
