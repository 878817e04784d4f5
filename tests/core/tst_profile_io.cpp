// Seccomp profile formats: export (Docker, OCI, Kubernetes), import with moby's conditionals, errors
// with positions, and imported profiles compiled to real filters loaded in a forked child.
#include "profile/profile_diff.h"
#include "profile/profile_io.h"
#include "profile/runtime_groups.h"
#include "profile/seccomp_filter.h"
#include "seccomp_test_support.h"
#include "util/atomic_file.h"
#include "util/error.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace swb;

namespace {

const std::string kMoby = SWB_SOURCE_DIR "/../shared/data/moby-default-seccomp.json";
const std::string kRuncBase = SWB_SOURCE_DIR "/../shared/data/baseprofile-runc.yaml";

Profile sample() {
    Profile p;
    p.allow("write", "program", "prints its result");
    p.allow("read", "program", "reads its input");
    p.allow("exit_group", "program", "exits");
    p.allow("futex", "runtime:runc", "Go runtime");
    ProfileRule sock;
    sock.name = "socket";
    sock.nr = SYS_socket;
    sock.group = "program";
    sock.reason = "AF_UNIX only";
    sock.args.push_back({0, 1, 0, ArgOp::Equal});
    p.rules.push_back(sock);
    ProfileRule deny;
    deny.name = "ptrace";
    deny.nr = SYS_ptrace;
    deny.action = SeccompAction::Errno;
    deny.errnoRet = EACCES;
    deny.group = "review";
    deny.reason = "denied on review";
    p.rules.push_back(deny);
    return p;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

bool anyContains(const std::vector<std::string>& v, const std::string& s) {
    return std::any_of(v.begin(), v.end(),
                       [&](const std::string& x) { return x.find(s) != std::string::npos; });
}

// The error message of parsing text, or "" when it parsed.
std::string parseError(const std::string& text, const ImportOptions& o = {}) {
    try {
        (void)parseProfile(text, "t.json", o);
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

// Runs fn in a forked child under the profile's compiled filter; returns its exit code.
template <typename Fn> int runFiltered(const Profile& p, Fn fn) {
    return swbtest::runFiltered(compileSeccompBpf(p), fn);
}

ImportOptions withCaps(std::vector<std::string> caps, KernelVersion k = {6, 1}) {
    ImportOptions o;
    o.capabilities = std::move(caps);
    o.kernel = k;
    return o;
}

} // namespace

class TstProfileIo : public QObject {
    Q_OBJECT
private slots:
    void formatNames() {
        for (auto f : {ProfileFormat::Docker, ProfileFormat::Oci, ProfileFormat::Kubernetes})
            QCOMPARE(profileFormatFromName(profileFormatName(f)), std::optional(f));
        QCOMPARE(profileFormatFromName("kubernetes"), std::optional(ProfileFormat::Kubernetes));
        QVERIFY(!profileFormatFromName("bpf"));
    }

    void dockerExportShape() {
        const std::string text = exportProfile(sample(), ProfileFormat::Docker);
        QVERIFY(text.ends_with("}\n"));
        QVERIFY2(text.find("\n  \"defaultAction\": \"SCMP_ACT_ERRNO\"") != std::string::npos, text.c_str());
        const auto j = nlohmann::json::parse(text);
        QCOMPARE(j["defaultErrnoRet"].get<int>(), 1);
        QCOMPARE(j["archMap"][0]["architecture"].get<std::string>(), std::string("SCMP_ARCH_X86_64"));
        QCOMPARE(j["archMap"][0]["subArchitectures"],
                 nlohmann::json::parse(R"(["SCMP_ARCH_X86","SCMP_ARCH_X32"])"));
        // Entries sorted by group; names sorted inside; one entry per distinct arguments.
        const auto& calls = j["syscalls"];
        std::vector<std::string> groups;
        bool sawProgramAllow = false, sawClone3 = false, sawSocket = false, sawDeny = false;
        for (const auto& e : calls) {
            const std::string comment = e["comment"];
            groups.push_back(comment.substr(0, comment.find(':')));
            if (e["names"] == nlohmann::json::parse(R"(["exit_group","read","write"])")) {
                sawProgramAllow = true;
                QCOMPARE(e["action"].get<std::string>(), std::string("SCMP_ACT_ALLOW"));
                QVERIFY2(comment.find("program: ") == 0 &&
                             comment.find("read (reads its input)") != std::string::npos,
                         comment.c_str());
                QVERIFY(!e.contains("errnoRet"));
            }
            if (e["names"] == nlohmann::json::parse(R"(["clone3"])")) {
                sawClone3 = true;
                QCOMPARE(e["errnoRet"].get<int>(), 38);
                QCOMPARE(e["action"].get<std::string>(), std::string("SCMP_ACT_ERRNO"));
            }
            if (e["names"] == nlohmann::json::parse(R"(["socket"])")) {
                sawSocket = true;
                QCOMPARE(e["args"],
                         nlohmann::json::parse(R"([{"index":0,"value":1,"valueTwo":0,"op":"SCMP_CMP_EQ"}])"));
            }
            if (e["names"] == nlohmann::json::parse(R"(["ptrace"])")) {
                sawDeny = true;
                QCOMPARE(e["errnoRet"].get<int>(), EACCES);
                QCOMPARE(comment, std::string("review: denied on review"));
            }
        }
        QVERIFY(sawProgramAllow && sawClone3 && sawSocket && sawDeny);
        QVERIFY(std::is_sorted(groups.begin(), groups.end()));
        QCOMPARE(calls.size(), std::size_t(5)); // compat, program allow, program socket, review, runtime
    }

    void exportIsDeterministic() {
        Profile a = sample();
        Profile b = sample();
        std::reverse(b.rules.begin(), b.rules.end());
        for (auto f : {ProfileFormat::Docker, ProfileFormat::Oci, ProfileFormat::Kubernetes}) {
            QCOMPARE(exportProfile(a, f), exportProfile(a, f));
            QCOMPARE(exportProfile(a, f), exportProfile(b, f));
        }
    }

    void clone3Option() {
        ExportOptions off;
        off.clone3Enosys = false;
        QVERIFY(exportProfile(sample(), ProfileFormat::Docker, off).find("clone3") == std::string::npos);
        Profile p = sample();
        p.allow("clone3", "program", "threads");
        const auto j = nlohmann::json::parse(exportProfile(p, ProfileFormat::Docker));
        for (const auto& e : j["syscalls"])
            if (e["names"].dump().find("clone3") != std::string::npos)
                QCOMPARE(e["action"].get<std::string>(), std::string("SCMP_ACT_ALLOW"));
        // A deny-list profile (default allow) allows clone3 already: nothing is added.
        Profile d;
        d.defaultAction = SeccompAction::Allow;
        QVERIFY(exportProfile(d, ProfileFormat::Docker).find("clone3") == std::string::npos);
    }

    void ociExport() {
        const auto frag = nlohmann::json::parse(exportProfile(sample(), ProfileFormat::Oci));
        QVERIFY(frag.contains("linux"));
        const auto& sc = frag["linux"]["seccomp"];
        QCOMPARE(sc["architectures"],
                 nlohmann::json::parse(R"(["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"])"));
        QVERIFY(!sc.contains("archMap"));
        for (const auto& e : sc["syscalls"])
            QVERIFY(!e.contains("comment"));
        ExportOptions bare;
        bare.ociFragment = false;
        const auto obj = nlohmann::json::parse(exportProfile(sample(), ProfileFormat::Oci, bare));
        QCOMPARE(obj, sc);
    }

    void kubernetesExport() {
        ExportOptions o;
        o.name = "My App_v2";
        Profile p = sample();
        p.defaultErrno = EACCES;
        const std::string y = exportProfile(p, ProfileFormat::Kubernetes, o);
        QVERIFY2(y.starts_with(
                     "---\napiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\n"
                     "metadata:\n  name: my-app-v2\nspec:\n"),
                 y.c_str());
        QVERIFY(y.find("  defaultAction: SCMP_ACT_ERRNO\n") != std::string::npos);
        QVERIFY(y.find("    - action: SCMP_ACT_ALLOW\n") != std::string::npos);
        QVERIFY(y.find("    # program: ") != std::string::npos);
        QVERIFY2(y.find("has no defaultErrnoRet") != std::string::npos, y.c_str());
    }

    void roundTripEveryFormat() {
        const Profile p = sample();
        for (auto f : {ProfileFormat::Docker, ProfileFormat::Oci, ProfileFormat::Kubernetes}) {
            ExportOptions o;
            o.clone3Enosys = false;
            const Profile back = parseProfile(exportProfile(p, f, o), "x", {});
            QVERIFY2(back.warnings.empty(), back.warnings.empty() ? "" : back.warnings[0].c_str());
            const auto d = diffProfiles(p, back);
            QVERIFY2(d.equal(), formatDiffText(d, "original", std::string(profileFormatName(f))).c_str());
            QCOMPARE(back.rulesFor("ptrace").size(), std::size_t(1));
            QCOMPARE(back.rulesFor("ptrace")[0]->errnoRet, EACCES);
        }
    }

    void detectsEachFormat() {
        QTemporaryDir dir;
        auto write = [&](const char* name, const std::string& text) {
            const std::string path = dir.filePath(QLatin1String(name)).toStdString();
            writeFileAtomically(path, text);
            return path;
        };
        const Profile p = sample();
        ExportOptions bare;
        bare.ociFragment = false;
        QCOMPARE(detectProfileFormat(write("d.json", exportProfile(p, ProfileFormat::Docker))),
                 ProfileFormat::Docker);
        QCOMPARE(detectProfileFormat(write("o.json", exportProfile(p, ProfileFormat::Oci))),
                 ProfileFormat::Oci);
        QCOMPARE(detectProfileFormat(write("b.json", exportProfile(p, ProfileFormat::Oci, bare))),
                 ProfileFormat::Oci);
        QCOMPARE(detectProfileFormat(write("k.yaml", exportProfile(p, ProfileFormat::Kubernetes))),
                 ProfileFormat::Kubernetes);
        QVERIFY(!sniffProfileFormat(write("n.json", R"({"name": "not a profile"})")));
        QVERIFY(!sniffProfileFormat(write("t.txt", "hello world")));
        QVERIFY(!sniffProfileFormat(write("bad.json", "{\"defaultAction\": ")));
        bool threw = false;
        try {
            detectProfileFormat(dir.filePath(QStringLiteral("n.json")).toStdString());
        } catch (const Error& e) {
            threw = std::string(e.what()).find("n.json: not a seccomp profile") != std::string::npos;
        }
        QVERIFY(threw);
        // A whole OCI config.json with other sections.
        const Profile fromConfig = loadProfile(write(
            "config.json",
            R"({"ociVersion":"1.0.2","process":{"args":["/x"]},"linux":{"namespaces":[],"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_ALLOW"}]}}})"));
        QCOMPARE(fromConfig.allowedNames(), std::vector<std::string>{"getpid"});
        QVERIFY(parseError(R"({"ociVersion":"1.0.2","linux":{}})").find("no linux.seccomp") !=
                std::string::npos);
    }

    // Each branch of moby's conditionals, on a profile written here.
    void conditionals_data() {
        QTest::addColumn<QString>("entry");
        QTest::addColumn<QString>("caps");
        QTest::addColumn<int>("kernelMinor");
        QTest::addColumn<bool>("allowed");
        const QString admin = QStringLiteral("CAP_SYS_ADMIN");
        QTest::newRow("plain") << QStringLiteral("{}") << QString() << 10 << true;
        QTest::newRow("includes arch amd64")
            << QStringLiteral(R"({"includes":{"arches":["amd64","x32"]}})") << QString() << 10 << true;
        QTest::newRow("includes arch arm64")
            << QStringLiteral(R"({"includes":{"arches":["arm64"]}})") << QString() << 10 << false;
        QTest::newRow("excludes arch amd64")
            << QStringLiteral(R"({"excludes":{"arches":["amd64"]}})") << QString() << 10 << false;
        QTest::newRow("excludes arch s390")
            << QStringLiteral(R"({"excludes":{"arches":["s390"]}})") << QString() << 10 << true;
        QTest::newRow("includes cap held")
            << QStringLiteral(R"({"includes":{"caps":["CAP_SYS_ADMIN"]}})") << admin << 10 << true;
        QTest::newRow("includes cap missing")
            << QStringLiteral(R"({"includes":{"caps":["CAP_SYS_ADMIN"]}})") << QString() << 10 << false;
        QTest::newRow("includes two caps, one held")
            << QStringLiteral(R"({"includes":{"caps":["CAP_SYS_ADMIN","CAP_BPF"]}})") << admin << 10 << false;
        QTest::newRow("excludes cap held")
            << QStringLiteral(R"({"excludes":{"caps":["CAP_SYS_ADMIN"]}})") << admin << 10 << false;
        QTest::newRow("excludes cap missing")
            << QStringLiteral(R"({"excludes":{"caps":["CAP_SYS_ADMIN"]}})") << QString() << 10 << true;
        QTest::newRow("includes minKernel met")
            << QStringLiteral(R"({"includes":{"minKernel":"5.10"}})") << QString() << 10 << true;
        QTest::newRow("includes minKernel not met")
            << QStringLiteral(R"({"includes":{"minKernel":"5.11"}})") << QString() << 10 << false;
        QTest::newRow("excludes minKernel met")
            << QStringLiteral(R"({"excludes":{"minKernel":"5.4"}})") << QString() << 10 << false;
        QTest::newRow("excludes minKernel not met")
            << QStringLiteral(R"({"excludes":{"minKernel":"5.11"}})") << QString() << 10 << true;
        QTest::newRow("includes and excludes")
            << QStringLiteral(R"({"includes":{"arches":["amd64"]},"excludes":{"caps":["CAP_SYS_ADMIN"]}})")
            << admin << 10 << false;
    }
    void conditionals() {
        QFETCH(QString, entry);
        QFETCH(QString, caps);
        QFETCH(int, kernelMinor);
        QFETCH(bool, allowed);
        auto e = nlohmann::json::parse(entry.toStdString());
        e["names"] = {"mount"};
        e["action"] = "SCMP_ACT_ALLOW";
        nlohmann::json doc = {{"defaultAction", "SCMP_ACT_ERRNO"}, {"syscalls", {e}}};
        std::vector<std::string> capList;
        if (!caps.isEmpty())
            capList.push_back(caps.toStdString());
        const Profile p = parseProfile(doc.dump(), "t.json", withCaps(capList, {5, kernelMinor}));
        QCOMPARE(contains(p.allowedNames(), "mount"), allowed);
    }

    void entryFields() {
        const std::string text = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 13,
  "architectures": ["SCMP_ARCH_X86_64"],
  "listenerPath": "/run/x.sock",
  "syscalls": [
    {"name": "getppid", "action": "SCMP_ACT_ALLOW", "comment": "single name"},
    {"names": ["kill"], "action": "SCMP_ACT_ERRNO"},
    {"names": ["tkill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
       {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [
       {"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["chown32", "getpid", "no_such_call"], "action": "SCMP_ACT_ALLOW", "colour": "blue"},
    {"names": [], "action": "SCMP_ACT_ALLOW"}
  ]
})";
        Profile p = parseProfile(text, "t.json", withCaps({}));
        QCOMPARE(p.defaultErrno, 13);
        QCOMPARE(p.rulesFor("getppid")[0]->reason, std::string("single name"));
        QCOMPARE(p.rulesFor("kill")[0]->errnoRet, 1); // runc: ERRNO without errnoRet is EPERM
        QCOMPARE(p.rulesFor("tkill")[0]->errnoRet, 38);
        // Two conditions on one argument: one rule each (OR), as runc does.
        QCOMPARE(p.rulesFor("personality").size(), std::size_t(2));
        QCOMPARE(p.rulesFor("clone")[0]->args[0].op, ArgOp::MaskedEqual);
        QCOMPARE(p.rulesFor("clone")[0]->args[0].value, std::uint64_t(2114060288));
        // Unknown names: kept without a number, named in one warning with the file and position.
        QCOMPARE(p.rulesFor("chown32").size(), std::size_t(1));
        QVERIFY(!p.rulesFor("chown32")[0]->nr);
        QVERIFY(contains(p.allowedNames(), "getpid"));
        QVERIFY2(anyContains(p.warnings,
                             "t.json:14:5: syscalls entry 6: 2 syscall names not known on x86_64 (kept, "
                             "they match nothing): chown32, no_such_call"),
                 p.warnings.empty() ? "" : p.warnings[0].c_str());
        QVERIFY(anyContains(p.warnings, "unknown field \"colour\""));
        QVERIFY(anyContains(p.warnings, "listenerPath is not modelled"));
        QVERIFY(anyContains(p.warnings, "syscalls entry 7 names no syscall"));
        // The imported rules behave as written in a real filter (the child also needs to exit).
        p.allow("exit_group", "test", "the child exits");
        const int code = runFiltered(p, [] {
            if (::syscall(SYS_getppid) <= 0)
                return 1;
            errno = 0;
            if (::syscall(SYS_kill, 0, 0) != -1 || errno != EPERM)
                return 2;
            errno = 0;
            if (::syscall(SYS_tkill, 1, 0) != -1 || errno != ENOSYS)
                return 3;
            errno = 0;
            if (::syscall(SYS_getuid) != -1 || errno != 13)
                return 4;
            errno = 0; // personality is allowed for 0 and 8 only
            if (::syscall(SYS_personality, 0xffffffffUL) != -1 || errno != 13)
                return 5;
            return 0;
        });
        QCOMPARE(code, 0);
        const int code2 = runFiltered(p, [] {
            // personality(0) is allowed by the second split rule: it returns the persona, not -1.
            return ::syscall(SYS_personality, 0UL) == -1 ? 1 : 0;
        });
        QCOMPARE(code2, 0);
    }

    void archListWarning() {
        const Profile p = parseProfile(
            R"({"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_AARCH64","subArchitectures":null}],"syscalls":[]})",
            "arm.json");
        QVERIFY(anyContains(p.warnings, "arm.json:1:1: the profile does not list SCMP_ARCH_X86_64"));
    }

    void errorsNamePositionAndProblem_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("json syntax")
            << QStringLiteral("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [,]\n}")
            << QStringLiteral("t.json:3:16 (byte 54): JSON syntax error");
        QTest::newRow("truncated") << QStringLiteral("{\"defaultAction\": ")
                                   << QStringLiteral("t.json:1:19 (byte 18): JSON syntax error");
        QTest::newRow("errno as string")
            << QStringLiteral("{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"defaultErrnoRet\": \"1\"}")
            << QStringLiteral("t.json:2:21: errnoRet must be a number, not the string \"1\"");
        QTest::newRow("unknown action") << QStringLiteral(R"({"defaultAction": "SCMP_ACT_MAYBE"})")
                                        << QStringLiteral("t.json:1:19: unknown action \"SCMP_ACT_MAYBE\"");
        QTest::newRow("notify") << QStringLiteral(R"({"defaultAction": "SCMP_ACT_NOTIFY"})")
                                << QStringLiteral(
                                       "SCMP_ACT_NOTIFY (user-space notification) is not supported");
        QTest::newRow("no action")
            << QStringLiteral(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"]}]})")
            << QStringLiteral("t.json:1:50: syscalls entry 1 has no action");
        QTest::newRow("names not a list")
            << QStringLiteral(
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": "read", "action": "SCMP_ACT_ALLOW"}]})")
            << QStringLiteral("t.json:1:60: names must be a list");
        QTest::newRow("name and names")
            << QStringLiteral(
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"name": "a", "names": ["b"], "action": "SCMP_ACT_ALLOW"}]})")
            << QStringLiteral("has both name and names");
        QTest::newRow("bad op")
            << QStringLiteral(
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ABOUT"}]}]})")
            << QStringLiteral("unknown comparison operator \"SCMP_CMP_ABOUT\"");
        QTest::newRow("index range")
            << QStringLiteral(
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "op": "SCMP_CMP_EQ"}]}]})")
            << QStringLiteral("argument index 6 is out of range (0-5)");
        QTest::newRow("negative value")
            << QStringLiteral(
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]})")
            << QStringLiteral("value must be a non-negative integer, found \"-1\"");
        QTest::newRow("minKernel")
            << QStringLiteral(
                   R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "five"}}]})")
            << QStringLiteral("minKernel \"five\" is not a kernel version (MAJOR.MINOR)");
        QTest::newRow("not a profile")
            << QStringLiteral(R"({"hello": 1})") << QStringLiteral("t.json:1:1: not a seccomp profile");
        QTest::newRow("yaml syntax") << QStringLiteral("kind: SeccompProfile\nspec: [\n  - a\n  b: c\n")
                                     << QStringLiteral("t.json:3:3: YAML syntax error");
        QTest::newRow("k8s api")
            << QStringLiteral(
                   "apiVersion: v1\nkind: SeccompProfile\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n")
            << QStringLiteral(
                   "t.json:1:13: apiVersion \"v1\" is not security-profiles-operator.x-k8s.io/...");
        QTest::newRow("k8s syscalls map")
            << QStringLiteral(
                   "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nspec:\n  "
                   "defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n    names: [read]\n")
            << QStringLiteral("t.json:6:5: syscalls must be a list");
    }
    void errorsNamePositionAndProblem() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        const std::string msg = parseError(text.toStdString());
        QVERIFY2(msg.find(expected.toStdString()) != std::string::npos, msg.c_str());
    }

    void kubernetesImport() {
        const std::string y = R"(---
apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: demo
spec:
  defaultAction: SCMP_ACT_ERRNO
  baseProfileName: runc-v1.1.5
  architectures:
    - SCMP_ARCH_X86_64
  syscalls:
    - action: SCMP_ACT_ALLOW
      names:
        - read
        - write
    - action: SCMP_ACT_ERRNO
      errnoRet: 38
      names: [clone3]
    - action: SCMP_ACT_ALLOW
      names: [socket]
      args:
        - index: 0
          value: 1
          op: SCMP_CMP_EQ
)";
        const Profile p = parseProfile(y, "k.yaml");
        QCOMPARE(p.allowedNames(), (std::vector<std::string>{"read", "socket", "write"}));
        QCOMPARE(p.rulesFor("clone3")[0]->errnoRet, 38);
        QCOMPARE(p.rulesFor("socket")[0]->args.size(), std::size_t(1));
        QVERIFY(anyContains(p.warnings, "k.yaml:8:20: baseProfileName \"runc-v1.1.5\" is not resolved"));
        // The JSON form of the same resource.
        const Profile j = parseProfile(
            R"({"apiVersion":"security-profiles-operator.x-k8s.io/v1beta1","kind":"SeccompProfile","metadata":{"name":"x"},"spec":{"defaultAction":"SCMP_ACT_LOG","syscalls":[]}})",
            "k.json");
        QCOMPARE(j.defaultAction, SeccompAction::Log);
    }

    void referenceRuncBaseProfile() {
        if (!QFileInfo::exists(QString::fromStdString(kRuncBase)))
            QSKIP("../shared/data/baseprofile-runc.yaml is absent (reference data lives outside a CI clone)");
        const Profile p = loadProfile(kRuncBase);
        QVERIFY2(p.warnings.empty(), p.warnings.empty() ? "" : p.warnings[0].c_str());
        QCOMPARE(p.allowedNames().size(), std::size_t(40));
        // Every syscall of our measured runc group is in security-profiles-operator's recorded list.
        for (const auto& s : runtimeSyscalls(Runtime::Runc))
            QVERIFY2(contains(p.allowedNames(), std::string(s.name)), std::string(s.name).c_str());
    }

    void mobyDefaultProfile() {
        if (!QFileInfo::exists(QString::fromStdString(kMoby)))
            QSKIP("../shared/data/moby-default-seccomp.json is absent (reference data lives outside a CI "
                  "clone)");
        QCOMPARE(detectProfileFormat(kMoby), ProfileFormat::Docker);
        ImportOptions defaults; // Docker's default capabilities, the running kernel
        const Profile p = loadProfile(kMoby, defaults);
        const auto names = p.allowedNames();
        const auto numbers = p.allowedNumbers();
        std::set<std::string> ruleNames;
        for (const auto& r : p.rules)
            if (r.action == SeccompAction::Allow)
                ruleNames.insert(r.name);
        qInfo("moby default, x86_64, Docker's default caps, kernel %d.%d: %zu allowed names in the file "
              "(%zu rules), %zu known on x86_64, %zu numbers",
              runningKernelVersion().major, runningKernelVersion().minor, ruleNames.size(), p.rules.size(),
              names.size(), numbers.size());
        QVERIFY(ruleNames.size() >= 340 && ruleNames.size() <= 380);
        QVERIFY(numbers.size() >= 280 && numbers.size() <= 320);
        QVERIFY(anyContains(p.warnings, "not known on x86_64"));
        QVERIFY(contains(names, "arch_prctl"));               // includes.arches amd64
        QVERIFY(contains(names, "chroot"));                   // CAP_SYS_CHROOT is a default capability
        QVERIFY(!contains(names, "mount"));                   // needs CAP_SYS_ADMIN
        QVERIFY(!contains(names, "reboot"));                  // needs CAP_SYS_BOOT
        QCOMPARE(p.rulesFor("clone").size(), std::size_t(1)); // the masked rule (not s390)
        QVERIFY(!p.rulesFor("clone")[0]->args.empty());
        QCOMPARE(p.rulesFor("clone3")[0]->errnoRet, 38);
        QCOMPARE(p.rulesFor("socket").size(), std::size_t(3));

        // CAP_SYS_ADMIN: mount allowed, clone unconditional, clone3 allowed, the ENOSYS rule gone.
        std::vector<std::string> caps = dockerDefaultCapabilities();
        caps.push_back("CAP_SYS_ADMIN");
        ImportOptions admin;
        admin.capabilities = caps;
        const Profile a = loadProfile(kMoby, admin);
        QVERIFY(contains(a.allowedNames(), "mount"));
        QCOMPARE(a.rulesFor("clone").size(), std::size_t(1));
        QVERIFY(a.rulesFor("clone")[0]->args.empty());
        QCOMPARE(a.rulesFor("clone3")[0]->action, SeccompAction::Allow);
        const auto d = diffProfiles(p, a);
        QVERIFY(!d.equal());
        qInfo("with CAP_SYS_ADMIN: %zu more syscalls, %zu with different rules", d.onlyInB.size(),
              d.changed.size());

        // An old kernel: ptrace (includes.minKernel 4.8) is gone.
        ImportOptions old;
        old.kernel = KernelVersion{4, 4};
        QVERIFY(!contains(loadProfile(kMoby, old).allowedNames(), "ptrace"));
        QVERIFY(contains(names, "ptrace"));

        // The imported default profile as a real filter: mount is refused with EPERM, getpid works.
        const int code = runFiltered(p, [] {
            errno = 0;
            if (::syscall(SYS_mount, "none", "/nonexistent", "tmpfs", 0, nullptr) != -1 || errno != EPERM)
                return 1;
            return ::syscall(SYS_getpid) > 0 ? 0 : 2;
        });
        QCOMPARE(code, 0);
        // Exported as Docker JSON and read back: the same profile.
        const Profile back = parseProfile(exportProfile(p, ProfileFormat::Docker), "re-export", defaults);
        QVERIFY(diffProfiles(p, back).equal());
    }
};

QTEST_GUILESS_MAIN(TstProfileIo)
#include "tst_profile_io.moc"
