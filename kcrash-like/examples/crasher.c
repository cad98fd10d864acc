/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coroner-hook-crasher: the C sample application.  A minimal real program
 * would only need the coroner_hook_init() call and a few annotations; this
 * one crashes on request (see crasher-modes.c) for the tests and the demo.
 */
#include "crasher-modes.h"

#include <stddef.h>

int main(int argc, char **argv)
{
    return crasher_main(argc, argv, NULL, NULL);
}
