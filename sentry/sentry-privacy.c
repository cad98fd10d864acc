/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-privacy.h"

#include <pwd.h>
#include <string.h>
#include <unistd.h>

struct CoronerSentryScrubber {
    GPtrArray *homes; /* char*, longest first once sorted */
    GPtrArray *users;
    GPtrArray *hosts;
};

CoronerSentryScrubber *coroner_sentry_scrubber_new(void)
{
    CoronerSentryScrubber *s = g_new0(CoronerSentryScrubber, 1);
    s->homes = g_ptr_array_new_with_free_func(g_free);
    s->users = g_ptr_array_new_with_free_func(g_free);
    s->hosts = g_ptr_array_new_with_free_func(g_free);
    return s;
}

void coroner_sentry_scrubber_free(CoronerSentryScrubber *s)
{
    if (!s)
        return;
    g_ptr_array_unref(s->homes);
    g_ptr_array_unref(s->users);
    g_ptr_array_unref(s->hosts);
    g_free(s);
}

static int longest_first(gconstpointer a, gconstpointer b)
{
    size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
    return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Longest first, so that "/home/ann/x" is not half-replaced by a shorter "/home/ann" entry. */
static void add_unique(GPtrArray *list, const char *value)
{
    for (guint i = 0; i < list->len; i++)
        if (strcmp(list->pdata[i], value) == 0)
            return;
    g_ptr_array_add(list, g_strdup(value));
    g_ptr_array_sort(list, longest_first);
}

void coroner_sentry_scrubber_add_home(CoronerSentryScrubber *s, const char *home)
{
    if (!home || !*home)
        return;
    g_autofree char *trimmed = g_strdup(home);
    size_t n = strlen(trimmed);
    while (n > 1 && trimmed[n - 1] == '/')
        trimmed[--n] = '\0';
    if (strcmp(trimmed, "/") == 0)
        return;
    add_unique(s->homes, trimmed);
}

void coroner_sentry_scrubber_add_user(CoronerSentryScrubber *s, const char *user)
{
    if (user && *user)
        add_unique(s->users, user);
}

void coroner_sentry_scrubber_add_host(CoronerSentryScrubber *s, const char *host)
{
    if (!host || !*host || strcmp(host, "localhost") == 0)
        return;
    add_unique(s->hosts, host);
    /* The short name of a fully qualified host name identifies the machine too. */
    const char *dot = strchr(host, '.');
    if (dot && dot != host) {
        g_autofree char *shortname = g_strndup(host, (gsize)(dot - host));
        add_unique(s->hosts, shortname);
    }
}

static void add_passwd_entry(CoronerSentryScrubber *s, uid_t uid)
{
    struct passwd pw, *result = NULL;
    char buf[4096];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &result) == 0 && result) {
        coroner_sentry_scrubber_add_user(s, result->pw_name);
        coroner_sentry_scrubber_add_home(s, result->pw_dir);
    }
}

CoronerSentryScrubber *coroner_sentry_scrubber_new_for_record(const CoronerCrashRecord *record)
{
    CoronerSentryScrubber *s = coroner_sentry_scrubber_new();
    if (record->process.uid >= 0)
        add_passwd_entry(s, (uid_t)record->process.uid);
    if (record->process.owner_uid >= 0 && record->process.owner_uid != record->process.uid)
        add_passwd_entry(s, (uid_t)record->process.owner_uid);
    coroner_sentry_scrubber_add_host(s, record->hostname);
    add_passwd_entry(s, getuid());
    coroner_sentry_scrubber_add_user(s, g_get_user_name());
    coroner_sentry_scrubber_add_home(s, g_get_home_dir());
    coroner_sentry_scrubber_add_host(s, g_get_host_name());
    return s;
}

/* A name is replaced only as a whole word: "ann" in "annotation" stays. */
static gboolean is_word_char(char c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '-';
}


typedef gboolean (*BoundaryFunc)(char c);

static void replace_all(GString *text, const char *needle, const char *mark, BoundaryFunc before,
                        BoundaryFunc after)
{
    size_t nlen = strlen(needle);
    size_t mlen = strlen(mark);
    size_t pos = 0;
    while (pos < text->len) {
        const char *hit = strstr(text->str + pos, needle);
        if (!hit)
            break;
        size_t at = (size_t)(hit - text->str);
        gboolean ok_before = at == 0 || !before(text->str[at - 1]);
        char next = text->str[at + nlen];
        gboolean ok_after = next == '\0' || !after(next);
        if (ok_before && ok_after) {
            g_string_erase(text, (gssize)at, (gssize)nlen);
            g_string_insert(text, (gssize)at, mark);
            pos = at + mlen;
        } else {
            pos = at + 1;
        }
    }
}

/* A home directory is replaced only as whole path components: "/home/ann" not in "/home/anna". */
static gboolean is_path_component_char(char c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
}

char *coroner_sentry_scrub_string(const CoronerSentryScrubber *s, const char *text)
{
    if (!text)
        return NULL;
    GString *out = g_string_new(text);
    for (guint i = 0; i < s->homes->len; i++)
        replace_all(out, s->homes->pdata[i], "~", is_path_component_char, is_path_component_char);
    for (guint i = 0; i < s->users->len; i++)
        replace_all(out, s->users->pdata[i], CORONER_SENTRY_USER_MARK, is_word_char, is_word_char);
    for (guint i = 0; i < s->hosts->len; i++)
        replace_all(out, s->hosts->pdata[i], CORONER_SENTRY_HOST_MARK, is_word_char, is_word_char);
    return g_string_free(out, FALSE);
}

void coroner_sentry_scrub_json(const CoronerSentryScrubber *s, JsonNode *node)
{
    if (!node)
        return;
    switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT: {
        JsonObjectIter iter;
        JsonNode *member;
        json_object_iter_init(&iter, json_node_get_object(node));
        while (json_object_iter_next(&iter, NULL, &member))
            coroner_sentry_scrub_json(s, member);
        break;
    }
    case JSON_NODE_ARRAY: {
        JsonArray *array = json_node_get_array(node);
        for (guint i = 0; i < json_array_get_length(array); i++)
            coroner_sentry_scrub_json(s, json_array_get_element(array, i));
        break;
    }
    case JSON_NODE_VALUE:
        if (json_node_get_value_type(node) == G_TYPE_STRING) {
            g_autofree char *scrubbed = coroner_sentry_scrub_string(s, json_node_get_string(node));
            if (strcmp(scrubbed, json_node_get_string(node)) != 0)
                json_node_set_string(node, scrubbed);
        }
        break;
    case JSON_NODE_NULL:
        break;
    }
}
