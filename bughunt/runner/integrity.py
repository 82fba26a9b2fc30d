"""The grader's own code inside the runner, kept out of the candidate's hands.

`observe` runs in the candidate's process, so a candidate could make it report anything by
replacing what it calls: a check's function, a helper of `scenarios`, the wire's encoder,
the socket. Two guards, both set up by trusted code before the candidate's first line runs:

- `Snapshot`: the identity of every function, class and module that `bughunt.*`,
  `scenarios.*` and the modules the wire uses (json, struct, socket, hmac, torch's own
  namespace) hold, with each function's code, defaults and closure, each class's methods
  and each `Check`'s fields. `changed()` compares them again after the import and after
  every observation (there without what the hook already guards): anything replaced is
  tampering.
- `install_audit_hook`: the interpreter's audit events for the usual tools of tampering
  (ctypes, tracing and profiling hooks, the garbage collector's object walks, other
  threads' frames, `/proc/*/mem`, a frame of the runner's own, rewriting a protected
  function) are refused where they happen and remembered for the verdict.

Neither makes a process safe from code running inside it; together with the sealed channel
(`wire.seal`) and candidate code running in a thread of its own (no path from its frames to
the runner's), they make forging an observation take something the hook refuses.
"""

from __future__ import annotations

import sys
import types

PROTECTED_PREFIXES = ("bughunt", "scenarios")
# What turns an observation into bytes on the channel, besides the grader's own packages.
PROTECTED_MODULES = ("__main__", "builtins", "json", "json.encoder", "struct", "socket", "_socket", "hmac", "math",
                     "torch", "torch.serialization")
REFUSED_EVENTS = frozenset({
    "sys.settrace", "sys.setprofile", "sys._current_frames", "sys._current_exceptions",
    "gc.get_objects", "gc.get_referrers", "gc.get_referents",
})
MAX_REMEMBERED = 8


def _protected(name: str) -> bool:
    return name in PROTECTED_MODULES or name.split(".", 1)[0] in PROTECTED_PREFIXES


def _function_state(function: types.FunctionType) -> tuple:
    cells = function.__closure__ or ()
    contents = []
    for cell in cells:
        try:
            contents.append(cell.cell_contents)
        except ValueError:  # an empty cell
            contents.append(None)
    return (function.__code__, function.__defaults__, function.__kwdefaults__, tuple(contents))


class Snapshot:
    """What the protected modules held when the runner took it (see the module docstring).

    `changed` is a closure over what was taken, and uses no global name, no builtin looked up
    at call time and no method of a class the candidate could patch: it runs beside the key,
    after candidate code, and must not hand control back to it."""

    def __init__(self) -> None:
        from bughunt.judge.checking import Check

        modules: list[tuple[str, dict, dict[str, object]]] = []
        functions: list[tuple[types.FunctionType, tuple]] = []
        classes: list[tuple[type, object, int, dict[str, object]]] = []
        checks: list[tuple[str, dict, tuple]] = []
        seen: set[int] = set()
        for name, module in list(sys.modules.items()):
            if not isinstance(module, types.ModuleType) or not _protected(name):
                continue
            own = name.split(".", 1)[0] in PROTECTED_PREFIXES
            kept = {key: value for key, value in vars(module).items() if _kept(value, own)}
            modules.append((name, module, vars(module), kept))
            for value in kept.values():
                if id(value) in seen:
                    continue
                seen.add(id(value))
                if isinstance(value, types.FunctionType):
                    functions.append((value, _function_state(value)))
                elif isinstance(value, type) and (own or value.__module__ == name):
                    namespace = vars(value)
                    # A grader class gaining a method (`__getattribute__`) counts; torch's
                    # classes fill caches of their own as they are used.
                    classes.append((value, namespace, len(namespace) if own else -1,
                                    {k: v for k, v in namespace.items() if _kept(v, True)}))
            # The checks themselves: module-level `Check`s and the `CHECKS` that list them.
            for value in vars(module).values() if own else ():
                for item in value if isinstance(value, (list, tuple)) else [value]:
                    if isinstance(item, Check) and id(item) not in seen:
                        seen.add(id(item))
                        state = object.__getattribute__(item, "__dict__")
                        checks.append((item.name, state, tuple(state.values())))
                        if isinstance(item.observe, types.FunctionType):
                            functions.append((item.observe, _function_state(item.observe)))
        self.protected_ids = frozenset(id(f) for f, _ in functions) | frozenset(id(c[0]) for c in classes)
        self.changed = _checker(modules, functions, classes, checks, sys.modules, len)


