/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcoroner's entry points take their options as a pointer that may be NULL
 * for the defaults (coroner_symbolize_options_init() and the like).
 */
#pragma once

/* options, or else storage filled in by init(storage) (the defaults). */
#define CORONER_OPTIONS_OR_DEFAULTS(options, storage, init)                                        \
    ((options) ? (options) : (init(storage), (const __typeof__(*(storage)) *)(storage)))
