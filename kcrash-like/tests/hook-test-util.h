/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the hook's tests: run a sample crasher, stop it inside its
 * crash handling (the --sync handler it chains to), read its region with the
 * handler-side reader, then let it die and collect how it died.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "hook-metadata.h"

typedef struct {
    pid_t pid;         /* the crasher we started */
    int stdout_fd;     /* its standard output, read end */
    int from_child_fd; /* "crashed <pid> <signo>" lines, when started with sync */
    int to_child_fd;   /* one byte releases it */
    pid_t crashed_pid; /* from the sync line: may be a forked child of pid */
    int crashed_signo;
    int status;      /* waitpid() status once reaped */
    GString *output; /* everything it wrote on stdout */
} HookCrasher;

/* The built sample programs (from the environment meson sets). */
const char *hook_test_crasher_path(void);
const char *hook_test_crasher_cxx_path(void);

/*
 * Starts binary with mode and RLIMIT_CORE 1 (never a core, even to a pipe).
 * With sync, the crasher stops inside its crash handling until hook_crasher_release().  env: extra
 * "NAME=value" strings (NULL-terminated, may be NULL).
 */
HookCrasher *hook_crasher_spawn(const char *binary, const char *mode, gboolean sync,
                                const char *const *env);

/* Waits (bounded) until the crasher reports it is crashing; asserts on timeout. */
void hook_crasher_wait_crashed(HookCrasher *c);

/* Lets it go on dying. */
void hook_crasher_release(HookCrasher *c);

/* Reaps it (bounded) and collects its stdout; returns the waitpid() status. */
int hook_crasher_wait_exit(HookCrasher *c);

void hook_crasher_free(HookCrasher *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HookCrasher, hook_crasher_free)

/* find + read_raw + parse_full on /proc/<pid>, expecting the region to belong to expected_pid. */
CoronerAppInfo *hook_test_read_metadata(pid_t pid, int64_t expected_pid, CoronerHookCrash *crash,
                                        GError **error);

/* Looks up an annotation's value, NULL if absent. */
const char *hook_test_annotation(const CoronerAppInfo *app, const char *key);

/* Asserts the metadata every sample crasher records (crasher-modes.h). */
void hook_test_assert_crasher_metadata(const CoronerAppInfo *app, const char *mode);

/* Asserts the process died by signo (and, RLIMIT_CORE being 1, without a core). */
void hook_test_assert_killed_by(int status, int signo);

/* Whether the kernel supports PR_SET_VMA_ANON_NAME (else the hook uses a memfd). */
gboolean hook_test_kernel_has_anon_names(void);
