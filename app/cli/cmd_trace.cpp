#include "commands.h"
#include "image_run.h"

#include "trace/trace_file.h"
#include "trace/tracer.h"
#include "util/error.h"

#include <array>
#include <csignal>
#include <filesystem>
#include <iostream>

namespace swb::cli {

namespace {

Tracer* g_activeTracer = nullptr;

void onStopSignal(int signo) {
    if (g_activeTracer)
        g_activeTracer->requestStop(signo);
}

// Routes SIGINT, SIGTERM and SIGHUP to the tracer's stop request while it runs, and restores the
// previous handlers however the run ends.
class StopSignalsTo {
public:
    explicit StopSignalsTo(Tracer& tracer) {
        g_activeTracer = &tracer;
        struct sigaction sa {};
        sa.sa_handler = onStopSignal;
        sigemptyset(&sa.sa_mask);
        for (std::size_t i = 0; i < kSignals.size(); ++i)
            sigaction(kSignals[i], &sa, &previous_[i]);
    }
    ~StopSignalsTo() {
        for (std::size_t i = 0; i < kSignals.size(); ++i)
            sigaction(kSignals[i], &previous_[i], nullptr);
        g_activeTracer = nullptr;
    }
    StopSignalsTo(const StopSignalsTo&) = delete;
    StopSignalsTo& operator=(const StopSignalsTo&) = delete;

private:
    static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
    std::array<struct sigaction, 3> previous_{};
};

struct TraceArgs {
    std::string output;
    bool stacks = false;
    int attachPid = 0;
    std::vector<std::string> command;
    ImageRunArgs image;
};

std::string defaultOutput(const TraceArgs& a) {
    if (a.attachPid)
        return "pid-" + std::to_string(a.attachPid) + ".swbtrace";
    return std::filesystem::path(a.command.front()).filename().string() + ".swbtrace";
}

// swb trace --image: the container under runc, traced from its program's exec; the command after
// -- is a client run beside it.
int runTraceImage(TraceArgs args) {
    if (args.attachPid)
        throw Error("--image and -p exclude each other");
    args.image.client = args.command;
    if (!args.image.client.empty())
        Tracer::resolveProgram(args.image.client.front());
    PreparedImageRun p = prepareImageRun(args.image, "swb-trace", std::nullopt);
    p.run.stacks = args.stacks;
    const std::string output =
        args.output.empty() ? std::filesystem::path(p.bundle.args.front()).filename().string() + ".swbtrace"
                            : args.output;
    TraceFileWriter writer(output);
    const ContainerRunResult r = runPreparedImage(p, writer);
    reportImageRun(p, r);
    std::cerr << "swb: " << r.tracer.events << " syscalls in " << r.tracer.processes << " process"
              << (r.tracer.processes == 1 ? "" : "es") << " of the container written to " << output << '\n';
    return imageRunStatus(p, r);
}

int runTrace(const TraceArgs& args) {
    if (!args.image.image.empty())
        return runTraceImage(args);
    if (args.command.empty() == (args.attachPid == 0))
        throw Error("give either a command after -- or -p PID");
    const std::string output = args.output.empty() ? defaultOutput(args) : args.output;
    if (!args.attachPid)
        Tracer::resolveProgram(args.command.front()); // fail before creating any file

    TraceFileWriter writer(output);
    Tracer tracer(writer);
    TracerOptions opts;
    opts.command = args.command;
    opts.attachPid = args.attachPid;
    opts.stacks = args.stacks;

    TracerResult result;
    {
        const StopSignalsTo guard(tracer);
        result = tracer.run(opts);
    }

    std::cerr << "swb: " << result.events << " syscalls in " << result.processes << " process"
              << (result.processes == 1 ? "" : "es") << " written to " << output;
    if (result.interruptedBy)
        std::cerr << " (interrupted by signal " << result.interruptedBy << ")";
    std::cerr << '\n';
    return result.exitStatus;
}

} // namespace

void addTraceCommand(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("trace", "Run PROGRAM (or attach to PID) under the ptrace tracer and record "
                                    "every syscall of it and its children");
    auto args = std::make_shared<TraceArgs>();
    cmd->add_option("-o,--output", args->output, "Trace file to write (default: PROGRAM.swbtrace)");
    cmd->add_flag("--stacks", args->stacks, "Record the user-space call stack at every syscall entry");
    cmd->add_option("-p,--pid", args->attachPid, "Attach to a running process and its threads");
    cmd->add_option("command", args->command, "PROGRAM [ARGS...] (after --); with --image: a client command");
    addImageRunOptions(cmd, args->image);
    cmd->footer(
        "Exit status: the program's (128+N when killed by signal N); 127 when PROGRAM is not found, 126 "
        "when it is not executable. Ctrl-C stops the tracees and still writes the trace.\n"
        "With --image: the image's container runs under runc (root needed) and is traced from the exec of "
        "its program (runc's own setup is not the program's); a client after -- runs in the container's "
        "network namespace; the run ends when the container exits, the client ends or --duration is over, "
        "then the container gets SIGTERM (SIGKILL after --stop-timeout). Exit status: the client's when it "
        "failed, else the container's (0 when swb stopped it).");
    cmd->final_callback([args, &ctx] {
        try {
            ctx.exitCode = runTrace(*args);
        } catch (const LaunchError& e) {
            std::cerr << "swb: " << e.what() << '\n';
            ctx.exitCode = e.exitCode();
        } catch (const Error& e) {
            std::cerr << "swb: " << e.what() << '\n';
            ctx.exitCode = 1;
        }
    });
}

} // namespace swb::cli
