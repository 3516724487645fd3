/**
 * Counts the scans of a JPEG (its SOS markers, 0xFFDA) without decoding anything, so a progressive
 * "scan bomb" can be refused before the decoder walks every block of the image once per scan.
 *
 * The walk follows the segment structure rather than searching for the two bytes: a marker segment
 * is skipped by its declared length (so FF DA inside EXIF or an ICC profile is not a scan), and the
 * entropy-coded data after each SOS is skipped up to the next real marker, past stuffed bytes
 * (FF 00), restart markers (FF D0 to FF D7) and fill bytes (FF FF). Every step moves forward, so the
 * walk is linear in the input, and it stops as soon as the count passes `stopAbove`.
 */

const MARKER = 0xff;
const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const TEM = 0x01;
const RST0 = 0xd0;
const RST7 = 0xd7;

/** Markers that stand alone, with no length field after them. */
function isStandalone(marker: number): boolean {
  return marker === TEM || marker === SOI || (marker >= RST0 && marker <= RST7);
}

/**
 * The index of the 0xFF that starts the marker ending the entropy-coded data at `from`, or the
 * input's length. A plain loop rather than indexOf: data made of nothing but FF 00 would cost a call
 * per two bytes (0.6 s for 10 MiB), where this stays at a few milliseconds.
 */
function endOfEntropyData(input: Uint8Array, from: number): number {
  const last = input.length - 1;
  for (let at = from; at < last; at++) {
    if (input[at] !== MARKER) continue;
    const next = input[at + 1] ?? 0;
    // Stuffed zero and restart markers belong to the data; a second FF is a fill byte before a marker.
    if (next === 0x00 || (next >= RST0 && next <= RST7)) at += 1;
    else if (next !== MARKER) return at;
  }
  return input.length;
}

/**
 * The number of scans in `input` (a JPEG, signature already checked), counting at most up to
 * `stopAbove + 1`. A structure it cannot follow ends the count there: the decoder judges the rest.
 */
export function countJpegScans(input: Uint8Array, stopAbove = Infinity): number {
  let scans = 0;
  let at = 2; // past SOI
  while (at < input.length && scans <= stopAbove) {
    if (input[at] !== MARKER) break;
    // Any number of fill bytes may come before a marker.
    while (input[at] === MARKER) at += 1;
    const marker = input[at];
    at += 1;
    if (marker === undefined || marker === EOI) break;
    if (isStandalone(marker)) continue;
    if (at + 2 > input.length) break;
    const length = ((input[at] ?? 0) << 8) | (input[at + 1] ?? 0);
    if (length < 2) break;
    at += length;
    if (marker === SOS) {
      scans += 1;
      at = endOfEntropyData(input, at);
    }
  }
  return scans;
}
