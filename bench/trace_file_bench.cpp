// Trace file benchmark: load time, bytes per event on disk and in memory.
//   swb_bench_trace_file FILE.swbtrace        measure an existing trace
//   swb_bench_trace_file --synthesize N FILE  write a trace of N events shaped like FILE's, then measure
#include "trace/trace_file.h"
#include "util/error.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

using namespace swb;

namespace {

double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

int measure(const std::string& path) {
    const auto size = std::filesystem::file_size(path);
    double best = 1e9;
    std::size_t events = 0, memory = 0;
    for (int i = 0; i < 5; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto loaded = readTraceFile(path);
        best = std::min(best, secondsSince(t0));
        events = loaded.trace.eventCount();
        memory = loaded.trace.memoryBytes();
    }
    std::printf("file            %s\n", path.c_str());
    std::printf("events          %zu\n", events);
    std::printf("bytes on disk   %ju (%.1f per event)\n", static_cast<std::uintmax_t>(size),
                events ? double(size) / double(events) : 0.0);
    std::printf("bytes in memory %zu (%.1f per event)\n", memory,
                events ? double(memory) / double(events) : 0.0);
    std::printf("load time       %.3f s (best of 5)\n", best);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        if (argc == 4 && std::string(argv[1]) == "--synthesize") {
            const auto n = std::stoull(argv[2]);
            auto source = readTraceFile(argv[3]).trace;
            if (source.empty())
                throw Error(std::string(argv[3]) + ": no events to repeat");
            Trace big;
            big.command = source.command;
            big.processes = source.processes;
            big.reserve(n);
            const auto span = source.durationNs() + 1;
            for (std::size_t i = 0; i < n; ++i) {
                auto e = source.event(i % source.eventCount());
                e.timeNs += static_cast<std::int64_t>(i / source.eventCount()) * span;
                e.stackId = 0;
                big.append(e);
            }
            const std::string out = std::string(argv[3]) + "." + argv[2] + ".swbtrace";
            writeTraceFile(big, out);
            return measure(out);
        }
        if (argc == 2)
            return measure(argv[1]);
        std::fprintf(stderr, "usage: %s FILE | --synthesize N FILE\n", argv[0]);
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
