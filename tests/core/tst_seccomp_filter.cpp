// The profile model and its compilation to a real seccomp filter, loaded in the kernel of a
// forked child.
#include "profile/profile.h"
#include "profile/seccomp_filter.h"
#include "seccomp_test_support.h"
#include "util/error.h"

#include <QtTest>

#include <cerrno>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace swb;
using swbtest::runFiltered;

namespace {

// A profile allowing what a forked child needs to report back and exit.
Profile minimalProfile() {
    Profile p;
    for (const char* n : {"write", "exit_group", "exit", "getpid", "rt_sigreturn"})
        p.allow(n, "test", "the child reports and exits");
    return p;
}

} // namespace

class TstSeccompFilter : public QObject {
    Q_OBJECT
private slots:
    void actionNamesRoundTrip() {
        for (auto a :
             {SeccompAction::Allow, SeccompAction::Errno, SeccompAction::KillThread,
              SeccompAction::KillProcess, SeccompAction::Trap, SeccompAction::Trace, SeccompAction::Log})
            QCOMPARE(seccompActionFromName(seccompActionName(a)), std::optional<SeccompAction>(a));
        QCOMPARE(seccompActionFromName("SCMP_ACT_KILL_THREAD"), std::optional(SeccompAction::KillThread));
        QVERIFY(!seccompActionFromName("SCMP_ACT_BOGUS"));
        QCOMPARE(argOpFromName(argOpName(ArgOp::MaskedEqual)), std::optional(ArgOp::MaskedEqual));
        QVERIFY(!argOpFromName("SCMP_CMP_XX"));
    }

    void allowResolvesAndDeduplicates() {
        Profile p;
        QVERIFY(p.allow("read", "g", "r"));
        QVERIFY(p.allow("read", "g", "r"));
        QVERIFY(!p.allow("no_such_syscall", "g", "r"));
        QCOMPARE(p.rules.size(), std::size_t(1));
        QCOMPARE(p.rules[0].nr, std::optional<int>(SYS_read));
        QCOMPARE(p.allowedNames(), std::vector<std::string>{"read"});
        QCOMPARE(p.remove("read"), std::size_t(1));
        QVERIFY(p.allowedNumbers().empty());
    }

    void deniedSyscallFailsWithTheProfileErrno() {
        Profile p = minimalProfile();
        p.defaultErrno = EACCES;
        const auto bpf = compileSeccompBpf(p);
        QVERIFY(!bpf.empty());
        const int code = runFiltered(bpf, [] {
            if (::syscall(SYS_getpid) <= 0)
                return 1;
            errno = 0;
            const long r = ::syscall(SYS_getppid);
            return r == -1 && errno == EACCES ? 0 : 2;
        });
        QCOMPARE(code, 0);
    }

    void perRuleErrnoAndArgumentConditions() {
        Profile p = minimalProfile();
        ProfileRule clone3;
        clone3.name = "clone3";
        clone3.nr = SYS_clone3;
        clone3.action = SeccompAction::Errno;
        clone3.errnoRet = ENOSYS;
        p.rules.push_back(clone3);
        // getppid allowed only when its (ignored) first argument is 7.
        ProfileRule cond;
        cond.name = "getppid";
        cond.nr = SYS_getppid;
        cond.args.push_back({0, 7, 0, ArgOp::Equal});
        p.rules.push_back(cond);
        const auto bpf = compileSeccompBpf(p);
        const int code = runFiltered(bpf, [] {
            errno = 0;
            if (::syscall(SYS_clone3, nullptr, 0) != -1 || errno != ENOSYS)
                return 1;
            if (::syscall(SYS_getppid, 7) <= 0)
                return 2;
            errno = 0;
            if (::syscall(SYS_getppid, 8) != -1 || errno != EPERM)
                return 3;
            return 0;
        });
        QCOMPARE(code, 0);
    }

    void killActionKills() {
        Profile p = minimalProfile();
        p.defaultAction = SeccompAction::KillProcess;
        const auto bpf = compileSeccompBpf(p);
        const int code = runFiltered(bpf, [] {
            ::syscall(SYS_getppid);
            return 0;
        });
        QCOMPARE(code, 128 + SIGSYS);
    }

    void pfcNamesTheRules() {
        Profile p = minimalProfile();
        const std::string pfc = exportSeccompPfc(p);
        QVERIFY(pfc.find("pseudo filter code") != std::string::npos);
        QVERIFY2(pfc.find("getpid") != std::string::npos, pfc.c_str());
        QVERIFY(pfc.find("ERRNO(1)") != std::string::npos);
    }

    void unknownNumberRulesAreSkippedNotFatal() {
        Profile p = minimalProfile();
        ProfileRule r;
        r.name = "not_on_x86";
        p.rules.push_back(r);
        QVERIFY(!compileSeccompBpf(p).empty());
    }

    void badFilterIsRefused() {
        const std::uint8_t junk[3] = {1, 2, 3};
        QCOMPARE(installSeccompBpf(junk, sizeof junk), EINVAL);
    }
};

QTEST_GUILESS_MAIN(TstSeccompFilter)
#include "tst_seccomp_filter.moc"
