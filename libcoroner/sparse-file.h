/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writing a core as a sparse file: whole blocks of zeros stay holes, the rest
 * is written where it belongs.  Shared by the handler's core stream, the
 * stack core and the decompressed core to symbolize (core-access.c).  Plain
 * C, no GLib (the stack core allocates with malloc).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Whether the n bytes at p are all zero: a block that can stay a hole. */
bool coroner_is_hole(const void *p, size_t n);

/* pwrite(2) all n bytes at offset, retrying on EINTR and short writes.  0 or -errno. */
int coroner_pwrite_all(int fd, const void *p, size_t n, uint64_t offset);

#ifdef __cplusplus
}
#endif
