/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-app-choice.h"

char *coroner_app_choice_get(GSettings *settings, const char *app_key)
{
    g_autoptr(GVariant) choices = g_settings_get_value(settings, "app-choices");
    const char *choice = NULL;

    if (app_key && g_variant_lookup(choices, app_key, "&s", &choice))
        return g_strdup(choice);
    return NULL;
}

void coroner_app_choice_set(GSettings *settings, const char *app_key, const char *choice)
{
    g_autoptr(GVariant) choices = g_settings_get_value(settings, "app-choices");
    g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));
    GVariantIter iter;
    const char *key, *value;

    g_variant_iter_init(&iter, choices);
    while (g_variant_iter_next(&iter, "{&s&s}", &key, &value))
        if (!g_str_equal(key, app_key))
            g_variant_builder_add(&builder, "{ss}", key, value);
    if (choice)
        g_variant_builder_add(&builder, "{ss}", app_key, choice);
    g_settings_set_value(settings, "app-choices", g_variant_builder_end(&builder));
}

GStrv coroner_app_choice_list(GSettings *settings, const char *choice)
{
    g_autoptr(GVariant) choices = g_settings_get_value(settings, "app-choices");
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    GVariantIter iter;
    const char *key, *value;

    g_variant_iter_init(&iter, choices);
    while (g_variant_iter_next(&iter, "{&s&s}", &key, &value))
        if (g_str_equal(value, choice))
            g_strv_builder_add(builder, key);
    return g_strv_builder_end(builder);
}
