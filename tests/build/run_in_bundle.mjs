// Run Python inside the page's built runtime under Node: the versioned Pyodide,
// the trimmed bytecode stdlib and the app and lib archives on sys.path, set up as
// assets/vendor/runtime.mjs does in the browser; the repository is at /repo.
// Prints what the code leaves in the global `result` (a string).
//   node tests/build/run_in_bundle.mjs RUNTIME_DIR STDLIB_ZIP APP_ZIP LIB_ZIP REPO CODE_FILE
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [rt, stdlib, app, lib, repo, codeFile] = process.argv.slice(2).map((p) => path.resolve(p));
const { loadPyodide } = await import(pathToFileURL(path.join(rt, "pyodide.mjs")).href);
// app.ui binds to the page at import; a bare object stands in (the UI itself is
// tested in the browser, tests/e2e).
globalThis.document ??= {};
const info = JSON.parse(fs.readFileSync(path.join(repo, "assets/vendor/pyodide/pyodide-lock.json"))).info;
const py = await loadPyodide({
  indexURL: rt + "/",
  lockFileContents: JSON.stringify({ info, packages: {} }),
  stdLibURL: stdlib,
  env: { PYTHONPATH: "/lib/app.zip" },
  fsInit: (FS) => {
    FS.writeFile("/lib/app.zip", new Uint8Array(fs.readFileSync(app)));
    FS.writeFile("/lib/lib.zip", new Uint8Array(fs.readFileSync(lib)));
  },
  stdout: () => {},
});
py.pyimport("sys").path.insert(1, "/lib/lib.zip");
py.FS.mkdir("/repo");
py.FS.mount(py.FS.filesystems.NODEFS, { root: repo }, "/repo");
await py.runPythonAsync(fs.readFileSync(codeFile, "utf8"));
console.log(py.globals.get("result"));
