#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The session integration files agree with each other and systemd accepts
# the user unit: systemd-analyze --user verify (with ExecStart pointing at the
# built program, since the installed path does not exist here); the D-Bus
# service names the bus name and the unit; the autostart file stands aside
# under systemd; the preset enables the unit.
set -euo pipefail
data_build=$1 data_source=$2 reporter=$3
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze missing (package systemd)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; status=1; fi; }

mkdir -m 0700 "$tmp/run" "$tmp/units"
sed "s|^ExecStart=[^ ]*|ExecStart=$reporter|" "$data_build/coroner-reporter.service" >"$tmp/units/coroner-reporter.service"
if XDG_RUNTIME_DIR=$tmp/run systemd-analyze --user verify "$tmp/units/coroner-reporter.service" >"$tmp/verify.log" 2>&1; then
    echo "ok: systemd-analyze --user verify coroner-reporter.service"
else
    echo "FAIL: systemd-analyze --user verify:"; cat "$tmp/verify.log"; status=1
fi
unit=$data_build/coroner-reporter.service
service=$data_build/org.coroner.Reporter.service
autostart=$data_build/org.coroner.Reporter-autostart.desktop
desktop=$data_build/org.coroner.Reporter.desktop
check "the unit is part of the graphical session" "grep -qx 'PartOf=graphical-session.target' '$unit' && grep -qx 'WantedBy=graphical-session.target' '$unit'"
check "the unit is Type=dbus on org.coroner.Reporter" "grep -qx 'Type=dbus' '$unit' && grep -qx 'BusName=org.coroner.Reporter' '$unit'"
check "the D-Bus service names the bus name and the unit" "grep -qx 'Name=org.coroner.Reporter' '$service' && grep -qx 'SystemdService=coroner-reporter.service' '$service'"
check "the unit, D-Bus service and autostart run the service mode" "grep -q -- '--gapplication-service' '$unit' && grep -q -- '--gapplication-service' '$service' && grep -q -- '--gapplication-service' '$autostart'"
check "the autostart file stands aside under systemd" "grep -qx 'X-GNOME-HiddenUnderSystemd=true' '$autostart'"
check "the desktop file is D-Bus activatable under the application id" "grep -qx 'DBusActivatable=true' '$desktop'"
check "the preset enables the unit" "grep -qx 'enable coroner-reporter.service' '$data_source/systemd/90-coroner.preset'"
exit $status
