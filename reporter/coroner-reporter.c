/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* coroner-reporter: see coroner-application.h. */
#include <glib/gi18n.h>
#include <locale.h>

#include "coroner-application.h"
#include "build-config.h"

int main(int argc, char **argv)
{
    g_autoptr(CoronerApplication) app = NULL;
    const char *localedir = g_getenv("CORONER_LOCALEDIR");

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, localedir && *localedir ? localedir : CORONER_LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
    g_set_application_name(_("Crash Reports"));

    app = coroner_application_new();
    return g_application_run(G_APPLICATION(app), argc, argv);
}
