#include "commands.h"

#include "image/entrypoint.h"
#include "image/image.h"
#include "static/analysis_file.h"
#include "static/analyzer.h"
#include "util/error.h"
#include "util/phase_timer.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <set>
#include <thread>

namespace swb::cli {

namespace {

struct AnalyzeArgs {
    std::string binary;
    std::string image;
    bool containerWide = false;
    std::string output;
    std::string rootfs;
    std::vector<std::string> dlopen;
    bool noCache = false;
    unsigned threads = 0;
};

// A one-line progress bar on stderr when it is a terminal.
class ProgressBar {
public:
    ProgressBar()
        : enabled_(::isatty(2)) {}
    ~ProgressBar() { clear(); }
    void update(const std::string& stage, std::size_t done, std::size_t total) {
        if (!enabled_ || total == 0)
            return;
        constexpr int kWidth = 30;
        const int filled = static_cast<int>(kWidth * done / total);
        std::string line = "\r[" + std::string(static_cast<std::size_t>(filled), '=') +
                           std::string(static_cast<std::size_t>(kWidth - filled), ' ') + "] " +
                           std::to_string(done) + "/" + std::to_string(total) + " " + stage;
        if (line.size() > 100)
            line.resize(100);
        std::cerr << line << std::string(width_ > line.size() ? width_ - line.size() : 0, ' ') << std::flush;
        width_ = line.size();
    }
    void clear() {
        if (enabled_ && width_) {
            std::cerr << '\r' << std::string(width_, ' ') << '\r' << std::flush;
            width_ = 0;
        }
    }

private:
    bool enabled_;
    std::size_t width_ = 0;
};

// A warm analysis touches ~80 MB of fresh heap (call graph, facts, the file it writes), and page
// faults are what it then spends most time on (on a paravirtualized VM, several microseconds
// each). Transparent huge pages make that one fault per 2 MB; THP is often enabled only for
// memory that asks for it (madvise mode), so grow the heap in one large step and ask for it: the
// main thread's allocations on the main heap (no mmap'ed chunks below 32 MB), which is extended by
// 256 MB of address space at once and never trimmed during the run. Best effort.
// Analysis threads keep arenas of their own: with a single arena for everyone, a cold analysis's
// threads spent their time waiting for its lock (nginx: 2 threads took 7 CPU-s and longer than one
// thread's 3.9 s; with their own arenas 4.5 CPU-s, 2.6 s).
void useHugePagesForTheHeap() {
    constexpr int kPad = 256 << 20;
    if (!::mallopt(M_ARENA_MAX, 8) || !::mallopt(M_MMAP_THRESHOLD, 32 << 20) ||
        !::mallopt(M_TRIM_THRESHOLD, kPad * 2) || !::mallopt(M_TOP_PAD, kPad))
        return;
    const auto before = reinterpret_cast<std::uintptr_t>(::sbrk(0));
    void* volatile block = ::malloc(1 << 20); // more than the heap has left: extends it by the pad
    ::free(block);
    const auto after = reinterpret_cast<std::uintptr_t>(::sbrk(0));
    const std::uintptr_t huge = 2 << 20;
    const auto start = (before + huge - 1) & ~(huge - 1);
    if (after > start + huge)
        ::madvise(reinterpret_cast<void*>(start), after - start, MADV_HUGEPAGE);
}

// Confine's container-wide mode: every ELF executable of the image, one analysis each into the
// output directory (libraries shared through the per-module cache), and the union of their syscalls.
int analyzeContainerWide(const AnalyzeArgs& args) {
    namespace fs = std::filesystem;
    if (args.output.empty())
        throw Error("--container-wide writes one analysis per executable: give -o DIRECTORY");
    if (fs::exists(fs::symlink_status(args.output)))
        throw Error(args.output + ": exists; --container-wide writes a new directory");
    const std::vector<std::string> programs = imageExecutables(args.rootfs);
    if (programs.empty())
        throw Error(args.image + ": no ELF executables in the image");
    const fs::path partial = args.output + ".partial-" + std::to_string(::getpid());
    fs::create_directories(partial);
    std::set<int> all;
    std::vector<std::string> failed;
    const auto t0 = std::chrono::steady_clock::now();
    try {
        for (std::size_t i = 0; i < programs.size(); ++i) {
            AnalyzeOptions opts;
            opts.program = programs[i];
            opts.rootfs = args.rootfs;
            opts.useCache = !args.noCache;
            opts.threads = args.threads ? args.threads : std::max(1u, std::thread::hardware_concurrency());
            std::string name = programs[i].substr(1);
            std::replace(name.begin(), name.end(), '/', '_');
            try {
                const CallGraph graph = analyzeProgram(opts);
                writeAnalysisFile(graph, (partial / (name + ".swbanalysis")).string());
                const auto nrs = graph.syscalls();
                all.insert(nrs.begin(), nrs.end());
                std::cerr << "swb: [" << (i + 1) << "/" << programs.size() << "] " << programs[i] << ": "
                          << nrs.size() << " syscalls\n";
            } catch (const Error& e) {
                // Loud: a program left out would be missing from the union.
                failed.push_back(programs[i] + ": " + e.what());
                std::cerr << "swb: error: " << programs[i] << ": " << e.what() << "\n";
            }
        }
        fs::rename(partial, args.output);
    } catch (...) {
        std::error_code ec;
        fs::remove_all(partial, ec);
        throw;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cerr << "swb: container-wide: " << programs.size() - failed.size() << " of " << programs.size()
              << " executables analyzed into " << args.output << "; " << all.size()
              << " syscalls in their union (" << std::fixed << std::setprecision(1) << seconds << " s)\n";
    if (!failed.empty()) {
        std::cerr << "swb: " << failed.size()
                  << " executables could not be analyzed; the union lacks what they need\n";
        return 1;
    }
    return 0;
}

int runAnalyze(AnalyzeArgs args) {
    useHugePagesForTheHeap();
    // An image: its layers unpacked into a scratch root (removed at the end), the program its
    // container starts found there, everything resolved inside it and never on the host.
    std::shared_ptr<const std::string> scratch;
    std::vector<std::string> interpreters; // of the entrypoint's scripts: analyzed beside the program
    if (!args.image.empty()) {
        if (!args.rootfs.empty())
            throw Error("--image and --rootfs exclude each other (an image brings its own root)");
        const ImageRoot root = unpackToScratch(args.image);
        const Image& image = root.image;
        scratch = root.scratchDir;
        if (root.scratch)
            std::cerr << "swb: " << args.image << ": " << image.layers.size() << " layers, "
                      << root.report.files << " files\n";
        args.rootfs = root.rootfs;
        if (args.containerWide)
            return analyzeContainerWide(args);
        if (args.binary.empty()) {
            const ImageEntrypoint entry = resolveEntrypoint(image.config, args.rootfs);
            for (const auto& step : entry.chain)
                std::cerr << "swb: entrypoint: " << step << "\n";
            for (const auto& w : entry.warnings)
                std::cerr << "swb: warning: " << w << "\n";
            args.binary = entry.analyze;
            interpreters = entry.interpreters;
            std::cerr << "swb: analyzing " << args.binary << " (the image's command: " << entry.argv.front()
                      << ")\n";
        }
    }
    if (args.containerWide)
        throw Error("--container-wide needs --image");
    if (args.binary.empty())
        throw Error("give the BINARY to analyze, or --image");
    AnalyzeOptions opts;
    opts.program = args.binary;
    opts.rootfs = args.rootfs;
    opts.dlopen = args.dlopen;
    opts.useCache = !args.noCache;
    opts.threads = args.threads ? args.threads : std::max(1u, std::thread::hardware_concurrency());
    ProgressBar bar;
    opts.progress = [&bar](const std::string& stage, std::size_t done, std::size_t total) {
        bar.update(stage, done, total);
    };
    const auto t0 = std::chrono::steady_clock::now();
    const CallGraph graph = analyzeProgram(opts);
    bar.clear();
    const std::string output = args.output.empty()
                                   ? std::filesystem::path(args.binary).filename().string() + ".swbanalysis"
                                   : args.output;
    PhaseTimer timer;
    writeAnalysisFile(graph, output);
    timer.mark("write analysis file");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // One reachability pass for the summary (syscalls() and unresolvedSites() each make their own).
    const auto live = graph.reachable();
    const std::size_t unresolvedCount = graph.unresolvedSitesOf(live).size();
    const std::size_t directCount = graph.syscallsOf(graph.reachableWithoutIndirect()).size();
    std::cerr << "swb: " << graph.syscallsOf(live).size() << " syscalls reachable from "
              << graph.entries.size() << " entry points in " << graph.modules.size() << " modules; "
              << unresolvedCount << " unresolved site" << (unresolvedCount == 1 ? "" : "s") << "; written to "
              << output << " (" << static_cast<int>(seconds * 1000) << " ms)\n"
              << "swb: " << directCount << " of the syscalls are reachable by direct calls alone; the "
              << "others only through indirect calls (swb evidence lists them)\n";
    for (const auto& note : graph.notes)
        if (note.starts_with("missing library") || note.starts_with("dlopen"))
            std::cerr << "swb: " << note << '\n';
    // The entrypoint's script interpreters run in the container before the exec: their syscalls are
    // needed too. One analysis each beside the program's (the format holds one program).
    std::vector<std::string> written = {output};
    for (const std::string& interpreter : interpreters) {
        if (interpreter == args.binary)
            continue;
        AnalyzeOptions io = opts;
        io.program = interpreter;
        io.dlopen.clear();
        io.progress = nullptr;
        const CallGraph ig = analyzeProgram(io);
        std::string stem = output;
        if (stem.ends_with(".swbanalysis"))
            stem.resize(stem.size() - std::string(".swbanalysis").size());
        const std::string file =
            stem + ".via-" + std::filesystem::path(interpreter).filename().string() + ".swbanalysis";
        writeAnalysisFile(ig, file);
        written.push_back(file);
        std::cerr << "swb: the entrypoint script runs under " << interpreter
                  << " before the exec: " << ig.syscalls().size() << " syscalls; its analysis written to "
                  << file << "\n";
    }
    if (written.size() > 1) {
        std::string all;
        for (const auto& w : written)
            all += " " + w;
        std::cerr << "swb: warning: the container runs " << written.size()
                  << " programs: give every analysis to swb profile / swb project create (swb profile" << all
                  << ")\n";
    }
    return 0;
}

} // namespace

void addAnalyzeCommand(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("analyze", "Statically analyze BINARY and every library it loads: call graph, "
                                      "syscall sites and witness paths");
    auto args = std::make_shared<AnalyzeArgs>();
    cmd->add_option(
        "BINARY", args->binary,
        "ELF executable (x86-64); with --image, a path inside the image (default: the program the "
        "image's Entrypoint/Cmd starts, through shell-script entrypoints)");
    cmd->add_option(
        "--image", args->image,
        "Analyze inside a container image: oci:DIR, docker-archive:FILE, oci-archive:FILE, dir:ROOTFS "
        "or a path");
    cmd->add_option("-o,--output", args->output, "Analysis file to write (default: BINARY.swbanalysis)");
    cmd->add_flag("--container-wide", args->containerWide,
                  "With --image: analyze every ELF executable of the image, one analysis each into the -o "
                  "directory (Confine's container-wide mode)");
    cmd->add_option("--rootfs", args->rootfs, "Resolve BINARY and its libraries inside this root directory");
    // One library per --dlopen, so that a BINARY after them is not taken for another one.
    cmd->add_option("--dlopen", args->dlopen, "A library the program dlopen()s (repeatable)")
        ->allow_extra_args(false);
    cmd->add_flag("--no-cache", args->noCache, "Do not read or write the per-module result cache");
    cmd->add_option("--threads", args->threads, "Worker threads (default: all cores)");
    cmd->final_callback([args, &ctx] { ctx.exitCode = runAnalyze(*args); });
}

} // namespace swb::cli
