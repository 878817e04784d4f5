#include "profile/seccomp_filter.h"

#include "util/error.h"

#include <cerrno>
#include <cstring>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace swb {

namespace {

std::uint32_t toScmpAction(SeccompAction action, int value) {
    switch (action) {
    case SeccompAction::Allow:
        return SCMP_ACT_ALLOW;
    case SeccompAction::Errno:
        return SCMP_ACT_ERRNO(static_cast<std::uint16_t>(value));
    case SeccompAction::KillThread:
        return SCMP_ACT_KILL_THREAD;
    case SeccompAction::KillProcess:
        return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::Trap:
        return SCMP_ACT_TRAP;
    case SeccompAction::Trace:
        return SCMP_ACT_TRACE(static_cast<std::uint16_t>(value));
    case SeccompAction::Log:
        return SCMP_ACT_LOG;
    }
    return SCMP_ACT_KILL_PROCESS;
}

scmp_compare toScmpOp(ArgOp op) {
    switch (op) {
    case ArgOp::NotEqual:
        return SCMP_CMP_NE;
    case ArgOp::Less:
        return SCMP_CMP_LT;
    case ArgOp::LessEqual:
        return SCMP_CMP_LE;
    case ArgOp::Equal:
        return SCMP_CMP_EQ;
    case ArgOp::GreaterEqual:
        return SCMP_CMP_GE;
    case ArgOp::Greater:
        return SCMP_CMP_GT;
    case ArgOp::MaskedEqual:
        return SCMP_CMP_MASKED_EQ;
    }
    return SCMP_CMP_EQ;
}

std::uint32_t scmpArch(Arch arch) {
    switch (arch) {
    case Arch::X86_64:
        return SCMP_ARCH_X86_64;
    }
    return SCMP_ARCH_NATIVE;
}

// Owns a libseccomp context built from a profile.
class FilterContext {
public:
    FilterContext(const Profile& profile, const FilterOptions& options) {
        SeccompAction defAction = options.defaultAction.value_or(profile.defaultAction);
        int defValue = options.defaultAction ? options.defaultValue : profile.defaultErrno;
        asTrace(options, defAction, defValue);
        ctx_ = seccomp_init(toScmpAction(defAction, defValue));
        if (!ctx_)
            throw Error("libseccomp: cannot create a filter context");
        const std::uint32_t arch = scmpArch(profile.arch);
        if (arch != seccomp_arch_native()) {
            seccomp_arch_remove(ctx_, SCMP_ARCH_NATIVE);
            check(seccomp_arch_add(ctx_, arch), "adding the architecture");
        }
        // Syscalls of another ABI (x32, i386) get the default action rather than a kill.
        check(seccomp_attr_set(ctx_, SCMP_FLTATR_ACT_BADARCH, toScmpAction(defAction, defValue)),
              "setting the bad-architecture action");
        const std::uint32_t defScmp = toScmpAction(defAction, defValue);
        for (const ProfileRule& rule : profile.rules) {
            if (!rule.nr)
                continue; // unknown on this architecture: reported as a warning when imported
            SeccompAction a = rule.action;
            int value =
                a == SeccompAction::Errno ? (rule.errnoRet >= 0 ? rule.errnoRet : profile.defaultErrno) : 0;
            if (options.overrideDenyRules && a != SeccompAction::Allow && options.defaultAction) {
                a = *options.defaultAction;
                value = options.defaultValue;
            }
            asTrace(options, a, value);
            const std::uint32_t act = toScmpAction(a, value);
            if (act == defScmp)
                continue; // libseccomp refuses a rule whose action is the default one
            std::vector<scmp_arg_cmp> cmps;
            for (const ArgCondition& c : rule.args)
                cmps.push_back(scmp_arg_cmp{c.index, toScmpOp(c.op), c.value, c.valueTwo});
            const int rc = seccomp_rule_add_array(ctx_, act, *rule.nr, static_cast<unsigned>(cmps.size()),
                                                  cmps.empty() ? nullptr : cmps.data());
            if (rc < 0 && rc != -EEXIST)
                throw Error("libseccomp rejected the rule for " + rule.name + ": " + std::strerror(-rc));
        }
    }
    ~FilterContext() { seccomp_release(ctx_); }
    FilterContext(const FilterContext&) = delete;
    FilterContext& operator=(const FilterContext&) = delete;

    // Runs an export function into a memory file and returns what it wrote.
    template <typename Fn> std::string exportWith(Fn fn, const char* what) const {
        const int fd = static_cast<int>(::syscall(SYS_memfd_create, "swb-filter", 0));
        if (fd < 0)
            throw Error(std::string("memfd_create: ") + std::strerror(errno));
        const int rc = fn(ctx_, fd);
        std::string out;
        if (rc == 0) {
            const off_t size = ::lseek(fd, 0, SEEK_END);
            out.resize(static_cast<std::size_t>(size > 0 ? size : 0));
            if (size > 0 && ::pread(fd, out.data(), out.size(), 0) != size) {
                ::close(fd);
                throw Error(std::string("reading the ") + what + " back failed");
            }
        }
        ::close(fd);
        if (rc != 0)
            throw Error(std::string("libseccomp could not export the ") + what + ": " + std::strerror(-rc));
        return out;
    }

private:
    static void asTrace(const FilterOptions& options, SeccompAction& action, int& value) {
        if (options.errnoAsTraceFlag && action == SeccompAction::Errno) {
            action = SeccompAction::Trace;
            value = options.errnoAsTraceFlag | (value & 0x0fff);
        }
    }
    static void check(int rc, const char* what) {
        if (rc < 0)
            throw Error(std::string("libseccomp: ") + what + ": " + std::strerror(-rc));
    }
    scmp_filter_ctx ctx_ = nullptr;
};

} // namespace

std::vector<std::uint8_t> compileSeccompBpf(const Profile& profile, const FilterOptions& options) {
    FilterContext ctx(profile, options);
    const std::string bytes = ctx.exportWith(seccomp_export_bpf, "BPF program");
    return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

std::string exportSeccompPfc(const Profile& profile, const FilterOptions& options) {
    FilterContext ctx(profile, options);
    return ctx.exportWith(seccomp_export_pfc, "PFC text");
}

int installSeccompBpf(const std::uint8_t* bpf, std::size_t size, bool threads) noexcept {
    if (size == 0 || size % sizeof(sock_filter) != 0)
        return EINVAL;
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return errno;
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(size / sizeof(sock_filter));
    // seccomp(2) takes a non-const pointer but does not write through it.
    prog.filter = reinterpret_cast<sock_filter*>(const_cast<std::uint8_t*>(bpf));
    const unsigned long flags = threads ? SECCOMP_FILTER_FLAG_TSYNC : 0;
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) != 0)
        return errno;
    return 0;
}

} // namespace swb