def _kept(value: object, own: bool) -> bool:
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)):
        return True
    # Modules a grader module imports; torch's own submodules may load lazily (dynamo).
    return own and isinstance(value, types.ModuleType)


def _checker(modules, functions, classes, checks, loaded: dict, length):
    def changed(audited: bool = True) -> str | None:
        """What was replaced since the snapshot, in a few words; None when nothing was.

        `audited=False` leaves out each function's `__code__`, `__defaults__` and
        `__kwdefaults__`: reading them raises an audit event per function (thousands of calls
        of the hook, milliseconds per observation), and writing them on a protected function
        is refused by the hook where it happens. The runner reads them once, after the import."""
        for name, module, namespace, kept in modules:
            if loaded.get(name) is not module:
                return "the module " + name + " was replaced"
            for key, value in kept.items():
                if namespace.get(key) is not value:
                    return name + "." + key + " was replaced"
        for function, (code, defaults, kwdefaults, contents) in functions:
            cells = function.__closure__ or ()
            same = length(cells) == length(contents) and (not audited or function.__code__ is code and
                                                          function.__defaults__ is defaults and
                                                          function.__kwdefaults__ is kwdefaults)
            index = 0  # no enumerate: only what was bound before the candidate ran is called here
            for cell in cells if same else ():
                try:
                    same = same and cell.cell_contents is contents[index]
                except ValueError:  # an empty cell
                    same = same and contents[index] is None
                index += 1  # noqa: SIM113
            if not same:
                return "a function of the grader (" + function.__qualname__ + ") was changed"
        for cls, namespace, size, kept in classes:
            if size >= 0 and length(namespace) != size:
                return "a class of the grader (" + cls.__qualname__ + ") was changed"
            for key, value in kept.items():
                if namespace.get(key) is not value:
                    return "a class of the grader (" + cls.__qualname__ + ") was changed"
        for name, state, values in checks:
            index = 0
            for value in state.values():
                if index >= length(values) or value is not values[index]:
                    return "the check " + name + " was changed"
                index += 1  # noqa: SIM113 - as above
        return None

    return changed


def install_audit_hook(snapshot: Snapshot, own_code: frozenset, flagged: list[str]) -> None:
    """Refuse the tools of tampering from now on in this process (and any it forks), noting
    each in `flagged`. `own_code`: the runner's code objects, whose frames are off limits."""
    protected = snapshot.protected_ids
    # Bound now: the candidate may replace the builtins later (the snapshot notices, but
    # the hook must not be fooled in between).
    is_a, ident, length, get, refuse = isinstance, id, len, getattr, PermissionError

    def hook(event: str, args: tuple) -> None:
        refused = None
        if event in REFUSED_EVENTS or event.startswith("ctypes."):
            refused = event
        elif event == "sys._getframe" and args and get(args[0], "f_code", None) in own_code:
            refused = "reading the runner's own frames"
        elif event == "object.__setattr__" and args and ident(args[0]) in protected:
            refused = "rewriting a grader function"
        elif event in ("open", "os.symlink") and args and is_a(args[0], (str, bytes)):
            path = args[0] if is_a(args[0], str) else args[0].decode("latin-1")
            # By its last part, wherever it is: a relative path or a dir_fd reaches it too.
            if path.rstrip("/").rsplit("/", 1)[-1] in ("mem", "pagemap"):
                refused = f"opening {path[:200]}"
            elif event == "os.symlink" and "/proc" in path:
                refused = "a link into /proc"
        if refused is None:
            return
        if length(flagged) < MAX_REMEMBERED:
            flagged.append(refused)
        raise refuse(f"bughunt: {refused} is not allowed while grading")

    sys.addaudithook(hook)
