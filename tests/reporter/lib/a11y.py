#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Drives coroner-reporter's window through AT-SPI, as an assistive technology
or a keyboard user would (dogtail over the accessibility bus).

  a11y.py wait-window TITLE [SECONDS]      a frame (or dialog) named TITLE is showing
  a11y.py wait-text TEXT [SECONDS]         some showing node's name or text contains TEXT
  a11y.py text ROLE NAME                   prints the text of the node (e.g. a text view)
  a11y.py click NAME [ROLE]                does the default action of the node (a button)
  a11y.py toggle NAME [ROLE]               does the toggle action of a check box or switch (GTK 4.8 exposes
                                           a GtkSwitch as a check box, the default ROLE; "any": any role)
  a11y.py checked NAME [ROLE]              prints true or false: whether the check box or switch is on
  a11y.py expand NAME                      opens the expander NAME with its own action, as a screen reader
                                           user does, and waits until it says it is expanded
  a11y.py shown-matching REGEX             lists every showing node whose name or text matches REGEX
                                           (role, the matching line); exit 3 when there is one
  a11y.py type NAME TEXT                   focuses the editable node and types TEXT via the keyboard
  a11y.py keys KEY…                        key presses on the focused window: Return, Tab, <Alt>s, space
  a11y.py point TITLE                      moves the pointer over the frame TITLE (no click): without a
                                           window manager, X gives the keyboard to the window under it
  a11y.py move X Y                         moves the pointer to X, Y on the screen
  a11y.py focused                          prints the role and name of the focused node
  a11y.py names                            lists every showing node: role, name
  a11y.py unnamed-controls                 lists controls (buttons, entries, …) without an accessible name
  a11y.py toplevels                        lists the application's windows: role, name, showing
  a11y.py gtk-named                        lists every node (showing or not) named after a GTK type
                                           ("GtkExpander"): GTK 4.8 names unlabelled objects so

Exit 0 on success, 1 (with a message) on failure; the listing commands
(shown-matching, unnamed-controls, gtk-named) exit 3 when they list something,
so that a caller tells "found some" from "could not look".
"""
import os
import re
import sys
import time

os.environ.setdefault("GTK_MODULES", "gail:atk-bridge")
from dogtail import config  # noqa: E402

config.config.logDebugToFile = False
config.config.logDebugToStdOut = False
config.config.searchShowingOnly = True
config.config.actionDelay = 0.2
config.config.typingDelay = 0.03
config.config.defaultDelay = 0.3
import pyatspi  # noqa: E402
from dogtail import rawinput, tree  # noqa: E402
from dogtail.predicate import GenericPredicate  # noqa: E402

APP = os.environ.get("CORONER_A11Y_APP", "coroner-reporter")
WINDOW_ROLES = {"frame", "dialog", "window", "file chooser", "filler"}
CONTROL_ROLES = {"push button", "toggle button", "check box", "radio button", "text", "entry",
                 "password text", "combo box", "spin button", "slider", "menu item", "link"}


def app():
    deadline = time.time() + float(os.environ.get("CORONER_A11Y_TIMEOUT", "60"))
    while True:
        try:
            for child in tree.root.children:
                if child is not None and child.name == APP:
                    return child
        except Exception:
            pass
        if time.time() > deadline:
            sys.exit(f"a11y: no application {APP!r} on the accessibility bus")
        time.sleep(0.3)


def walk(node, depth=0):
    if node is None or depth > 40:
        return
    yield node
    try:
        children = node.children
    except Exception:
        return
    for child in children:
        yield from walk(child, depth + 1)


def showing(node):
    """On screen: GTK 4.8 sets no SHOWING state below the toplevel, but what is
    not mapped (another page of a stack, a closed expander) has an empty extent."""
    try:
        if node.roleName == "application":
            return True
        if node.roleName in ("frame", "window", "dialog"):
            # Toplevels do carry SHOWING, and their extents are not kept up to date.
            return node.showing
        x, y, width, height = node.extents
        return width > 0 and height > 0
    except Exception:
        return False


def node_text(node):
    try:
        return node.text or ""
    except Exception:
        return ""


def wait_for(predicate, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        for node in walk(app()):
            try:
                if showing(node) and predicate(node):
                    return node
            except Exception:
                continue
        time.sleep(0.3)
    sys.exit(f"a11y: {what} did not appear within {seconds:.0f} s")


def focus(node):
    """GTK 4.8 does not implement Component.GrabFocus: click into the node
    instead (a real pointer event at its centre), as a user would."""
    try:
        node.grabFocus()
    except Exception:
        x, y, width, height = node.extents
        rawinput.click(x + width // 2, y + height // 2)
    time.sleep(0.3)


def find_window(name, seconds):
    """A top-level window of the application.  GTK 4.8 exposes a second
    toplevel (a dialog) as a "filler" that is never SHOWING: by name only."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            for node in app().children:
                if node is not None and node.name == name and (node.roleName in WINDOW_ROLES or not node.showing):
                    return node
        except Exception:
            pass
        time.sleep(0.3)
    sys.exit(f"a11y: window {name!r} did not appear within {seconds:.0f} s")


