/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sample application shared by coroner-hook-crasher (C) and
 * coroner-hook-crasher-cxx (C++): it initialises libcoroner-hook with known
 * metadata and crashes in the way its mode argument names.  The tests and
 * the demo drive it; docs/hook-metadata.md lists what it records.
 */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* What every crasher records, so tests can assert it. */
#define CRASHER_APP_ID "org.coroner.HookCrasher"
#define CRASHER_NAME "Hook Crasher"
#define CRASHER_VERSION "1.2.3"
#define CRASHER_BUG_ADDRESS "https://bugs.example.org/coroner"
#define CRASHER_DSN "https://0123456789abcdef0123456789abcdef@sentry.example.invalid/42"
#define CRASHER_LOG_TEXT "line one\nline two\n"
#define CRASHER_STATE_BYTES 64 /* the binary buffer holds 0, 1, ..., 63 */
#define CRASHER_THREAD_NAME "crasher-main"

struct crasher_mode {
    const char *name;
    void (*run)(void);
    const char *help;
};

/*
 * Parses options, initialises the hook, calls after_init (may be NULL), then
 * runs the mode from the built-in table or from extra (NULL-terminated by a
 * zeroed entry, may be NULL).  Returns the process exit code when the mode
 * does not crash.
 */
int crasher_main(int argc, char **argv, const struct crasher_mode *extra, void (*after_init)(void));

#ifdef __cplusplus
}
#endif
