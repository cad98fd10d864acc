// SPDX-License-Identifier: LGPL-2.1-or-later
//
// coroner-hook-crasher-cxx: the C++ sample application.  Besides the C
// crasher's modes it throws exceptions nobody catches, which the hook's
// terminate handler (coroner-hook.h) records as type and what() before
// abort() raises SIGABRT.
#include "crasher-modes.h"

#include <coroner-hook.h>
#include <stdexcept>
#include <thread>

namespace demo
{
struct bad_answer : std::runtime_error {
    explicit bad_answer(const char *what) : std::runtime_error(what)
    {
    }
};

[[noreturn]] __attribute__((noinline)) void compute_answer()
{
    throw bad_answer("the answer is not 42");
}
} // namespace demo

static void cxx_exception()
{
    demo::compute_answer();
}

static void cxx_exception_thread()
{
    std::thread worker([] { throw std::logic_error("thrown in a worker thread"); });
    worker.join();
}

static void cxx_throw_int()
{
    throw 42;
}

static void install_terminate_handler()
{
    coroner_hook::install_terminate_handler();
}

static const crasher_mode cxx_modes[] = {
    {"cxx-exception", cxx_exception, "throw demo::bad_answer and never catch it"},
    {"cxx-exception-thread", cxx_exception_thread, "throw std::logic_error in a std::thread"},
    {"cxx-throw-int", cxx_throw_int, "throw an int (no what())"},
    {nullptr, nullptr, nullptr},
};

int main(int argc, char **argv)
{
    return crasher_main(argc, argv, cxx_modes, install_terminate_handler);
}
