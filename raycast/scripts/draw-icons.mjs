// Draws the command icons into assets/ in the style of the extension's icon (the agentbar mark:
// a dark bar with two status dots), from shapes, so they can be redrawn: `node scripts/draw-icons.mjs`.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const DARK = [0x24, 0x29, 0x2f];
const AMBER = [0xd4, 0xa7, 0x2c];
const ORANGE = [0xe1, 0x6f, 0x24];
const BLACK = [0, 0, 0];

// Shapes in a 64-unit square, as in assets/agentbar.svg. Each answers "is (x, y) inside?".
const roundedRect = (x, y, w, h, r) => (px, py) => {
  const dx = Math.max(x + r - px, 0, px - (x + w - r));
  const dy = Math.max(y + r - py, 0, py - (y + h - r));
  return dx * dx + dy * dy <= r * r && px >= x && px <= x + w && py >= y && py <= y + h;
};
const circle = (cx, cy, r) => (px, py) => (px - cx) ** 2 + (py - cy) ** 2 <= r * r;
const plus = (cx, cy, arm, half) => (px, py) =>
  (Math.abs(px - cx) <= half && Math.abs(py - cy) <= arm) || (Math.abs(py - cy) <= half && Math.abs(px - cx) <= arm);
const not = (shape) => (px, py) => !shape(px, py);
const both = (a, b) => (px, py) => a(px, py) && b(px, py);

/** Layers painted in order, each `[shape, rgb]`, supersampled 4×4 per pixel. */
function draw(size, layers) {
  const rgba = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const px = ((x + (sx + 0.5) / n) * 64) / size;
          const py = ((y + (sy + 0.5) / n) * 64) / size;
          let colour = null;
          for (const [shape, rgb] of layers) if (shape(px, py)) colour = rgb;
          if (colour) {
            r += colour[0];
            g += colour[1];
            b += colour[2];
            a += 1;
          }
        }
      }
      const i = (y * size + x) * 4;
      if (a > 0) {
        rgba[i] = Math.round(r / a);
        rgba[i + 1] = Math.round(g / a);
        rgba[i + 2] = Math.round(b / a);
        rgba[i + 3] = Math.round((255 * a) / (n * n));
      }
    }
  }
  return png(size, rgba);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", zlib.deflateSync(rows, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const bar = roundedRect(4, 14, 56, 36, 10);
const icons = {
  // Create Task: the mark with a plus in place of the second dot.
  "create-task.png": draw(512, [
    [bar, DARK],
    [circle(24, 32, 8), AMBER],
    [plus(42, 32, 8.5, 2.6), ORANGE],
  ]),
  // Agents in Menu Bar: the mark hanging under a menu-bar strip.
  "menu-bar.png": draw(512, [
    [roundedRect(4, 4, 56, 8, 3), DARK],
    [roundedRect(4, 18, 56, 36, 10), DARK],
    [circle(24, 36, 8), AMBER],
    [circle(42, 36, 8), ORANGE],
  ]),
  // The menu-bar title's own icon: the mark as a template (black on transparent, tinted by
  // Raycast to the menu bar's text colour), the dots cut out.
  "menu-bar-icon.png": draw(64, [[both(bar, both(not(circle(22, 32, 7)), not(circle(42, 32, 7)))), BLACK]]),
};

const assets = path.resolve(import.meta.dirname, "..", "assets");
for (const [name, data] of Object.entries(icons)) fs.writeFileSync(path.join(assets, name), data);
