/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcoroner-hook: tells Coroner which application crashed, and what it was doing.
 *
 * Link it into an application, call coroner_hook_init() early in main(), and
 * the library records the application's identity, annotations, breadcrumbs
 * and registered buffers in a named memory region that coroner-handler reads
 * out of the crashing process.  When a fatal signal arrives (SEGV, BUS, FPE,
 * ILL, ABRT, TRAP, SYS) it notes the signal, runs the optional emergency-save
 * callback, chains to any handler installed before it, and re-raises the
 * original signal so the kernel still dumps core.
 *
 * Every function returns 0 (or another non-negative value documented below)
 * on success and a negative errno value on failure.  None of them is
 * async-signal-safe: do not call them from signal handlers.  All of them are
 * thread-safe.  Strings longer than their limit are cut at a UTF-8 character
 * boundary and stored; the call then returns CORONER_HOOK_TRUNCATED.
 */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CORONER_HOOK_PUBLIC __attribute__((visibility("default")))

/* Limits, in bytes excluding the terminating NUL, and slot counts. */
#define CORONER_HOOK_MAX_STRING 255                 /* app id, name, version, bug address, DSN, group */
#define CORONER_HOOK_MAX_KEY 63                     /* annotation key */
#define CORONER_HOOK_MAX_VALUE 255                  /* annotation value */
#define CORONER_HOOK_MAX_ANNOTATIONS 128            /* distinct keys */
#define CORONER_HOOK_MAX_BREADCRUMB 255             /* one breadcrumb message */
#define CORONER_HOOK_MAX_BREADCRUMBS 64             /* the ring keeps the most recent ones */
#define CORONER_HOOK_MAX_BUFFER_NAME 63             /* registered buffer name */
#define CORONER_HOOK_MAX_BUFFERS 32                 /* registered buffers */
#define CORONER_HOOK_MAX_BUFFER_BYTES (1024 * 1024) /* all registered buffers together */
#define CORONER_HOOK_MAX_EXCEPTION_TYPE 255
#define CORONER_HOOK_MAX_EXCEPTION_WHAT 1023
#define CORONER_HOOK_DEFAULT_SAVE_TIMEOUT_MS 2000
#define CORONER_HOOK_MAX_SAVE_TIMEOUT_MS 60000

/* Returned (positive) when a string was cut to its limit but stored. */
#define CORONER_HOOK_TRUNCATED 1

/* Flags for coroner_hook_register_buffer(). */
#define CORONER_HOOK_BUFFER_TEXT 0x1u /* UTF-8 text, ends at the first NUL; else binary */

typedef struct coroner_hook_options {
    const char *app_id;      /* required: reverse-DNS id, e.g. "org.example.Editor" */
    const char *name;        /* human-readable name, may be NULL */
    const char *version;     /* may be NULL */
    const char *bug_address; /* where users report bugs (URL or e-mail), may be NULL */
    const char *dsn;         /* Sentry DSN hint for the reporter, may be NULL */
    void *reserved[8];       /* must be zero: room for later options without an ABI break */
} coroner_hook_options;

/*
 * Called at most once, from the signal handler of the crashing thread, with
 * the signal number.  It must itself be async-signal-safe (e.g. write(2) to a
 * file opened in advance).  It is abandoned when it runs longer than its time
 * limit or crashes; the crash report is produced either way.
 */
typedef void (*coroner_hook_save_fn)(int signo, void *userdata);

/*
 * Creates the metadata region, an alternate signal stack for the calling
 * thread, and installs the fatal-signal handlers.  Call it once, from the main
 * thread, before starting other threads.  Returns 0; -EINVAL if options or
 * app_id is NULL/empty or reserved is not zero; -EALREADY if already
 * initialised (nothing changes); -ENOMEM or another -errno if the region could
 * not be created; CORONER_HOOK_TRUNCATED if a string was cut.
 */
CORONER_HOOK_PUBLIC int coroner_hook_init(const coroner_hook_options *options);

/*
 * Joins the named group (NULL or "" leaves it): when any process of the group
 * crashes, Coroner also dumps the group's other running members live, each
 * as its own crash record linked to the crash, without stopping them for
 * longer than the dump (minicoredumper's "registered peers").  Only members
 * running as the same user, not set[ug]id and dumpable are dumped, at most
 * 16.  Returns 0, CORONER_HOOK_TRUNCATED or -ENODEV (not initialised).
 */
CORONER_HOOK_PUBLIC int coroner_hook_join_group(const char *group);

/*
 * Gives the calling (non-main) thread its own alternate signal stack, so that
 * a stack overflow in it is still reported.  Freed when the thread exits.
 * Threads started with pthread_create() after coroner_hook_init() get one
 * without this call (the library wraps pthread_create); it is for threads
 * started otherwise.  Returns 0 (also when the thread already had one) or
 * -ENOMEM.
 */
CORONER_HOOK_PUBLIC int coroner_hook_thread_init(void);