# The listing commands' exit status when they list something (1 is a failure to look).
FOUND = 3


def find(name, role=None, seconds=30):
    return wait_for(lambda n: n.name == name and (role is None or n.roleName == role), seconds,
                    f"{role or 'node'} {name!r}")


def main(argv):
    cmd = argv[1] if len(argv) > 1 else "names"
    if cmd == "wait-window":
        seconds = float(argv[3]) if len(argv) > 3 else 30
        find_window(argv[2], seconds)
    elif cmd == "wait-text":
        seconds = float(argv[3]) if len(argv) > 3 else 30
        wait_for(lambda n: argv[2] in (n.name or "") or argv[2] in node_text(n), seconds, f"text {argv[2]!r}")
    elif cmd == "text":
        node = find(argv[3], argv[2])
        print(node_text(node))
    elif cmd == "click":
        node = find(argv[2], argv[3] if len(argv) > 3 else "push button")
        node.doActionNamed("click")
    elif cmd == "toggle":
        role = argv[3] if len(argv) > 3 else "check box"
        node = find(argv[2], None if role == "any" else role)
        # GTK names a switch's action "toggle" (4.8) and a check box's "click"; either is the user's toggle.
        actions = node.actions
        action = next((a for a in ("toggle", "click", "activate") if a in actions), None)
        if action is None:
            sys.exit(f"a11y: {argv[2]!r} has no toggle action (it has {sorted(actions)})")
        actions[action].do()
    elif cmd == "expand":
        node = find(argv[2])
        # GTK 4.8 gives an expander one action ("activate"); other versions call it "click" or "toggle".
        actions = node.actions
        action = next((a for a in ("activate", "click", "toggle") if a in actions), None)
        if action is None:
            sys.exit(f"a11y: {argv[2]!r} ({node.roleName}) has no action to open it (it has {sorted(actions)})")
        actions[action].do()
        deadline = time.time() + 10
        while not node.getState().contains(pyatspi.STATE_EXPANDED):
            if time.time() > deadline:
                sys.exit(f"a11y: {argv[2]!r} did not say it is expanded after {action!r}")
            time.sleep(0.2)
        time.sleep(0.5)  # its content is laid out in the next frame
    elif cmd == "shown-matching":
        pattern = re.compile(argv[2])
        hits = []
        for node in walk(app()):
            if not showing(node):
                continue
            for line in f"{node.name or ''}\n{node_text(node)}".splitlines():
                if pattern.search(line):
                    hits.append(f"{node.roleName}\t{line}")
        print("\n".join(hits))
        return FOUND if hits else 0
    elif cmd == "checked":
        node = find(argv[2], argv[3] if len(argv) > 3 else "check box")
        print("true" if node.checked else "false")
    elif cmd == "type":
        node = wait_for(lambda n: n.name == argv[2] and n.roleName in ("text", "entry", "password text"), 30,
                        f"editable text {argv[2]!r}")
        focus(node)
        # Real key events (XTest through the accessibility registry), as a keyboard user types.
        rawinput.typeText(argv[3])
    elif cmd == "keys":
        for key in argv[2:]:
            if key.startswith("<"):
                rawinput.keyCombo(key)
            else:
                rawinput.pressKey(key)
            time.sleep(0.3)
    elif cmd == "point":
        frame = find_window(argv[2], 30)
        x, y, width, height = frame.extents
        rawinput.absoluteMotion(x + width // 2, y + height // 2)
    elif cmd == "move":
        rawinput.absoluteMotion(int(argv[2]), int(argv[3]))
    elif cmd == "focused":
        node = wait_for(lambda n: n.focused, 10, "a focused node")
        print(f"{node.roleName}\t{node.name}")
    elif cmd == "names":
        for node in walk(app()):
            if showing(node):
                print(f"{node.roleName}\t{node.name}")
    elif cmd == "unnamed-controls":
        bad = [f"{n.roleName} in {n.parent.name!r}" for n in walk(app())
               if showing(n) and n.roleName in CONTROL_ROLES and not (n.name or "").strip()]
        print("\n".join(bad))
        return FOUND if bad else 0
    elif cmd == "toplevels":
        for node in app().children:
            print(f"{node.roleName}\t{node.name}\tshowing={node.showing}")
    elif cmd == "gtk-named":
        pattern = re.compile(r"^(Gtk|Adw)[A-Z]")
        bad = [f"{n.roleName}\t{n.name}" for n in walk(app()) if pattern.match(n.name or "")]
        print("\n".join(bad))
        return FOUND if bad else 0
    else:
        sys.exit(f"a11y: unknown command {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
