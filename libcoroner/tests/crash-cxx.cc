// SPDX-License-Identifier: LGPL-2.1-or-later
// A C++ program with a known call chain through namespaces, a class, a
// template and an inlined helper, with worker threads, for the symbolizer's
// tests.  Marks ("MARK:name") locate the expected lines, as in crash-c.c.
//
//   crash-cxx segv     NULL write in ns::detail::store(), under ns::Klass::method(int)
//   crash-cxx throw    an uncaught exception from ns::thrower(), via std::terminate
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define KEEP_FRAME() __asm__ volatile("" ::: "memory")

int *volatile null_pointer;

namespace ns
{

class Klass
{
  public:
    NOINLINE int method(int value);
};

namespace detail
{
NOINLINE void store(int *volatile *where, int value)
{
    **where = value; // MARK:store
    KEEP_FRAME();
}
} // namespace detail

__attribute__((always_inline)) static inline void poke(int value)
{
    detail::store(&null_pointer, value); // MARK:poke
    KEEP_FRAME();
}

NOINLINE int Klass::method(int value)
{
    poke(value + 1); // MARK:method
    KEEP_FRAME();
    return value;
}

template <typename T> NOINLINE int apply(T &object, int value)
{
    int r = object.method(value); // MARK:apply
    KEEP_FRAME();
    return r;
}

NOINLINE void thrower(int value)
{
    if (value > 0)
        throw std::runtime_error("bad value"); // MARK:thrower
    KEEP_FRAME();
}

} // namespace ns

static std::atomic<int> parked{0};

NOINLINE static void park()
{
    parked++;
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    std::vector<std::thread> workers;
    for (int i = 0; i < 3; i++)
        workers.emplace_back(park);
    while (parked.load() < 3)
        usleep(1000);
    if (argc > 1 && std::strcmp(argv[1], "throw") == 0) {
        ns::thrower(argc); // MARK:main_throw
    } else {
        ns::Klass k;
        ns::apply(k, argc); // MARK:main_segv
    }
    KEEP_FRAME();
    return 2;
}
