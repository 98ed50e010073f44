"""The shape a newcomer relies on, held true: few shared modules, small modules, thin handlers.

- Shared modules: the flat modules of ``layers/common/snapshot_sentinel/`` (``__init__.py`` aside) are
  at most ten, and each is used by at least two capabilities. A capability is a folder of the layer
  (``backup/``, ``restore/``...) together with the handlers that call into it: ``wiring`` and
  ``observability`` are plumbing the handlers use, so counting the layer folders alone would call
  them unshared. A handler counts for every capability folder it imports from.
- Small modules: no module of the layer, the CLI or the emulator is over 400 lines unless its module
  docstring says why, with the words "over 400 lines because".
- Thin handlers (``functions/*/app.py``): the module is its docstring, its imports and one
  ``lambda_handler``; the handler is at most seven statements (settings, clients, log keys, the call,
  a log line, metrics, the return), without branches, loops, raises, comprehensions, conditional
  expressions or ``and``/``or`` (a log call's arguments may choose their words, and an ``if`` whose
  branches only log may choose the level), one ``try`` at most whose every ``except`` logs and raises
  again; and it makes one call into the layer: a call of a
  function imported from a capability folder, not counting a call whose result only feeds another
  such call (``restore_run`` building the run the step takes) nor one inside ``publish_metrics(...)``
  (a capability's metric builder: tests/bench/cost_model.py counts the handlers' metrics there).
  Constructing an injected dependency (a capitalised name), settings, clients, the clock and
  observability are not calls into the layer.
- Settings: each function family's settings class is a frozen dataclass in its capability's
  ``settings.py`` (the flat ``settings.py`` keeps the readers and the shared ``DomainSettings``), and
  a handler touches ``os.environ`` only to pass it on (to ``from_env``, to a client factory).

The one SNS publish is held by tests/unit/alerts/test_one_publish.py.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common" / "snapshot_sentinel"
PACKAGE = "snapshot_sentinel"
MAX_FLAT_MODULES = 10
MAX_LINES = 400
LONG_MODULE_REASON = "over 400 lines because"
MAX_HANDLER_STATEMENTS = 7
PLUMBING = {"settings", "wiring", "clock", "observability"}


def _imported_modules(tree: ast.AST) -> set[str]:
    """Every snapshot_sentinel module a file imports, ``from snapshot_sentinel import clock`` included."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith(PACKAGE))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
            found.add(node.module)
            if node.module == PACKAGE:
                found.update(f"{PACKAGE}.{alias.name}" for alias in node.names)
    return found


def _flat_modules() -> list[str]:
    return sorted(path.stem for path in LAYER.glob("*.py") if path.stem != "__init__")


def _capabilities() -> list[str]:
    return sorted(path.parent.name for path in LAYER.glob("*/__init__.py"))


def _capabilities_of(modules: set[str], capabilities: list[str]) -> set[str]:
    return {part[1] for part in (module.split(".") for module in modules) if len(part) > 2 and part[1] in capabilities}


def _users_of_flat_modules() -> dict[str, set[str]]:
    capabilities = _capabilities()
    users: dict[str, set[str]] = defaultdict(set)
    sources = [(path, None) for path in LAYER.glob("*/**/*.py")]
    sources += [(path, "handler") for path in (ROOT / "functions").glob("*/app.py")]
    for path, kind in sources:
        imported = _imported_modules(ast.parse(path.read_text(), filename=str(path)))
        using = _capabilities_of(imported, capabilities) if kind else {path.relative_to(LAYER).parts[0]}
        for module in imported:
            parts = module.split(".")
            if len(parts) == 2:
                for capability in using:
                    users[parts[1]].add(capability)
    return users


def test_the_layer_has_at_most_ten_flat_modules():
    flat = _flat_modules()

    assert len(flat) <= MAX_FLAT_MODULES, (
        f"{len(flat)} flat modules in layers/common/snapshot_sentinel/ ({', '.join(flat)}); at most "
        f"{MAX_FLAT_MODULES}: move a module one capability uses into that capability's folder"
    )


