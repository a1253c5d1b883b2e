#!/usr/bin/env bash
# Renders SVG files in headless Chromium and checks that each picture is not blank.
#
#   Scripts/check-svg-in-browser.sh loss.svg fit.svg ...
#
# For each FILE.svg it writes FILE.svg.png beside it (look at it) and fails when Chromium cannot
# render the file, or when the rendering is blank: too few non-white pixels or colours for a chart,
# or drawing confined to a corner (a broken-image icon: the SVG did not parse).
# Needs chromium (Debian: apt-get install chromium) and python3.
# Not part of CI (CI has no browser): run it after changing MaclaurinPlot.
set -euo pipefail

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then browser="$candidate"; break; fi
done
if [[ -z "$browser" ]]; then
    echo "check-svg-in-browser: no chromium found (apt-get install chromium)" >&2
    exit 2
fi
if [[ $# -eq 0 ]]; then
    echo "usage: $0 FILE.svg [FILE.svg ...]" >&2
    exit 2
fi

status=0
for svg in "$@"; do
    if [[ ! -f "$svg" ]]; then echo "FAIL $svg: no such file" >&2; status=1; continue; fi
    # The window matches the SVG's own size (width/height attributes), so nothing is cut off.
    size=$(python3 - "$svg" <<'PY'
import re, sys
head = open(sys.argv[1], encoding="utf-8").read(4096)
m = re.search(r'<svg[^>]*\bwidth="([0-9.]+)"[^>]*\bheight="([0-9.]+)"', head)
print(f"{int(float(m.group(1)) + 0.999)},{int(float(m.group(2)) + 0.999)}" if m else "1024,768")
PY
)
    png="$svg.png"
    rm -f "$png"
    profile=$(mktemp -d)
    # An HTML wrapper with no margin, so the screenshot is the SVG at 1:1.
    page="$profile/page.html"
    printf '<!doctype html><html><body style="margin:0;background:#fff"><img src="file://%s" style="display:block"></body></html>' \
        "$(realpath "$svg")" > "$page"
    if ! timeout 60 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
            --allow-file-access-from-files --window-size="$size" --screenshot="$(realpath -m "$png")" "file://$page" \
            >"$profile/log" 2>&1 || [[ ! -s "$png" ]]; then
        echo "FAIL $svg: chromium did not render it" >&2; tail -5 "$profile/log" >&2; status=1; rm -rf "$profile"; continue
    fi
    rm -rf "$profile"
    # Decode the PNG (8-bit RGB/RGBA, as Chromium writes) and measure how much is drawn.
    if ! python3 - "$png" "$svg" <<'PY'
import struct, sys, zlib
png, svg = sys.argv[1], sys.argv[2]
data = open(png, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width = 8, b"", 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, color = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and color in (2, 6), f"unsupported PNG (depth {depth}, colour type {color})"
        channels = 3 if color == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * channels
rows, prev = [], bytearray(stride)
for y in range(height):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - channels] if i >= channels else 0
        b, c = prev[i], prev[i - channels] if i >= channels else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
total = width * height
inked = [(x // channels, y) for y, line in enumerate(rows) for x in range(0, stride, channels) if min(line[x:x + 3]) < 235]
colours = len({bytes(line[x:x + 3]) for line in rows[::4] for x in range(0, stride, 4 * channels)})
share = len(inked) / total
# A chart spreads over the picture; a broken-image icon or an error box does not.
spread = ((max(x for x, _ in inked) - min(x for x, _ in inked)) / width,
          (max(y for _, y in inked) - min(y for _, y in inked)) / height) if inked else (0, 0)
ok = share > 0.01 and colours >= 4 and min(spread) > 0.6
print(f"{'ok  ' if ok else 'FAIL'} {svg}: {width}x{height}, {100 * share:.1f}% drawn over "
      f"{100 * spread[0]:.0f}% x {100 * spread[1]:.0f}%, {colours} colours -> {png}")
sys.exit(0 if ok else 1)
PY
    then status=1; fi
done
exit $status
