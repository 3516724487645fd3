/** Every accepted cover format through HTTP, and how its two renditions are served. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { buildTestApp, signUp } from '../helpers/app.js';
import { createBook, postBook, type BookData } from '../helpers/books.js';
import { DISPLAY_SIDE, THUMBNAIL_SIDE, assertServedRendition, assertTwoCoverRowsPerBook } from '../helpers/covers.js';
import {
  GIF_FRAME_COLOURS,
  LEFT_COLOUR,
  RIGHT_COLOUR,
  gif,
  hasExif,
  hasGps,
  jpeg,
  meanColour,
  metadataOf,
  png,
  pngWithAlpha,
  webp,
} from '../helpers/image-fixtures.js';

interface AcceptedCase {
  name: string;
  make: () => Promise<Buffer>;
  width: number;
  height: number;
  alpha?: boolean;
  filename: string;
  type: string;
  /** The colour the whole picture should be (animated GIF: its first frame). */
  solid?: { r: number; g: number; b: number };
}

const ACCEPTED: AcceptedCase[] = [
  { name: 'a JPEG', make: () => jpeg({ width: 1200, height: 800 }), width: 1200, height: 800, filename: 'cover.jpg', type: 'image/jpeg' },
  {
    name: 'a JPEG smaller than both renditions',
    make: () => jpeg({ width: 40, height: 30 }),
    width: 40,
    height: 30,
    filename: 'tiny.jpg',
    type: 'image/jpeg',
  },
  { name: 'a PNG', make: () => png(), width: 300, height: 200, filename: 'cover.png', type: 'image/png' },
  {
    name: 'a PNG with alpha',
    make: () => pngWithAlpha({ width: 500, height: 700 }),
    width: 500,
    height: 700,
    alpha: true,
    filename: 'cover.png',
    type: 'image/png',
  },
  { name: 'a WebP', make: () => webp({ width: 640, height: 480 }), width: 640, height: 480, filename: 'cover.webp', type: 'image/webp' },
  {
    name: 'a WebP with alpha',
    make: () => webp({ width: 200, height: 640, alpha: true }),
    width: 200,
    height: 640,
    alpha: true,
    filename: 'cover.webp',
    type: 'image/webp',
  },
  { name: 'a GIF', make: () => gif(), width: 300, height: 200, filename: 'cover.gif', type: 'image/gif' },
  {
    name: 'an animated GIF',
    make: () => gif({ frames: 3, width: 120, height: 80 }),
    width: 120,
    height: 80,
    filename: 'cover.gif',
    type: 'image/gif',
    solid: GIF_FRAME_COLOURS[0],
  },
];

for (const accepted of ACCEPTED) {
  test(`${accepted.name} cover is accepted and both renditions are served, cacheable and the right size`, async (t) => {
    const { app, database } = await buildTestApp(t);
    const session = await signUp(app);
    const response = await postBook(app, session, {
      cover_image: { filename: accepted.filename, contentType: accepted.type, content: await accepted.make() },
    });
    assert.equal(response.statusCode, 201, response.body);
    const book = response.json<{ data: BookData }>().data;
    assert.equal(book.image_url, book.images.thumbnail);
    assert.notEqual(book.images.thumbnail, book.images.display);
    await assertTwoCoverRowsPerBook(database, 'after create');

    const input = { width: accepted.width, height: accepted.height };
    const thumbnail = await assertServedRendition(app, book.images.thumbnail, input, THUMBNAIL_SIDE, `${accepted.name} thumbnail`);
    const display = await assertServedRendition(app, book.images.display, input, DISPLAY_SIDE, `${accepted.name} display`);

    for (const [label, rendition] of [
      ['thumbnail', thumbnail],
      ['display', display],
    ] as const) {
      assert.equal(rendition.pages, 1, `${label} is a still image`);
      if (accepted.alpha) {
        // The fixture fades from opaque (top) to a quarter opacity (bottom): that must survive.
        assert.ok(rendition.hasAlpha, `${label} keeps its alpha channel`);
        const { channels } = await sharp(rendition.bytes).stats();
        const alpha = channels[3];
        assert.ok(alpha && alpha.min < 128 && alpha.max > 200, `${label} alpha ranges ${alpha?.min}..${alpha?.max}`);
      }
      if (accepted.solid) {
        const colour = await meanColour(rendition.bytes, { left: 0, top: 0, width: rendition.width, height: rendition.height });
        for (const channel of ['r', 'g', 'b'] as const) {
          assert.ok(Math.abs(colour[channel] - accepted.solid[channel]) < 24, `${label} shows the first frame: ${JSON.stringify(colour)}`);
        }
      }
    }
  });
}

test('EXIF and GPS are stripped and orientation is applied (Orientation 6 becomes a portrait)', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const original = await jpeg({ exif: true });
  // The fixture really carries what must be removed.
  assert.equal(await hasExif(original), true);
  assert.equal(await hasGps(original), true);
  assert.equal((await metadataOf(original)).orientation, 6);

  const book = await createBook(app, session, { cover_image: { filename: 'IMG_0001.jpg', contentType: 'image/jpeg', content: original } });
  // 300x200 stored landscape, displayed rotated: a 200x300 portrait.
  const portrait = { width: 200, height: 300 };
  for (const [url, side] of [
    [book.images.thumbnail, THUMBNAIL_SIDE],
    [book.images.display, DISPLAY_SIDE],
  ] as const) {
    const served = await assertServedRendition(app, url, portrait, side, url);
    const meta = await metadataOf(served.bytes);
    assert.ok(served.height > served.width, `${url} is a portrait: ${served.width}x${served.height}`);
    assert.equal(await hasExif(served.bytes), false, 'no EXIF');
    assert.equal(await hasGps(served.bytes), false, 'no GPS');
    assert.ok(meta.orientation === undefined || meta.orientation === 1, `no orientation left to apply: ${meta.orientation}`);
    assert.equal(meta.xmp, undefined, 'no XMP');
    assert.equal(meta.iptc, undefined, 'no IPTC');
    // Rotated 90° clockwise, the red left half is now on top and the blue right half below.
    const quarter = Math.floor(served.height / 4);
    const top = await meanColour(served.bytes, { left: 0, top: 0, width: served.width, height: quarter });
    const bottom = await meanColour(served.bytes, { left: 0, top: served.height - quarter, width: served.width, height: quarter });
    assert.ok(Math.abs(top.r - LEFT_COLOUR.r) < 30 && Math.abs(top.b - LEFT_COLOUR.b) < 30, `top is red: ${JSON.stringify(top)}`);
    assert.ok(
      Math.abs(bottom.r - RIGHT_COLOUR.r) < 30 && Math.abs(bottom.b - RIGHT_COLOUR.b) < 30,
      `bottom is blue: ${JSON.stringify(bottom)}`,
    );
  }
});
