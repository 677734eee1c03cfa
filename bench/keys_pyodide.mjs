// The key checker inside Pyodide (node): import and warm-up time, median ms per
// sample key (bench/keys.py), and with CORPUS_DIR the verdicts for comparison
// with CPython's. Needs the vendored runtime (python3 -m tools.vendor).
//   node bench/keys_pyodide.mjs . [CORPUS_DIR]
// With CORPUS_DIR, writes verdicts.json there (compare with CPython's).
import fs from "fs";
const root = process.argv[2] || ".";
const corpus = process.argv[3];
const { loadPyodide } = await import(`${fs.realpathSync(root)}/assets/vendor/pyodide/pyodide.mjs`);
const py = await loadPyodide({ indexURL: `${fs.realpathSync(root)}/assets/vendor/pyodide/` });
const bytes = (p) => new Uint8Array(fs.readFileSync(p));
for (const w of fs.readdirSync(`${root}/assets/vendor/wheels`)) {
  if (/^(asn1crypto|ecdsa|six)-/.test(w)) py.unpackArchive(bytes(`${root}/assets/vendor/wheels/${w}`), "wheel");
}
py.FS.mkdirTree("/w/app/keys");
py.FS.mkdirTree("/w/bench/samples");
py.FS.writeFile("/w/app/__init__.py", "");
py.FS.writeFile("/w/bench/__init__.py", "");
py.FS.writeFile("/w/bench/keys.py", bytes(`${root}/bench/keys.py`));
for (const f of fs.readdirSync(`${root}/app/keys`)) if (f.endsWith(".py")) py.FS.writeFile(`/w/app/keys/${f}`, bytes(`${root}/app/keys/${f}`));
for (const f of fs.readdirSync(`${root}/bench/samples`)) py.FS.writeFile(`/w/bench/samples/${f}`, bytes(`${root}/bench/samples/${f}`));
py.FS.mkdirTree("/corpus");
if (corpus) for (const f of fs.readdirSync(corpus)) {
  if (fs.statSync(`${corpus}/${f}`).isFile() && f !== "verdicts.json") py.FS.writeFile(`/corpus/${f}`, bytes(`${corpus}/${f}`));
}
const out = await py.runPythonAsync(`
import json, os, sys, time
sys.path.insert(0, "/w")
t = time.perf_counter(); import app.keys as k
res = {"python": sys.version.split()[0], "import_ms": round((time.perf_counter() - t) * 1000, 1)}
t = time.perf_counter(); k.warm_up(); res["warm_up_ms"] = round((time.perf_counter() - t) * 1000, 1)
from bench.keys import bench_keys
res["median_ms"] = bench_keys(repeat=15)
verdicts = {}
for name in sorted(os.listdir("/corpus")):
    r = k.check_key(open("/corpus/" + name, "rb").read(), ["alice@example.org"])
    verdicts[name] = [r.accepted, r.kind, r.is_private, r.error_keys(), r.warning_keys(), r.note_keys()]
res["verdicts"] = verdicts
json.dumps(res)
`);
const res = JSON.parse(out);
if (corpus) fs.writeFileSync(`${corpus}/verdicts.json`, JSON.stringify(res.verdicts, null, 1));
delete res.verdicts;
console.log(JSON.stringify(res));
