#include "enforce/validator.h"

#include "profile/seccomp_filter.h"
#include "trace/tracer.h"

#include <map>

namespace swb {

std::vector<std::uint8_t> validationFilter(const Profile& profile, bool enforce) {
    if (enforce) {
        FilterOptions options;
        options.errnoAsTraceFlag = kTraceFailSyscall;
        return compileSeccompBpf(profile, options);
    }
    // Complain: whatever the profile would not allow goes to the tracer, which lets it run. A
    // rule's Trace action compiles with message 0, the complain message.
    Profile complain = profile;
    for (ProfileRule& rule : complain.rules)
        if (rule.action != SeccompAction::Allow)
            rule.action = SeccompAction::Trace;
    FilterOptions options;
    if (complain.defaultAction != SeccompAction::Allow) {
        options.defaultAction = SeccompAction::Trace;
        options.defaultValue = 0;
    }
    return compileSeccompBpf(complain, options);
}

Profile tracingProfile(const Profile& profile, bool enforce) {
    Profile out = profile;
    auto message = [&](int errnoRet) {
        return enforce
                   ? static_cast<int>(kTraceFailSyscall | (static_cast<unsigned>(errnoRet) & kTraceErrnoMask))
                   : 0;
    };
    auto converted = [&](SeccompAction action) {
        return enforce ? action == SeccompAction::Errno : action != SeccompAction::Allow;
    };
    for (ProfileRule& rule : out.rules) {
        if (!converted(rule.action))
            continue;
        const int errnoRet = rule.action == SeccompAction::Errno
                                 ? (rule.errnoRet >= 0 ? rule.errnoRet : profile.defaultErrno)
                                 : rule.errnoRet;
        rule.errnoRet = message(errnoRet);
        rule.action = SeccompAction::Trace;
    }
    if (converted(out.defaultAction)) {
        out.defaultErrno = message(profile.defaultErrno);
        out.defaultAction = SeccompAction::Trace;
    }
    return out;
}

std::vector<Violation> violationsIn(const Trace& t) {
    std::vector<Violation> out;
    const SyscallTable& table = SyscallTable::forArch(t.arch);
    for (std::size_t i = 0; i < t.eventCount(); ++i) {
        if (!(t.flags(i) & EventViolation))
            continue;
        Violation v;
        v.timeNs = t.timeNs(i);
        v.pid = t.pid(i);
        v.tid = t.tid(i);
        v.nr = t.nr(i);
        v.name = table.name(v.nr);
        for (int k = 0; k < 6; ++k)
            v.args[static_cast<std::size_t>(k)] = t.arg(i, k);
        v.ret = t.ret(i);
        v.returned = !(t.flags(i) & EventNoReturn);
        v.stackId = t.stackId(i);
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<std::pair<std::string, std::size_t>> ValidationResult::countsByName() const {
    std::map<std::string, std::size_t> counts;
    for (const Violation& v : violations)
        ++counts[v.name];
    return {counts.begin(), counts.end()};
}

struct Validator::Impl {
    explicit Impl(ValidationOptions o)
        : options(std::move(o))
        , memory(trace)
        , tee(memory, options.alsoTo ? *options.alsoTo : memory)
        , tracer(options.alsoTo ? static_cast<TraceSink&>(tee) : static_cast<TraceSink&>(memory)) {}

    ValidationOptions options;
    Trace trace;
    MemorySink memory;
    TeeSink tee;
    Tracer tracer;
};

Validator::Validator(ValidationOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

Validator::~Validator() = default;

void Validator::requestStop(int signo) {
    impl_->tracer.requestStop(signo);
}

ValidationResult Validator::run() {
    Impl& d = *impl_;
    if (d.options.command.empty())
        throw Error("validation needs a program to run");
    if (d.options.profile.arch != Arch::X86_64)
        throw Error("validation runs x86_64 programs only; the profile is for " +
                    std::string(archName(d.options.profile.arch)));
    TracerOptions topts;
    topts.command = d.options.command;
    topts.seccompFilter = validationFilter(d.options.profile, d.options.enforce);
    topts.violationStacks = d.options.stacks;
    topts.outputFile = d.options.outputFile;
    const TracerResult tr = d.tracer.run(topts);

    ValidationResult result;
    result.exitStatus = tr.exitStatus;
    result.interruptedBy = tr.interruptedBy;
    d.trace.sortByTime();
    d.trace.shrinkToFit();
    result.trace = std::move(d.trace);
    d.trace = Trace();
    result.violations = violationsIn(result.trace);
    return result;
}

ValidationResult validate(const ValidationOptions& options) {
    return Validator(options).run();
}

} // namespace swb