/*
 * Sets (adds or replaces) the annotation key = value.  Returns 0,
 * CORONER_HOOK_TRUNCATED, -EINVAL (NULL or empty key, NULL value), -ENOSPC
 * (CORONER_HOOK_MAX_ANNOTATIONS distinct keys already set) or -ENODEV (not
 * initialised).  Keys are compared after truncation.
 */
CORONER_HOOK_PUBLIC int coroner_hook_set_annotation(const char *key, const char *value);

/* Removes an annotation.  Returns 0, -EINVAL (NULL key), -ENOENT or -ENODEV. */
CORONER_HOOK_PUBLIC int coroner_hook_remove_annotation(const char *key);

/*
 * Appends a timestamped breadcrumb to the ring; the oldest is dropped when it
 * is full.  Returns 0, CORONER_HOOK_TRUNCATED, -EINVAL (NULL) or -ENODEV.
 */
CORONER_HOOK_PUBLIC int coroner_hook_add_breadcrumb(const char *message);

/*
 * Registers length bytes at data (which must stay valid until unregistered)
 * to be copied into the crash record; the bytes are read when the crash
 * happens, not now.  flags: CORONER_HOOK_BUFFER_TEXT or 0.  Returns 0,
 * CORONER_HOOK_TRUNCATED (name cut), -EINVAL (NULL data or name, unknown
 * flags), -EEXIST (data already registered), -E2BIG (the total of all buffers
 * would exceed CORONER_HOOK_MAX_BUFFER_BYTES), -ENOSPC or -ENODEV.
 */
CORONER_HOOK_PUBLIC int coroner_hook_register_buffer(const char *name, const void *data,
                                                     size_t length, unsigned flags);

/* Forgets the buffer registered at data.  Returns 0, -EINVAL (NULL), -ENOENT or -ENODEV. */
CORONER_HOOK_PUBLIC int coroner_hook_unregister_buffer(const void *data);

/*
 * Sets the emergency-save callback (NULL removes it).  timeout_ms 0 means
 * CORONER_HOOK_DEFAULT_SAVE_TIMEOUT_MS.  Returns 0, -EINVAL (timeout above
 * CORONER_HOOK_MAX_SAVE_TIMEOUT_MS) or -ENODEV.
 */
CORONER_HOOK_PUBLIC int coroner_hook_set_emergency_save(coroner_hook_save_fn fn, void *userdata,
                                                        unsigned timeout_ms);

/*
 * After a crash, starts the application again with the same arguments and
 * environment (plus CORONER_HOOK_LAST_CRASH), unless the previous crash was
 * less than min_interval_s seconds ago: a crash loop is not restarted.  Never
 * restarts a forked child.  min_interval_s 0 disables restarting.  Returns 0,
 * -ENODEV, or -errno if the command line could not be read.
 */
CORONER_HOOK_PUBLIC int coroner_hook_enable_restart(unsigned min_interval_s);

/*
 * Records the exception (type and message) that is about to terminate the
 * process; a following crash report shows it.  Either may be NULL.  Used by
 * the C++ terminate handler below; usable by other language runtimes.
 * Returns 0, CORONER_HOOK_TRUNCATED or -ENODEV.
 */
CORONER_HOOK_PUBLIC int coroner_hook_set_exception(const char *type, const char *what);

#ifdef __cplusplus
} /* extern "C" */

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#include <cstdlib>
#include <cxxabi.h>
#include <exception>
#include <typeinfo>

/*
 * The optional C++ part: a std::terminate handler that records the uncaught
 * exception's demangled type and what(), then hands over to the previous
 * terminate handler (which aborts).  Call coroner_hook::install_terminate_handler()
 * after coroner_hook_init().  It runs before abort(), outside any signal
 * handler, so demangling (which allocates) is safe here.
 */
namespace coroner_hook
{
namespace detail
{
inline std::terminate_handler &previous_terminate_handler()
{
    static std::terminate_handler previous = nullptr;
    return previous;
}

inline void terminate_handler() noexcept
{
    if (std::exception_ptr current = std::current_exception()) {
        const std::type_info *type = abi::__cxa_current_exception_type();
        int status = -1;
        char *demangled =
            type ? abi::__cxa_demangle(type->name(), nullptr, nullptr, &status) : nullptr;
        const char *type_name = demangled ? demangled : (type ? type->name() : nullptr);
        try {
            std::rethrow_exception(current);
        } catch (const std::exception &e) {
            coroner_hook_set_exception(type_name, e.what());
        } catch (...) {
            coroner_hook_set_exception(type_name, nullptr);
        }
        std::free(demangled);
    }
    std::terminate_handler previous = previous_terminate_handler();
    if (previous)
        previous();
    std::abort();
}
} /* namespace detail */

/* Installs the terminate handler once; later calls do nothing. */
inline void install_terminate_handler()
{
    std::terminate_handler old = std::set_terminate(detail::terminate_handler);
    if (old != detail::terminate_handler)
        detail::previous_terminate_handler() = old;
}
} /* namespace coroner_hook */
#endif /* C++ exceptions */
#endif /* __cplusplus */
