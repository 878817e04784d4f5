// ELF loading benchmark: ElfImage::load of single files, and loadProgram of a whole program.
//   swb_bench_elf_load [--rootfs DIR] PROGRAM [FILE...]
// Prints the first (cold-ish) and the best of 5 times for each, with what was loaded.
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
