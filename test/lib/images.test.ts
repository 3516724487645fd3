import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { createImageProcessor, sniffFormat } from '../../src/lib/images.js';
import type { ProcessedCover, Rendition } from '../../src/lib/images.js';
import * as fixtures from '../helpers/image-fixtures.js';

const processor = createImageProcessor();

async function refusal(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** The rendition must be what it says: real bytes of its format, at its stated size. */
async function assertGenuine(rendition: Rendition): Promise<void> {
  const meta = await fixtures.metadataOf(rendition.bytes);
  const expected = { 'image/jpeg': ['jpeg', 'jpg'], 'image/webp': ['webp', 'webp'] }[rendition.contentType];
  assert.ok(expected, `unexpected content type ${rendition.contentType}`);
  assert.equal(meta.format, expected[0]);
  assert.equal(rendition.extension, expected[1]);
  assert.equal(meta.width, rendition.width);
  assert.equal(meta.height, rendition.height);
  assert.ok((meta.pages ?? 1) === 1, 'renditions are never animated');
}

async function assertRenditions(
  cover: ProcessedCover,
  expected: { display: [number, number]; thumbnail: [number, number] },
): Promise<void> {
  const { display, thumbnail } = cover.renditions;
  assert.deepEqual([display.width, display.height], expected.display);
  assert.deepEqual([thumbnail.width, thumbnail.height], expected.thumbnail);
  assert.ok(Math.max(display.width, display.height) <= 600);
  assert.ok(Math.max(thumbnail.width, thumbnail.height) <= 150);
  await assertGenuine(display);
  await assertGenuine(thumbnail);
}

describe('sniffFormat', () => {
  it('recognises the four accepted signatures and nothing else', async () => {
    assert.equal(sniffFormat(await fixtures.jpeg()), 'jpeg');
    assert.equal(sniffFormat(await fixtures.png()), 'png');
    assert.equal(sniffFormat(await fixtures.webp()), 'webp');
    assert.equal(sniffFormat(await fixtures.gif()), 'gif');
    for (const other of [fixtures.svg(), fixtures.pdf(), fixtures.textNamedJpg(), Buffer.alloc(0), await fixtures.tiff()]) {
      assert.equal(sniffFormat(other), undefined);
    }
  });
});

describe('image processor: accepted formats', () => {
  const opaque: [string, () => Promise<Buffer>][] = [
    ['JPEG', () => fixtures.jpeg({ width: 1200, height: 800 })],
    ['PNG', () => fixtures.png({ width: 1200, height: 800 })],
    ['WebP', () => fixtures.webp({ width: 1200, height: 800 })],
    ['GIF', () => fixtures.gif({ width: 1200, height: 800 })],
  ];
  for (const [name, make] of opaque) {
    it(`${name}: both renditions, fitted, as JPEG`, async () => {
      const cover = await processor.process(await make());
      await assertRenditions(cover, { display: [600, 400], thumbnail: [150, 100] });
      assert.equal(cover.renditions.display.contentType, 'image/jpeg');
    });
  }

  it('PNG with alpha keeps its transparency as WebP', async () => {
    const cover = await processor.process(await fixtures.pngWithAlpha({ width: 800, height: 1200 }));
    await assertRenditions(cover, { display: [400, 600], thumbnail: [100, 150] });
    assert.equal(cover.renditions.display.contentType, 'image/webp');
    const meta = await fixtures.metadataOf(cover.renditions.display.bytes);
    assert.equal(meta.hasAlpha, true);
  });

  it('WebP with alpha stays WebP', async () => {
    const cover = await processor.process(await fixtures.webp({ alpha: true }));
    await assertRenditions(cover, { display: [300, 200], thumbnail: [150, 100] });
    assert.equal(cover.renditions.thumbnail.contentType, 'image/webp');
  });

  it('never enlarges a small image', async () => {
    const cover = await processor.process(await fixtures.png({ width: 120, height: 90 }));
    await assertRenditions(cover, { display: [120, 90], thumbnail: [120, 90] });
  });

  it('a 2000x3000 JPEG gives a 400x600 display and a 100x150 thumbnail', async () => {
    const cover = await processor.process(await fixtures.largeJpeg());
    await assertRenditions(cover, { display: [400, 600], thumbnail: [100, 150] });
  });

  it('animated GIF: uses the first frame only', async () => {
    const cover = await processor.process(await fixtures.gif({ width: 200, height: 200, frames: 3 }));
    await assertRenditions(cover, { display: [200, 200], thumbnail: [150, 150] });
    for (const rendition of Object.values(cover.renditions)) {
      const { r, g, b } = await fixtures.meanColour(rendition.bytes, { left: 0, top: 0, width: 100, height: 100 });
      assert.ok(r > 200 && g < 50 && b < 50, `expected the red first frame, got ${r},${g},${b}`);
    }
  });
});

describe('image processor: metadata and orientation', () => {
  it('strips EXIF (including GPS) and the ICC profile from every rendition', async () => {
    const input = await fixtures.jpeg({ exif: true });
    // Guard against a fixture that silently lost its metadata.
    assert.equal(await fixtures.hasExif(input), true);
    assert.equal(await fixtures.hasGps(input), true);
    assert.equal((await fixtures.metadataOf(input)).hasProfile, true);

    const cover = await processor.process(input);
    for (const rendition of Object.values(cover.renditions)) {
      const meta = await fixtures.metadataOf(rendition.bytes);
      assert.equal(await fixtures.hasExif(rendition.bytes), false);
      assert.equal(await fixtures.hasGps(rendition.bytes), false);
      assert.equal(meta.hasProfile, false);
      assert.equal(meta.orientation, undefined);
      assert.equal(meta.xmp, undefined);
      assert.equal(meta.iptc, undefined);
    }
  });

  it('applies EXIF orientation 6: a 300x200 landscape becomes portrait, left edge on top', async () => {
    const input = await fixtures.jpeg({ width: 300, height: 200, exif: true });
    assert.equal((await fixtures.metadataOf(input)).orientation, 6);

    const cover = await processor.process(input);
    await assertRenditions(cover, { display: [200, 300], thumbnail: [100, 150] });
    // Rotating 90° clockwise puts the stored left half (red) at the top.
    const display = cover.renditions.display.bytes;
    const top = await fixtures.meanColour(display, { left: 0, top: 0, width: 200, height: 140 });
    const bottom = await fixtures.meanColour(display, { left: 0, top: 160, width: 200, height: 140 });
    assert.ok(top.r > 150 && top.b < 100, `top should be red, got ${JSON.stringify(top)}`);
    assert.ok(bottom.b > 150 && bottom.r < 100, `bottom should be blue, got ${JSON.stringify(bottom)}`);
  });
});

describe('image processor: refusals', () => {
  const unsupported: [string, () => Buffer | Promise<Buffer>][] = [
    ['SVG', () => fixtures.svg()],
    ['PDF', () => fixtures.pdf()],
    ['plain text named .jpg', () => fixtures.textNamedJpg()],
    ['empty input', () => Buffer.alloc(0)],
    ['TIFF', () => fixtures.tiff()],
    ['AVIF (HEIF)', () => fixtures.avif()],
  ];
  for (const [name, make] of unsupported) {
    it(`${name}: UNSUPPORTED_IMAGE_TYPE (415)`, async () => {
      const input = await make();
      await refusal(processor.process(input), 'UNSUPPORTED_IMAGE_TYPE');
      await assert.rejects(processor.process(input), { status: 415 });
    });
  }

  const invalid: [string, () => Buffer | Promise<Buffer>][] = [
    ['truncated JPEG', () => fixtures.truncatedJpeg()],
    ['JPEG with corrupt scan data', () => fixtures.corruptJpeg()],
    ['truncated PNG', () => fixtures.truncatedPng()],
    ['JPEG signature followed by junk', () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)])],
    ['GIF signature followed by junk', () => Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(64, 7)])],
  ];
  for (const [name, make] of invalid) {
    it(`${name}: INVALID_IMAGE`, async () => {
      await refusal(processor.process(await make()), 'INVALID_IMAGE');
    });
  }

  it('truncated JPEG: the header alone looks fine, so decoding is what refuses it', async () => {
    const input = await fixtures.truncatedJpeg();
    const meta = await fixtures.metadataOf(input);
    assert.equal(meta.format, 'jpeg');
    await refusal(processor.process(input), 'INVALID_IMAGE');
  });

  it('pixel bomb PNG (20000x20000 in a few bytes): IMAGE_TOO_MANY_PIXELS, fast, without decoding', async () => {
    const bomb = fixtures.pixelBombPng();
    assert.ok(bomb.length < 200);
    // The first sharp call in a process can pay for lazy libvips start-up; time a warm call.
    await refusal(processor.process(bomb), 'IMAGE_TOO_MANY_PIXELS');
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    await refusal(processor.process(bomb), 'IMAGE_TOO_MANY_PIXELS');
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 100, `took ${elapsed.toFixed(1)} ms`);
    // Decoding would need 1.2 GB; refusing from the header needs next to nothing.
    assert.ok(process.memoryUsage().rss - rssBefore < 100 * 1024 * 1024);
  });

  it('honours a custom maxPixels', async () => {
    const small = createImageProcessor({ maxPixels: 50_000 });
    await refusal(small.process(await fixtures.png({ width: 300, height: 200 })), 'IMAGE_TOO_MANY_PIXELS');
    await small.process(await fixtures.png({ width: 200, height: 200 }));
  });

  it('counts every frame of an animated GIF towards maxPixels', async () => {
    const small = createImageProcessor({ maxPixels: 25_000 });
    await small.process(await fixtures.gif({ width: 100, height: 100, frames: 2 }));
    await refusal(small.process(await fixtures.gif({ width: 100, height: 100, frames: 3 })), 'IMAGE_TOO_MANY_PIXELS');
  });
});
