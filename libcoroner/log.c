/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs-util.h"

static const char *log_identifier = "coroner";
static gboolean log_to_stderr = TRUE;

void coroner_log_setup(const char *identifier)
{
    log_identifier = identifier;
    gboolean stderr_was_open = fcntl(STDERR_FILENO, F_GETFD) >= 0;
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0)
            continue;
        int null_fd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (null_fd >= 0 && null_fd != fd) {
            dup2(null_fd, fd);
            close(null_fd);
        }
    }
    log_to_stderr = stderr_was_open;
}

void coroner_log(int priority, const char *format, ...)
{
    int saved_errno = errno;
    va_list ap;
    va_start(ap, format);
    g_autofree char *message = g_strdup_vprintf(format, ap);
    va_end(ap);

    g_autofree char *line = NULL;
    int fd = -1;
    if (log_to_stderr) {
        line = g_strdup_printf("%s: %s\n", log_identifier, message);
        fd = STDERR_FILENO;
    } else {
        /* kmsg takes one record per write, with a syslog priority prefix. */
        line = g_strdup_printf("<%d>%s[%d]: %s\n", LOG_DAEMON | priority, log_identifier,
                               (int)getpid(), message);
        fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
    }
    if (fd >= 0)
        (void)coroner_write_all(fd, line, strlen(line));
    if (fd >= 0 && fd != STDERR_FILENO)
        close(fd);
    errno = saved_errno;
}
