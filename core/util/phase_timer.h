#pragma once

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace swb {

// Wall-clock and process CPU time of a program's phases, printed to stderr
// ("swb: timing: NAME 12.3 ms wall 20.1 ms cpu") when the environment variable SWB_TIMING is set;
// does nothing otherwise. For profiling, not for tests.
class PhaseTimer {
public:
    PhaseTimer()
        : enabled_(std::getenv("SWB_TIMING") != nullptr)
        , last_(std::chrono::steady_clock::now())
        , lastCpu_(cpuMs()) {}
    bool enabled() const { return enabled_; }
    // Reports the time since the previous mark (or construction) under `name`.
    void mark(const char* name) {
        if (!enabled_)
            return;
        const auto now = std::chrono::steady_clock::now();
        const double cpu = cpuMs();
        std::fprintf(stderr, "swb: timing: %-28s %8.1f ms wall %8.1f ms cpu\n", name,
                     std::chrono::duration<double, std::milli>(now - last_).count(), cpu - lastCpu_);
        last_ = now;
        lastCpu_ = cpu;
    }

private:
    static double cpuMs() {
        timespec ts{};
        ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
    }
    bool enabled_;
    std::chrono::steady_clock::time_point last_;
    double lastCpu_;
};

} // namespace swb
