#pragma once

#include "profile/seccomp_filter.h"

#include <sys/wait.h>
#include <unistd.h>

namespace swbtest {

// Runs fn in a forked child after installing the compiled filter; returns the child's exit code
// (128+signal when killed, 100 when the kernel refused the filter).
template <typename Fn> int runFiltered(const std::vector<std::uint8_t>& bpf, Fn fn) {
    const pid_t child = ::fork();
    if (child == 0) {
        if (swb::installSeccompBpf(bpf.data(), bpf.size()) != 0)
            ::_exit(100);
        ::_exit(fn());
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace swbtest
