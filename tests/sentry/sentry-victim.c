/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A process for the real-crash test: it stops in a known call chain
 * (main → victim_outer → victim_middle → victim_inner → pause) and waits, so
 * that gcore can take its core while the handler reads its /proc.
 */
#include <stdio.h>
#include <unistd.h>

__attribute__((noinline)) static void victim_inner(void)
{
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}

__attribute__((noinline)) static void victim_middle(void)
{
    victim_inner();
    __asm__ volatile("");
}

__attribute__((noinline)) static void victim_outer(void)
{
    victim_middle();
    __asm__ volatile("");
}

int main(void)
{
    victim_outer();
    return 0;
}