def test_each_flat_module_is_used_by_two_capabilities_or_more():
    users = _users_of_flat_modules()

    lonely = {module: sorted(users.get(module, set())) for module in _flat_modules() if len(users.get(module, ())) < 2}

    assert not lonely, (
        "flat modules of layers/common/snapshot_sentinel/ used by fewer than two capabilities "
        f"(module: the capabilities using it): {lonely}; move each into the folder of the capability that uses it"
    )


def _checked_modules() -> list[Path]:
    emulator = ROOT / "tests" / "emulator"
    checked = list(LAYER.rglob("*.py")) + list((ROOT / "cli" / "sentinel_cli").rglob("*.py"))
    checked += [path for path in emulator.rglob("*.py") if "tests" not in path.relative_to(emulator).parts]
    return sorted(checked)


def test_no_module_is_over_400_lines_without_saying_why():
    too_long = {}
    for path in _checked_modules():
        text = path.read_text()
        lines = len(text.splitlines())
        docstring = ast.get_docstring(ast.parse(text, filename=str(path))) or ""
        name = str(path.relative_to(ROOT))
        if lines > MAX_LINES and LONG_MODULE_REASON not in " ".join(docstring.split()):
            too_long[name] = lines

    assert not too_long, (
        f"modules over {MAX_LINES} lines (path: lines): {too_long}; split each along its seams, or say in its "
        f"module docstring why it must stay whole ('{LONG_MODULE_REASON} ...')"
    )


def _handlers() -> list[Path]:
    return sorted((ROOT / "functions").glob("*/app.py"))


def _layer_functions(tree: ast.Module) -> set[str]:
    """Names the handler imports from a capability folder that are functions (lowercase), not classes."""
    names = set()
    capabilities = _capabilities()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE + "."):
            parts = node.module.split(".")
            if parts[1] in capabilities and parts[-1] not in PLUMBING:
                names.update(alias.asname or alias.name for alias in node.names if alias.name[:1].islower())
    return names


def _is_log_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "logger"
    )


def _logic_in(handler: ast.FunctionDef) -> list[str]:
    found = []
    pending: list[ast.AST] = list(handler.body)
    tries = 0
    while pending:
        node = pending.pop()
        if _is_log_call(node):
            continue
        if isinstance(node, ast.If) and all(
            isinstance(branch, ast.Expr) and _is_log_call(branch.value) for branch in [*node.body, *node.orelse]
        ):
            continue
        if isinstance(node, ast.Try):
            tries += 1
            reraises = all(isinstance(h.body[-1], ast.Raise) and h.body[-1].exc is None for h in node.handlers)
            if tries > 1 or not reraises or node.orelse or node.finalbody:
                found.append(f"a try beyond one whose every except logs and raises again (line {node.lineno})")
            pending.extend(node.body)
            for except_handler in node.handlers:
                pending.extend(except_handler.body[:-1])
            continue
        forbidden = (
            ast.If,
            ast.For,
            ast.AsyncFor,
            ast.While,
            ast.With,
            ast.Match,
            ast.Raise,
            ast.Assert,
            ast.IfExp,
            ast.BoolOp,
            ast.ListComp,
            ast.SetComp,
            ast.DictComp,
            ast.GeneratorExp,
            ast.FunctionDef,
            ast.ClassDef,
        )
        if isinstance(node, forbidden):
            found.append(f"{type(node).__name__} (line {getattr(node, 'lineno', '?')})")
        pending.extend(ast.iter_child_nodes(node))
    return found


def _is_metrics_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "publish_metrics"


