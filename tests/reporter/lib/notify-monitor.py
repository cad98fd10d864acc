#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Watches org.freedesktop.Notifications on the session bus as a D-Bus monitor
(org.freedesktop.DBus.Monitoring.BecomeMonitor) and writes one JSON object per
line to stdout:

  {"type": "notify", "serial": S, "sender": ":1.5", "app_name": …, "replaces_id": N,
   "icon": …, "summary": …, "body": …, "actions": [[key, label], …], "hints": {…}}
  {"type": "notify-reply", "reply_serial": S, "id": N}     the server's answer: the id
  {"type": "action", "id": N, "action": "default"}        ActionInvoked
  {"type": "closed", "id": N, "reason": R}                 NotificationClosed

It prints {"type": "ready"} once it is monitoring.  What it observes is what
travelled over the bus between the reporter and the real notification server.
"""
import json
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

IFACE = "org.freedesktop.Notifications"


def emit(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def plain(value):
    if isinstance(value, GLib.Variant):
        return plain(value.unpack())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


pending = set()


def on_message(connection, message, incoming):
    if not incoming:
        return message
    try:
        mtype = message.get_message_type()
        if mtype == Gio.DBusMessageType.METHOD_CALL and message.get_interface() == IFACE \
                and message.get_member() == "Notify":
            body = message.get_body().unpack()
            app_name, replaces_id, icon, summary, text, actions, hints, timeout = body
            pending.add(message.get_serial())
            emit({"type": "notify", "serial": message.get_serial(), "sender": message.get_sender(),
                  "app_name": app_name, "replaces_id": replaces_id, "icon": icon,
                  "summary": summary, "body": text,
                  "actions": [[actions[i], actions[i + 1]] for i in range(0, len(actions) - 1, 2)],
                  "hints": {k: plain(v) for k, v in hints.items() if k != "image-data"},
                  "timeout": timeout})
        elif mtype == Gio.DBusMessageType.METHOD_RETURN and message.get_reply_serial() in pending:
            pending.discard(message.get_reply_serial())
            body = message.get_body()
            emit({"type": "notify-reply", "reply_serial": message.get_reply_serial(),
                  "id": body.unpack()[0] if body is not None else None})
        elif mtype == Gio.DBusMessageType.SIGNAL and message.get_interface() == IFACE:
            args = message.get_body().unpack()
            if message.get_member() == "ActionInvoked":
                emit({"type": "action", "id": args[0], "action": args[1]})
            elif message.get_member() == "NotificationClosed":
                emit({"type": "closed", "id": args[0], "reason": args[1]})
    except Exception as e:  # a monitor must never die of one odd message
        emit({"type": "monitor-error", "error": str(e)})
    # The reply to BecomeMonitor must get through to call_sync.  A monitored
    # method call must not: GDBus would answer it, and the bus disconnects a
    # monitor that sends anything.
    if incoming and message.get_message_type() == Gio.DBusMessageType.METHOD_CALL:
        return None
    return message


def main():
    address = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None)
    connection = Gio.DBusConnection.new_for_address_sync(
        address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None, None)
    rules = [
        "type='method_call',interface='%s',member='Notify'" % IFACE,
        "type='method_return'",
        "type='signal',interface='%s'" % IFACE,
    ]
    connection.add_filter(on_message)
    connection.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                         "org.freedesktop.DBus.Monitoring", "BecomeMonitor",
                         GLib.Variant("(asu)", (rules, 0)), None, Gio.DBusCallFlags.NONE, -1, None)
    emit({"type": "ready"})
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
