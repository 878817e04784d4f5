// ELF loading benchmark: ElfImage::load of single files, and loadProgram of a whole program.
//   swb_bench_elf_load [--rootfs DIR] PROGRAM [FILE...]
// Prints the first (cold-ish) and the best of 5 times for each, with what was loaded, and for each
// FILE the time to find its debug information and of its first source-location lookups.
#include "static/elf_image.h"
#include "util/error.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace swb;

namespace {

double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

template <typename F> std::pair<double, double> time5(F&& f) {
    double first = 0, best = 1e9;
    for (int i = 0; i < 5; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        const auto s = secondsSince(t0);
        if (i == 0)
            first = s;
        best = std::min(best, s);
    }
    return {first, best};
}

void measureImage(const std::string& path) {
    std::shared_ptr<const ElfImage> image;
    const auto [first, best] = time5([&] { image = ElfImage::load(path); });
    std::printf("%s\n  load %.1f ms first, %.1f ms best of 5\n", path.c_str(), first * 1e3, best * 1e3);
    std::printf("  %zu dynsym, %zu symtab, %zu relocations, %zu FDEs, %zu function starts\n",
                image->dynamicSymbols().size(), image->symbols().size(), image->relocations().size(),
                image->fdeRanges().size(), image->functionStarts().size());

    // Source locations, on a fresh image: finding the debug file, the first lookup (which creates the
    // DWARF context and reads the unit's line table), then one lookup per function start.
    image = ElfImage::load(path);
    auto t0 = std::chrono::steady_clock::now();
    const bool debugInfo = image->hasDebugInfo();
    const auto find = secondsSince(t0);
    std::printf("  debug info: %s%s%s (%.2f ms to find)\n", debugInfo ? "yes" : "no",
                image->separateDebugFile().empty() ? "" : ", in ", image->separateDebugFile().c_str(),
                find * 1e3);
    const auto& starts = image->functionStarts();
    if (!debugInfo || starts.empty())
        return;
    auto address = image->entry() ? image->entry() : starts[starts.size() / 2];
    for (const auto& s : image->symbols())
        if (s.name == "main" && s.defined)
            address = s.value;
    t0 = std::chrono::steady_clock::now();
    const auto location = image->sourceLocation(address);
    const auto firstLookup = secondsSince(t0);
    std::printf("  first sourceLocation(0x%llx) %.1f ms: %s at %s:%u\n",
                static_cast<unsigned long long>(address), firstLookup * 1e3,
                location ? location->function.c_str() : "-", location ? location->file.c_str() : "-",
                location ? location->line : 0);
    std::size_t located = 0;
    t0 = std::chrono::steady_clock::now();
    for (auto a : starts)
        located += image->sourceLocation(a).has_value();
    const auto all = secondsSince(t0);
    std::printf("  then %zu function starts in %.1f ms (%.1f us each), %zu located\n", starts.size(),
                all * 1e3, all * 1e6 / static_cast<double>(starts.size()), located);
    t0 = std::chrono::steady_clock::now();
    for (auto a : starts)
        image->sourceLocation(a);
    const auto again = secondsSince(t0);
    std::printf("  again %.1f ms (%.1f us each)\n", again * 1e3,
                again * 1e6 / static_cast<double>(starts.size()));
}

} // namespace

int main(int argc, char** argv) {
    std::string rootfs;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--rootfs" && i + 1 < argc)
            rootfs = argv[++i];
        else
            files.push_back(arg);
    }
    if (files.empty()) {
        std::fprintf(stderr, "usage: swb_bench_elf_load [--rootfs DIR] PROGRAM [FILE...]\n");
        return 2;
    }
    try {
        const LibraryResolver resolver(rootfs);
        for (std::size_t i = 1; i < files.size(); ++i)
            measureImage(rootfs.empty() ? files[i] : resolver.hostPath(files[i]));
        LoadedProgram program;
        const auto [first, best] = time5([&] { program = loadProgram(files[0], resolver); });
        std::size_t starts = 0;
        for (const auto& m : program.modules)
            starts += m.image->functionStarts().size();
        std::printf("loadProgram %s\n  %.1f ms first, %.1f ms best of 5\n", files[0].c_str(), first * 1e3,
                    best * 1e3);
        std::printf("  %zu modules, %zu function starts, %zu missing\n", program.modules.size(), starts,
                    program.missing.size());
        for (const auto& m : program.modules)
            std::printf("    %s\n", m.path.c_str());
        for (const auto& m : program.missing)
            std::printf("    missing: %s\n", m.c_str());
    } catch (const Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
