#!/usr/bin/env bash
# Make the web app manifest's icons from assets/icon.svg (run after changing it;
# the PNGs are committed). Debian: apt-get install librsvg2-bin optipng.
# Same inputs, same bytes: rsvg-convert writes no timestamps, optipng -strip all.
set -euo pipefail
cd "$(dirname "$0")/.."
out=assets/icons
mkdir -p "$out"
# "any" icons: the shield as it is, on transparent.
rsvg-convert -w 192 -h 192 assets/icon.svg -o "$out/icon-192.png"
rsvg-convert -w 512 -h 512 assets/icon.svg -o "$out/icon-512.png"
# "maskable": full-bleed colour, the shield inside the central safe circle (40 %
# radius), so a launcher may crop it to any shape.
paths=$(sed -e 's/^<svg[^>]*>//' -e 's#</svg>##' assets/icon.svg \
        | sed -e 's/fill="#2563eb"/fill="#fff"/' -e 's/stroke="#fff"/stroke="#2563eb"/')
cat > "$out/.maskable.svg" <<SVG
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" fill="#2563eb"/><g transform="translate(136 136) scale(7.5)">$paths</g></svg>
SVG
rsvg-convert -w 512 -h 512 "$out/.maskable.svg" -o "$out/maskable-512.png"
rm "$out/.maskable.svg"
optipng -quiet -o5 -strip all "$out"/*.png
ls -l "$out"