def _calls_into_the_layer(handler: ast.FunctionDef, layer_functions: set[str]) -> list[str]:
    calls: list[ast.Call] = []
    pending: list[ast.AST] = list(handler.body)
    while pending:
        node = pending.pop()
        if _is_metrics_call(node):
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in layer_functions:
            calls.append(node)
        pending.extend(ast.iter_child_nodes(node))
    builders = {}
    for node in ast.walk(handler):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and node.value in calls:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    builders[target.id] = node.value
    fed = set()
    for call in calls:
        for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
            if isinstance(argument, ast.Name) and argument.id in builders:
                fed.add(id(builders[argument.id]))
            elif isinstance(argument, ast.Call) and argument in calls:
                fed.add(id(argument))
    return [f"{ast.unparse(call.func)} (line {call.lineno})" for call in calls if id(call) not in fed]


def _what_makes_it_thick(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    problems = []
    handler = None
    for index, node in enumerate(tree.body):
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.FunctionDef) and node.name == "lambda_handler" and handler is None:
            handler = node
            continue
        problems.append(f"module-level {type(node).__name__} at line {node.lineno} (only imports and lambda_handler)")
    if handler is None:
        return [*problems, "no lambda_handler"]
    if len(handler.body) > MAX_HANDLER_STATEMENTS:
        problems.append(f"{len(handler.body)} statements (at most {MAX_HANDLER_STATEMENTS})")
    problems += _logic_in(handler)
    calls = _calls_into_the_layer(handler, _layer_functions(tree))
    if len(calls) != 1:
        problems.append(f"{len(calls)} calls into the layer, expected one: {calls}")
    return problems


def test_handlers_hold_settings_one_call_into_the_layer_and_logging_only():
    thick = {}
    for path in _handlers():
        problems = _what_makes_it_thick(path)
        if problems:
            thick[str(path.relative_to(ROOT))] = problems

    assert not thick, (
        "handlers holding more than settings, one call into the layer and logging (handler: what): "
        f"{thick}; move the logic into layers/common/snapshot_sentinel/<capability>/"
    )


def _is_frozen_dataclass(node: ast.ClassDef) -> bool:
    return any(
        isinstance(decorator, ast.Call)
        and ast.unparse(decorator.func) == "dataclass"
        and any(
            k.arg == "frozen" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in decorator.keywords
        )
        for decorator in node.decorator_list
    )


def test_each_family_reads_its_settings_through_a_frozen_class_in_its_capability_folder():
    misplaced = {}
    for path in sorted(LAYER.rglob("*.py")):
        where = path.relative_to(LAYER)
        for node in ast.parse(path.read_text(), filename=str(path)).body:
            if not (isinstance(node, ast.ClassDef) and node.name.endswith("Settings")):
                continue
            shared = str(where) == "settings.py" and node.name == "DomainSettings"
            in_its_folder = len(where.parts) == 2 and where.name == "settings.py"
            if not _is_frozen_dataclass(node):
                misplaced[node.name] = f"{where}: not a frozen dataclass"
            elif not (shared or in_its_folder):
                misplaced[node.name] = f"{where}: belongs in <capability>/settings.py"

    assert not misplaced, (
        f"settings classes (class: where, what): {misplaced}; one frozen dataclass per function family in its "
        "capability's settings.py (the flat settings.py keeps the readers and DomainSettings)"
    )


def test_handlers_read_the_environment_only_through_settings_classes():
    reads = {}
    for path in _handlers():
        tree = ast.parse(path.read_text(), filename=str(path))
        passed_on = {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call) for arg in node.args}
        for node in ast.walk(tree):
            environ = isinstance(node, ast.Attribute) and ast.unparse(node) in ("os.environ", "os.getenv")
            if environ and id(node) not in passed_on:
                reads.setdefault(str(path.relative_to(ROOT)), []).append(f"line {node.lineno}")

    assert not reads, (
        f"handlers reading os.environ themselves (handler: where): {reads}; read the variable in the family's "
        "settings class and pass os.environ to its from_env"
    )
