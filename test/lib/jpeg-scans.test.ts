import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import sharp from 'sharp';
import { countJpegScans } from '../../src/lib/jpeg-scans.js';
import { MAX_SCANS, progressiveJpeg } from '../helpers/scan-bomb.js';

const SOI = [0xff, 0xd8];
const EOI = [0xff, 0xd9];

function segment(marker: number, payload: number[]): number[] {
  const length = payload.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...payload];
}

/** An SOS header (one component), whose entropy-coded data follows. */
const SOS = segment(0xda, [1, 1, 0x00, 0, 63, 0]);

test('counts the scans sharp writes: one for a baseline JPEG, several for a progressive one', async () => {
  const picture = sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 20, b: 20 } } });
  assert.equal(countJpegScans(await picture.clone().jpeg().toBuffer()), 1);
  const progressive = countJpegScans(await picture.clone().jpeg({ progressive: true }).toBuffer());
  assert.ok(progressive > 1 && progressive <= 20, `${progressive} scans`);
});

test('counts exactly the scans of a generated progression, up to the largest', () => {
  for (const scans of [1, 2, 15, 64, 65, 300, MAX_SCANS]) {
    assert.equal(countJpegScans(progressiveJpeg({ width: 64, height: 64, scans })), scans);
  }
});

test('skips segments by their length: FF DA inside an APP segment is not a scan', () => {
  const app1 = segment(
    0xe1,
    Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 0xff : 0xda)),
  );
  assert.equal(countJpegScans(Buffer.from([...SOI, ...app1, ...SOS, 0x12, 0x34, ...EOI])), 1);
});

test('walks entropy-coded data past stuffed bytes, restart markers and fill bytes to the next real marker', () => {
  const data = [0x12, 0xff, 0x00, 0xda, 0xff, 0xd0, 0x34, 0xff, 0x00, 0xff, 0xd7, 0xda, 0x56];
  // A fill byte (FF FF) before the second SOS, and a DHT between scans, as progressive files have.
  const dht = segment(0xc4, [0x00, 1, ...Array<number>(15).fill(0), 0x00]);
  const input = Buffer.from([...SOI, ...SOS, ...data, 0xff, ...SOS, ...data, ...dht, ...SOS, ...data, ...EOI]);
  assert.equal(countJpegScans(input), 3);
});

test('stops at EOI and at a structure it cannot follow, without throwing', () => {
  const afterEnd = Buffer.from([...SOI, ...SOS, 0x01, ...EOI, ...SOS, 0x02, ...SOS, 0x03]);
  assert.equal(countJpegScans(afterEnd), 1, 'nothing after EOI counts');
  for (const broken of [
    Buffer.from(SOI),
    Buffer.from([...SOI, 0xff]),
    Buffer.from([...SOI, 0xff, 0xda, 0x00]),
    Buffer.from([...SOI, 0xff, 0xe0, 0x00, 0x01]),
    Buffer.from([...SOI, 0x00, 0x00, ...SOS]),
    Buffer.from([...SOI, ...SOS, 0xff]),
  ]) {
    assert.ok(countJpegScans(broken) <= 1, broken.toString('hex'));
  }
});

test('the walk is linear and stops early: 10 MiB of worst-case bytes in well under a second', () => {
  const tenMiB = 10 * 1024 * 1024;
  const stuffed = Buffer.alloc(tenMiB, 0x00);
  for (let i = 0; i < tenMiB; i += 2) stuffed[i] = 0xff;
  const fill = Buffer.alloc(tenMiB, 0xff);
  const manyScans = Buffer.concat(Array.from({ length: Math.floor(tenMiB / (SOS.length + 1)) }, () => Buffer.from([...SOS, 0x00])));
  const inputs = [
    Buffer.concat([Buffer.from([...SOI, ...SOS]), stuffed]),
    Buffer.concat([Buffer.from(SOI), fill]),
    Buffer.concat([Buffer.from(SOI), manyScans]),
  ];
  for (const input of inputs) {
    const started = performance.now();
    const scans = countJpegScans(input, 64);
    const ms = performance.now() - started;
    assert.ok(scans <= 65, `${scans} scans: the count stops just past the limit`);
    assert.ok(ms < 500, `${ms.toFixed(0)} ms for ${input.length} bytes`);
  }
});
