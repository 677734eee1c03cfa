// Brotli copies for tools/bundle.py: `node tools/brotli.mjs SRC DEST [SRC DEST…]`
// writes each DEST as SRC compressed at the highest quality with a 16 MiB window
// (what browsers decode), through a temporary name so no reader sees half a file.
// Node's own zlib does it: no dependency beyond the Node the build already runs.
import { brotliCompressSync, constants } from "node:zlib";
import { readFileSync, renameSync, writeFileSync } from "node:fs";

const args = process.argv.slice(2);
for (let i = 0; i + 1 < args.length; i += 2) {
  const data = readFileSync(args[i]);
  const out = brotliCompressSync(data, { params: {
    [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
    [constants.BROTLI_PARAM_LGWIN]: 24,
    [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
  } });
  const tmp = `${args[i + 1]}.${process.pid}.tmp`;
  writeFileSync(tmp, out);
  renameSync(tmp, args[i + 1]);
}
