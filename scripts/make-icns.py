#!/usr/bin/env python3
"""Renders assets/agentbar.svg into assets/agentbar.icns, the macOS app icon that
scripts/macos-bundle.sh puts into agentbar.app. Run it again after changing the SVG.

The mark is a few filled shapes, so this draws them itself (signed distances, one pixel of
anti-aliasing) instead of needing an SVG library; it understands exactly the elements the mark
uses (`rect` with `rx`, `circle`, solid `fill`) and refuses anything else. The .icns container
holds one PNG per size (Apple's `ic07`…`ic10`, `ic11`/`ic12` for the small Retina sizes,
`icp4` for 16 px); both PNG and icns are written with the standard library alone.
"""

import math
import struct
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

SVG_NS = "{http://www.w3.org/2000/svg}"
# Icon type → edge in pixels (Apple's icns types that hold PNG data).
SIZES = [("icp4", 16), ("ic11", 32), ("ic12", 64), ("ic07", 128), ("ic08", 256), ("ic09", 512), ("ic10", 1024)]


def parse_colour(text):
    if not (text.startswith("#") and len(text) == 7):
        raise SystemExit(f"make-icns: only #rrggbb fills are supported, not {text!r}")
    return tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))


def read_shapes(svg_path):
    root = ET.parse(svg_path).getroot()
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    if width != height:
        raise SystemExit("make-icns: the mark must be square")
    shapes = []
    for element in root:
        tag = element.tag.removeprefix(SVG_NS)
        a = element.attrib
        if tag == "rect":
            x, y, w, h = (float(a[k]) for k in ("x", "y", "width", "height"))
            shapes.append(("rect", (x, y, w, h, float(a.get("rx", 0))), parse_colour(a["fill"])))
        elif tag == "circle":
            shapes.append(("circle", (float(a["cx"]), float(a["cy"]), float(a["r"])), parse_colour(a["fill"])))
        else:
            raise SystemExit(f"make-icns: unsupported SVG element <{tag}>")
    return width, shapes


def signed_distance(kind, geometry, px, py):
    """Distance from (px, py) to the shape's edge in view-box units; negative inside."""
    if kind == "circle":
        cx, cy, r = geometry
        return math.hypot(px - cx, py - cy) - r
    x, y, w, h, rx = geometry
    # A rounded box: the distance to a box shrunk by rx, minus rx.
    qx = abs(px - (x + w / 2)) - (w / 2 - rx)
    qy = abs(py - (y + h / 2)) - (h / 2 - rx)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - rx


def render(view, shapes, size):
    scale = size / view
    rows = []
    for j in range(size):
        row = bytearray(b"\x00")  # PNG filter type 0 for each row
        py = (j + 0.5) / scale
        for i in range(size):
            px = (i + 0.5) / scale
            r = g = b = a = 0.0
            for kind, geometry, (sr, sg, sb) in shapes:
                coverage = min(max(0.5 - signed_distance(kind, geometry, px, py) * scale, 0.0), 1.0)
                if coverage <= 0.0:
                    continue
                # Straight-alpha "over".
                out_a = coverage + a * (1 - coverage)
                r = (sr * coverage + r * a * (1 - coverage)) / out_a
                g = (sg * coverage + g * a * (1 - coverage)) / out_a
                b = (sb * coverage + b * a * (1 - coverage)) / out_a
                a = out_a
            row += bytes((round(r), round(g), round(b), round(a * 255)))
        rows.append(bytes(row))
    return png(size, b"".join(rows))


def png(size, raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def icns(entries):
    body = b"".join(kind.encode() + struct.pack(">I", len(data) + 8) + data for kind, data in entries)
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def main():
    root = Path(__file__).resolve().parent.parent
    view, shapes = read_shapes(root / "assets" / "agentbar.svg")
    entries = [(kind, render(view, shapes, size)) for kind, size in SIZES]
    out = root / "assets" / "agentbar.icns"
    out.write_bytes(icns(entries))
    print(f"make-icns: wrote {out.relative_to(root)} ({out.stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
