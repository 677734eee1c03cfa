// Compile Python sources to bytecode with the vendored Pyodide itself, under Node.
//
//   node tools/pyodide_compile.mjs PYODIDE_DIR WORK_DIR
//
// WORK_DIR/job.json is {"prefix": "...", "compile": ["a/b.py", ...], "analyse": [...],
// "skip_mains": bool, "strip_docstrings": bool}.
// Every file under WORK_DIR/src listed in "compile" becomes WORK_DIR/out/<path>c,
// an unchecked-hash pyc whose co_filename is prefix + path (tracebacks name it),
// without docstrings if asked;
// no timestamp goes in, so the bytes depend only on the source and the runtime.
// For "compile" and "analyse" files alike, the modules each one imports (import
// statements, import_module("literal"); eager or lazy, see Imports) are written to
// WORK_DIR/imports.json (with the modules the interpreter imports by itself at
// start), so the build can keep exactly the stdlib modules the page can reach. The bytecode must come from the interpreter the page runs:
// the build machine's CPython may be another version. tools/bytecode.py drives this.
import { pathToFileURL } from "node:url";
import path from "node:path";

const [pyodideDir, work] = process.argv.slice(2).map((p) => path.resolve(p));
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: pyodideDir + "/", stdout: () => {}, stderr: (s) => console.error(s) });
py.FS.mkdir("/work");
py.FS.mount(py.FS.filesystems.NODEFS, { root: work }, "/work");
// What the interpreter imported on its own while starting (before this script's imports).
const boot = py.runPython("import sys; sorted(sys.modules)").toJs();
py.globals.set("boot", boot);
py.runPython(`
import ast, importlib.util, json, os
from importlib._bootstrap_external import _code_to_hash_pyc


def module_of(rel):
    name = rel[:-3].replace("/", ".")
    return name[:-9] if name.endswith(".__init__") else name


class Imports(ast.NodeVisitor):
    """Modules a file may import: "eager" ones run when it is imported (module
    level, class bodies), "lazy" ones only when a function runs. Blocks that never
    run in the page (if __name__ == "__main__", if TYPE_CHECKING) are left out."""

    def __init__(self, name, is_pkg, skip_mains):
        self.name, self.is_pkg, self.depth, self.skip_mains = name, is_pkg, 0, skip_mains
        self.eager, self.lazy = set(), set()

    def add(self, *mods):
        (self.lazy if self.depth else self.eager).update(m for m in mods if m)

    def visit_FunctionDef(self, node):
        # A library module's own command line or self-test (python -m json.tool ...).
        if self.skip_mains and self.depth == 0 and getattr(node, "name", "") in ("main", "_main", "_test"):
            return
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

    def visit_If(self, node):
        test = ast.unparse(node.test)
        if test in ("__name__ == '__main__'", "TYPE_CHECKING", "typing.TYPE_CHECKING"):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node):
        self.add(*(a.name for a in node.names))

    def visit_ImportFrom(self, node):
        if node.level:
            base = self.name.split(".") if self.is_pkg else self.name.split(".")[:-1]
            base = base[:len(base) - node.level + 1]
            mod = ".".join(base + ([node.module] if node.module else []))
        else:
            mod = node.module
        self.add(mod, *(f"{mod}.{a.name}" for a in node.names if a.name != "*"))

    def visit_Call(self, node):
        func = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if (func in ("import_module", "__import__") and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            self.add(node.args[0].value)
        self.generic_visit(node)


def strip_docstrings(tree):
    """Drop module, class and function docstrings, as python -OO does, keeping
    asserts (ecdsa reports bad points with them) and every line number."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                doc = body.pop(0)
                if not body:
                    body.append(ast.copy_location(ast.Pass(), doc))
    return tree


def imports_of(tree, name, is_pkg, skip_mains):
    v = Imports(name, is_pkg, skip_mains)
    v.visit(tree)
    return {"eager": sorted(v.eager), "lazy": sorted(v.lazy - v.eager)}


job = json.load(open("/work/job.json"))
analyse_only = set(job["analyse"])
graph, errors = {}, []
for rel in job["compile"] + job["analyse"]:
    with open("/work/src/" + rel, "rb") as f:
        source = f.read()
    name = module_of(rel)
    try:
        graph[name] = imports_of(ast.parse(source), name, rel.endswith("__init__.py"),
                                 job.get("skip_mains", False))
        if rel in analyse_only:
            continue
        tree = ast.parse(source)
        if job.get("strip_docstrings"):
            tree = strip_docstrings(tree)
        code = compile(tree, job["prefix"] + rel, "exec", dont_inherit=True, optimize=0)
    except SyntaxError as e:
        errors.append(f"{rel}, line {e.lineno}: {e.msg}")
        continue
    data = _code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False)
    out = "/work/out/" + rel + "c"
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "wb") as f:
        f.write(data)
with open("/work/imports.json", "w") as f:
    json.dump({"imports": graph, "errors": errors, "boot": list(boot)}, f, indent=0, sort_keys=True)
`);
