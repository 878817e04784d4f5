#include "static/code_analysis.h"
#include "static/x86_insn.h"

#include <QTest>

#include <elf.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

using namespace swb;

Q_DECLARE_METATYPE(std::vector<std::uint8_t>)
Q_DECLARE_METATYPE(std::vector<std::int64_t>)

namespace {

// ---- helpers ----

// Hand-assembled code mapped at 0x1000, with data (jump tables) readable through maps.
struct Snippet {
    std::vector<std::uint8_t> code;
    std::map<std::uint64_t, std::int32_t> int32s;
    std::map<std::uint64_t, std::uint64_t> pointers;

    CodeInput input(std::vector<std::uint64_t> starts) const {
        CodeInput in;
        in.code.push_back({0x1000, {code.data(), code.size()}});
        in.functionStarts = std::move(starts);
        in.readInt32 = [this](std::uint64_t a) -> std::optional<std::int32_t> {
            auto it = int32s.find(a);
            return it == int32s.end() ? std::nullopt : std::optional<std::int32_t>(it->second);
        };
        in.readPointer = [this](std::uint64_t a) -> std::optional<std::uint64_t> {
            auto it = pointers.find(a);
            return it == pointers.end() ? std::nullopt : std::optional<std::uint64_t>(it->second);
        };
        return in;
    }
};

const FunctionFacts* findFunction(const std::vector<FunctionFacts>& all, std::uint64_t start) {
    auto it = std::find_if(all.begin(), all.end(), [&](const FunctionFacts& f) { return f.start == start; });
    return it == all.end() ? nullptr : &*it;
}

QString describe(const RegValue& v) {
    switch (v.kind) {
    case RegValue::Kind::Constants: {
        QStringList parts;
        for (const auto c : v.constants)
            parts << QString::number(c);
        return QStringLiteral("{") + parts.join(QStringLiteral(", ")) + QStringLiteral("}");
    }
    case RegValue::Kind::Param:
        return QStringLiteral("param %1").arg(v.param);
    case RegValue::Kind::Unknown:
        return QStringLiteral("unknown: ") + QString::fromStdString(v.reason);
    }
    return {};
}

// The first problem, for failure messages (QVERIFY2 evaluates its message even when it passes).
const char* firstProblem(const FunctionFacts& f) {
    return f.problems.empty() ? "" : f.problems.front().c_str();
}

bool hasBlock(const FunctionFacts& f, std::uint64_t a) {
    return std::binary_search(f.blocks.begin(), f.blocks.end(), a);
}

bool hasCall(const FunctionFacts& f, CallSite::Kind kind, std::uint64_t address, std::uint64_t target) {
    return std::any_of(f.calls.begin(), f.calls.end(), [&](const CallSite& c) {
        return c.kind == kind && c.address == address && c.target == target;
    });
}

// Minimal ELF64 reader for compiled fixtures and libc: executable sections, loadable bytes, FUNC
// symbols and the GOT slots that dynamic relocations bind to imported symbols.
struct MiniElf {
    std::vector<std::uint8_t> file;
    bool executable = false; // ET_EXEC
    struct Load {
        std::uint64_t vaddr, offset, size;
    };
    std::vector<Load> loads;
    std::vector<CodeInput::Region> code;
    std::multimap<std::string, std::uint64_t> functions;
    std::map<std::uint64_t, std::string> gotSlots; // GOT slot -> imported symbol

    MiniElf(const std::string& path, bool dynsymOnly) {
        std::ifstream in(path, std::ios::binary);
        file.assign(std::istreambuf_iterator<char>(in), {});
        if (file.size() < sizeof(Elf64_Ehdr))
            return;
        Elf64_Ehdr eh;
        std::memcpy(&eh, file.data(), sizeof eh);
        executable = eh.e_type == ET_EXEC;
        for (unsigned i = 0; i < eh.e_phnum; ++i) {
            Elf64_Phdr ph;
            std::memcpy(&ph, file.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
            if (ph.p_type == PT_LOAD)
                loads.push_back({ph.p_vaddr, ph.p_offset, ph.p_filesz});
        }
        std::vector<Elf64_Shdr> sh(eh.e_shnum);
        for (unsigned i = 0; i < eh.e_shnum; ++i)
            std::memcpy(&sh[i], file.data() + eh.e_shoff + i * sizeof(Elf64_Shdr), sizeof(Elf64_Shdr));
        auto symbol = [&](const Elf64_Shdr& table, std::uint64_t index, Elf64_Sym& sym) {
            std::memcpy(&sym, file.data() + table.sh_offset + index * sizeof sym, sizeof sym);
            return std::string(
                reinterpret_cast<const char*>(file.data() + sh[table.sh_link].sh_offset + sym.st_name));
        };
        for (const auto& s : sh) {
            if (s.sh_type == SHT_PROGBITS && (s.sh_flags & SHF_EXECINSTR))
                code.push_back({s.sh_addr, {file.data() + s.sh_offset, s.sh_size}});
            if (s.sh_type == SHT_DYNSYM || (s.sh_type == SHT_SYMTAB && !dynsymOnly)) {
                for (std::uint64_t k = 0; k < s.sh_size / sizeof(Elf64_Sym); ++k) {
                    Elf64_Sym sym;
                    const std::string name = symbol(s, k, sym);
                    const int type = ELF64_ST_TYPE(sym.st_info);
                    if ((type == STT_FUNC || type == STT_GNU_IFUNC) && sym.st_shndx != SHN_UNDEF &&
                        sym.st_value)
                        functions.emplace(name, sym.st_value);
                }
            }
            if (s.sh_type == SHT_RELA && s.sh_link != 0) {
                for (std::uint64_t k = 0; k < s.sh_size / sizeof(Elf64_Rela); ++k) {
                    Elf64_Rela r;
                    std::memcpy(&r, file.data() + s.sh_offset + k * sizeof r, sizeof r);
                    const auto type = ELF64_R_TYPE(r.r_info);
                    if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT)
                        continue;
                    Elf64_Sym sym;
                    gotSlots[r.r_offset] = symbol(sh[s.sh_link], ELF64_R_SYM(r.r_info), sym);
                }
            }
        }
    }

    bool valid() const { return !code.empty(); }
    std::uint64_t function(const std::string& name) const {
        auto it = functions.find(name);
        return it == functions.end() ? 0 : it->second;
    }
    template <typename T> std::optional<T> read(std::uint64_t a) const {
        for (const auto& l : loads)
            if (a >= l.vaddr && a + sizeof(T) <= l.vaddr + l.size) {
                T v;
                std::memcpy(&v, file.data() + l.offset + (a - l.vaddr), sizeof v);
                return v;
            }
        return std::nullopt;
    }
    CodeInput input(const std::vector<std::string>& noReturn) const {
        CodeInput in;
        in.code = code;
        for (const auto& [name, a] : functions)
            in.functionStarts.push_back(a);
        std::sort(in.functionStarts.begin(), in.functionStarts.end());
        in.functionStarts.erase(std::unique(in.functionStarts.begin(), in.functionStarts.end()),
                                in.functionStarts.end());
        in.readPointer = [this](std::uint64_t a) {
            return read<std::uint64_t>(a);
        };
        in.readInt32 = [this](std::uint64_t a) {
            return read<std::int32_t>(a);
        };
        in.positionDependent = executable;
        for (const auto& name : noReturn) {
            if (const auto a = function(name))
                in.noReturnFunctions.push_back(a);
            for (const auto& [slot, symbol] : gotSlots)
                if (symbol == name)
                    in.noReturnSlots.push_back(slot);
        }
        return in;
    }
};

const std::vector<std::string> kNoReturnNames = {"abort",
                                                 "exit",
                                                 "_exit",
                                                 "_Exit",
                                                 "__stack_chk_fail",
                                                 "__fortify_fail",
                                                 "__chk_fail",
                                                 "__assert_fail",
                                                 "__libc_fatal",
                                                 "pthread_exit",
                                                 "longjmp",
                                                 "siglongjmp",
                                                 "__longjmp_chk",
                                                 "quick_exit",
                                                 "err",
                                                 "errx",
                                                 "verr",
                                                 "verrx",
                                                 "__assert_perror_fail"};

QString fixture(const char* name) {
    return QStringLiteral(SWB_FIXTURE_DIR "/") + QLatin1String(name);
}

} // namespace

class TestCodeAnalysis : public QObject {
    Q_OBJECT

private slots:
    void syscallNumber_data();
    void syscallNumber();
    void wrapperAndCallerArguments();
    void tailCallsAndBranches();
    void callKinds();
    void jumpTable_data();
    void jumpTable();
    void unresolvedJumpTable();
    void jumpTableBoundInRipRelativeMemory();
    void noReturn();
    void noReturnChangesTheExploration();
    void codeReferences_data();
    void codeReferences();
    void instructionsCapstoneCannotDecode();
    void fixtureJumpTable_data();
    void fixtureJumpTable();
    void fixtureCallsAndReferences_data();
    void fixtureCallsAndReferences();
    void libc();
};

// Each row: one function at 0x1000 (callees, when any, follow it) and the value of rax at its
// `site`-th syscall.
void TestCodeAnalysis::syscallNumber_data() {
    QTest::addColumn<std::vector<std::uint8_t>>("code");
    QTest::addColumn<int>("site");
    QTest::addColumn<int>("kind"); // RegValue::Kind
    QTest::addColumn<std::vector<std::int64_t>>("constants");
    QTest::addColumn<int>("param");
    QTest::addColumn<QString>("reason"); // substring of the Unknown reason

    using C = std::vector<std::int64_t>;
    const int K = static_cast<int>(RegValue::Kind::Constants);
    const int P = static_cast<int>(RegValue::Kind::Param);
    const int U = static_cast<int>(RegValue::Kind::Unknown);
    QTest::newRow("mov eax, 39") << std::vector<std::uint8_t>{
        0xb8, 0x27, 0x00, 0x00, 0x00, // 0x1000: mov eax, 0x27
        0x0f, 0x05,                   // 0x1005: syscall
        0xc3,                         // 0x1007: ret
    } << 0 << K << C{39} << -1 << QString();
    QTest::newRow("xor eax, eax") << std::vector<std::uint8_t>{
        0x31, 0xc0, // 0x1000: xor eax, eax
        0x0f, 0x05, // 0x1002: syscall
        0xc3,       // 0x1004: ret
    } << 0 << K << C{0} << -1 << QString();
    QTest::newRow("two paths") << std::vector<std::uint8_t>{
        0x85, 0xff,                   // 0x1000: test edi, edi
        0x74, 0x07,                   // 0x1002: je 0x100b
        0xb8, 0x01, 0x00, 0x00, 0x00, // 0x1004: mov eax, 0x1
        0xeb, 0x02,                   // 0x1009: jmp 0x100d
        0x31, 0xc0,                   // 0x100b: xor eax, eax
        0x0f, 0x05,                   // 0x100d: syscall
        0xc3,                         // 0x100f: ret
    } << 0 << K << C{0, 1} << -1 << QString();
    QTest::newRow("mov rax, rdi") << std::vector<std::uint8_t>{
        0x48, 0x89, 0xf8, // 0x1000: mov rax, rdi
        0x48, 0x89, 0xf7, // 0x1003: mov rdi, rsi
        0x48, 0x89, 0xd6, // 0x1006: mov rsi, rdx
        0x0f, 0x05,       // 0x1009: syscall
        0xc3,             // 0x100b: ret
    } << 0 << P << C{} << 0 << QString();
    QTest::newRow("mov eax, edi") << std::vector<std::uint8_t>{
        0x89, 0xf8, // 0x1000: mov eax, edi
        0x0f, 0x05, // 0x1002: syscall
        0xc3,       // 0x1004: ret
    } << 0 << P << C{} << 0 << QString();
    QTest::newRow("stack slot across a call") << std::vector<std::uint8_t>{
        0x48, 0x83, 0xec, 0x18,                         // 0x1000: sub rsp, 0x18
        0xc7, 0x44, 0x24, 0x0c, 0xe7, 0x00, 0x00, 0x00, // 0x1004: mov dword ptr [rsp+0xc], 0xe7
        0xe8, 0x0b, 0x00, 0x00, 0x00,                   // 0x100c: call 0x101c
        0x8b, 0x44, 0x24, 0x0c,                         // 0x1011: mov eax, dword ptr [rsp+0xc]
        0x0f, 0x05,                                     // 0x1015: syscall
        0x48, 0x83, 0xc4, 0x18,                         // 0x1017: add rsp, 0x18
        0xc3,                                           // 0x101b: ret
        0xc3,                                           // 0x101c: ret (callee)
    } << 0 << K << C{231} << -1 << QString();
    QTest::newRow("callee-saved register across a call") << std::vector<std::uint8_t>{
        0x53,                         // 0x1000: push rbx
        0xbb, 0x3c, 0x00, 0x00, 0x00, // 0x1001: mov ebx, 0x3c
        0xe8, 0x06, 0x00, 0x00, 0x00, // 0x1006: call 0x1011
        0x89, 0xd8,                   // 0x100b: mov eax, ebx
        0x0f, 0x05,                   // 0x100d: syscall
        0x5b,                         // 0x100f: pop rbx
        0xc3,                         // 0x1010: ret
        0xc3,                         // 0x1011: ret (callee)
    } << 0 << K << C{60} << -1 << QString();
    QTest::newRow("push imm; pop rax") << std::vector<std::uint8_t>{
        0x6a, 0x23, // 0x1000: push 0x23
        0x58,       // 0x1002: pop rax
        0x0f, 0x05, // 0x1003: syscall
        0xc3,       // 0x1005: ret
    } << 0 << K << C{35} << -1 << QString();
    QTest::newRow("arithmetic on constants") << std::vector<std::uint8_t>{
        0xb8, 0x0a, 0x00, 0x00, 0x00, // 0x1000: mov eax, 0xa
        0x83, 0xc0, 0x05,             // 0x1005: add eax, 0x5
        0x8d, 0x04, 0x40,             // 0x1008: lea eax, [rax+rax*2]
        0x83, 0xc8, 0x40,             // 0x100b: or eax, 0x40
        0x0f, 0x05,                   // 0x100e: syscall
        0xc3,                         // 0x1010: ret
    } << 0 << K << C{(15 * 3) | 0x40} << -1 << QString();
    QTest::newRow("cmove") << std::vector<std::uint8_t>{
        0xb8, 0x01, 0x00, 0x00, 0x00, // 0x1000: mov eax, 0x1
        0xb9, 0x02, 0x00, 0x00, 0x00, // 0x1005: mov ecx, 0x2
        0x85, 0xff,                   // 0x100a: test edi, edi
        0x0f, 0x44, 0xc1,             // 0x100c: cmove eax, ecx
        0x0f, 0x05,                   // 0x100f: syscall
        0xc3,                         // 0x1011: ret
    } << 0 << K << C{1, 2} << -1 << QString();
    QTest::newRow("8-bit write into a constant") << std::vector<std::uint8_t>{
        0xb8, 0x00, 0x01, 0x00, 0x00, // 0x1000: mov eax, 0x100
        0xb0, 0x02,                   // 0x1005: mov al, 0x2
        0x0f, 0x05,                   // 0x1007: syscall
        0xc3,                         // 0x1009: ret
    } << 0 << K << C{0x102} << -1 << QString();
    QTest::newRow("rbp frame across a call, leave") << std::vector<std::uint8_t>{
        0x55,                                           // 0x1000: push rbp
        0x48, 0x89, 0xe5,                               // 0x1001: mov rbp, rsp
        0x48, 0x83, 0xec, 0x10,                         // 0x1004: sub rsp, 0x10
        0x48, 0xc7, 0x45, 0xf8, 0x3e, 0x00, 0x00, 0x00, // 0x1008: mov qword ptr [rbp-0x8], 0x3e
        0xe8, 0x08, 0x00, 0x00, 0x00,                   // 0x1010: call 0x101d
        0x48, 0x8b, 0x45, 0xf8,                         // 0x1015: mov rax, qword ptr [rbp-0x8]
        0x0f, 0x05,                                     // 0x1019: syscall
        0xc9,                                           // 0x101b: leave
        0xc3,                                           // 0x101c: ret
        0xc3,                                           // 0x101d: ret (callee)
    } << 0 << K << C{62} << -1 << QString();
    QTest::newRow("loaded from memory") << std::vector<std::uint8_t>{
        0x48, 0x8b, 0x43, 0x08, // 0x1000: mov rax, qword ptr [rbx+0x8]
        0x0f, 0x05,             // 0x1004: syscall
        0xc3,                   // 0x1006: ret
    } << 0 << U << C{} << -1
                                        << QStringLiteral(
                                               "rax loaded from memory at 0x1000 (mov rax, qword ptr [rbx + 8])");
    QTest::newRow("clobbered by a call") << std::vector<std::uint8_t>{
        0xb8, 0x27, 0x00, 0x00, 0x00, // 0x1000: mov eax, 0x27
        0xe8, 0x03, 0x00, 0x00, 0x00, // 0x1005: call 0x100d
        0x0f, 0x05,                   // 0x100a: syscall
        0xc3,                         // 0x100c: ret
        0xc3,                         // 0x100d: ret (callee)
    } << 0 << U << C{} << -1 << QStringLiteral("rax clobbered by call at 0x1005");
    QTest::newRow("too many values in a loop") << std::vector<std::uint8_t>{
        0x31, 0xc0,       // 0x1000: xor eax, eax
        0xff, 0xc0,       // 0x1002: inc eax
        0x83, 0xf8, 0x64, // 0x1004: cmp eax, 0x64
        0x75, 0xf9,       // 0x1007: jne 0x1002
        0x0f, 0x05,       // 0x1009: syscall
        0xc3,             // 0x100b: ret
    } << 0 << U << C{} << -1 << QStringLiteral("more than 16 possible values");
    QTest::newRow("parameter on one path, constant on the other") << std::vector<std::uint8_t>{
        0x85, 0xf6,                   // 0x1000: test esi, esi
        0x74, 0x05,                   // 0x1002: je 0x1009
        0x48, 0x89, 0xf8,             // 0x1004: mov rax, rdi
        0xeb, 0x05,                   // 0x1007: jmp 0x100e
        0xb8, 0x01, 0x00, 0x00, 0x00, // 0x1009: mov eax, 0x1
        0x0f, 0x05,                   // 0x100e: syscall
        0xc3,                         // 0x1010: ret
    } << 0 << U << C{} << -1 << QStringLiteral("rax differs between the paths that merge at 0x100e");
    QTest::newRow("never set") << std::vector<std::uint8_t>{
        0x0f, 0x05, // 0x1000: syscall
        0xc3,       // 0x1002: ret
    } << 0 << U << C{} << -1 << QStringLiteral("rax is not set in the function");
    QTest::newRow("stack slot whose address escaped to a callee") << std::vector<std::uint8_t>{
        0x48, 0x83, 0xec, 0x18,                               // 0x1000: sub rsp, 0x18
        0x48, 0xc7, 0x44, 0x24, 0x08, 0x3e, 0x00, 0x00, 0x00, // 0x1004: mov qword ptr [rsp+0x8], 0x3e
        0x48, 0x8d, 0x7c, 0x24, 0x08,                         // 0x100d: lea rdi, [rsp+0x8]
        0xe8, 0x0c, 0x00, 0x00, 0x00,                         // 0x1012: call 0x1023
        0x48, 0x8b, 0x44, 0x24, 0x08,                         // 0x1017: mov rax, qword ptr [rsp+0x8]
        0x0f, 0x05,                                           // 0x101c: syscall
        0x48, 0x83, 0xc4, 0x18,                               // 0x101e: add rsp, 0x18
        0xc3,                                                 // 0x1022: ret
        0xc3,                                                 // 0x1023: ret (callee)
    } << 0 << U << C{} << -1
                                                                  << QStringLiteral("rax loaded from an untracked stack "
                                                                                    "slot at 0x1017");
    QTest::newRow("result of a previous syscall") << std::vector<std::uint8_t>{
        0xb8, 0x27, 0x00, 0x00, 0x00, // 0x1000: mov eax, 0x27
        0x0f, 0x05,                   // 0x1005: syscall
        0x0f, 0x05,                   // 0x1007: syscall
        0xc3,                         // 0x1009: ret
    } << 1 << U << C{} << -1 << QStringLiteral("rax holds the result of the syscall at 0x1005");
}

void TestCodeAnalysis::syscallNumber() {
    QFETCH(std::vector<std::uint8_t>, code);
    QFETCH(int, site);
    QFETCH(int, kind);
    QFETCH(std::vector<std::int64_t>, constants);
    QFETCH(int, param);
    QFETCH(QString, reason);
    Snippet s{code, {}, {}};
    const auto all = analyzeCode(s.input({0x1000}));
    const FunctionFacts* f = findFunction(all, 0x1000);
    QVERIFY(f);
    QVERIFY2(f->syscalls.size() > static_cast<std::size_t>(site), "syscall site not found");
    const RegValue& rax = f->syscalls[static_cast<std::size_t>(site)].rax;
    QVERIFY2(static_cast<int>(rax.kind) == kind, qPrintable(describe(rax)));
    if (rax.kind == RegValue::Kind::Constants)
        QCOMPARE(rax.constants, constants);
    if (rax.kind == RegValue::Kind::Param)
        QCOMPARE(rax.param, param);
    if (rax.kind == RegValue::Kind::Unknown)
        QVERIFY2(QString::fromStdString(rax.reason).contains(reason), qPrintable(describe(rax)));
    QVERIFY2(f->problems.empty(), firstProblem(*f));
}

void TestCodeAnalysis::wrapperAndCallerArguments() {
    Snippet s{{
                  // wrapper: 0x1000
                  0x48, 0x89, 0xf8,             // 0x1000: mov rax, rdi
                  0x48, 0x89, 0xf7,             // 0x1003: mov rdi, rsi
                  0x0f, 0x05,                   // 0x1006: syscall
                  0xc3,                         // 0x1008: ret
                                                // caller: 0x1009
                  0xbf, 0x3c, 0x00, 0x00, 0x00, // 0x1009: mov edi, 0x3c
                  0x31, 0xf6,                   // 0x100e: xor esi, esi
                  0xe8, 0xeb, 0xff, 0xff, 0xff, // 0x1010: call 0x1000 (wrapper)
                  0xbf, 0xe7, 0x00, 0x00, 0x00, // 0x1015: mov edi, 0xe7
                  0xe8, 0xe1, 0xff, 0xff, 0xff, // 0x101a: call 0x1000 (wrapper)
                  0xe8, 0x01, 0x00, 0x00, 0x00, // 0x101f: call 0x1025 (helper, not a known start)
                  0xc3,                         // 0x1024: ret
                                                // helper: 0x1025
                  0xb8, 0x27, 0x00, 0x00, 0x00, // 0x1025: mov eax, 0x27
                  0x0f, 0x05,                   // 0x102a: syscall
                  0xc3,                         // 0x102c: ret
              },
              {},
              {}};
    const auto all = analyzeCode(s.input({0x1000, 0x1009}));
    QCOMPARE(all.size(), std::size_t{3});
    const FunctionFacts* wrapper = findFunction(all, 0x1000);
    const FunctionFacts* caller = findFunction(all, 0x1009);
    const FunctionFacts* helper = findFunction(all, 0x1025);
    QVERIFY(wrapper && caller && helper);
    QCOMPARE(wrapper->syscalls.size(), std::size_t{1});
    QCOMPARE(wrapper->syscalls[0].address, std::uint64_t{0x1006});
    QCOMPARE(wrapper->syscalls[0].rax, RegValue::fromParam(0));
    QCOMPARE(wrapper->end, std::uint64_t{0x1009});

    QCOMPARE(caller->calls.size(), std::size_t{3});
    QCOMPARE(caller->calls[0].kind, CallSite::Kind::Direct);
    QCOMPARE(caller->calls[0].address, std::uint64_t{0x1010});
    QCOMPARE(caller->calls[0].target, std::uint64_t{0x1000});
    QCOMPARE(caller->calls[0].args[0], RegValue::constant(60));
    QCOMPARE(caller->calls[0].args[1], RegValue::constant(0));
    QCOMPARE(caller->calls[0].args[2], RegValue::fromParam(2)); // rdx untouched since entry
    QCOMPARE(caller->calls[1].args[0], RegValue::constant(231));
    // rsi is caller-saved: the first call clobbered it.
    QCOMPARE(caller->calls[1].args[1].kind, RegValue::Kind::Unknown);
    QCOMPARE(caller->calls[1].args[1].reason, std::string("rsi clobbered by call at 0x1010"));
    QCOMPARE(caller->calls[2].target, std::uint64_t{0x1025});
    QVERIFY(caller->syscalls.empty()); // the callee's syscall belongs to the callee

    // A call target that is not a known start becomes a function of its own.
    QCOMPARE(helper->origin, FunctionFacts::Origin::CallTarget);
    QCOMPARE(helper->syscalls.size(), std::size_t{1});
    QCOMPARE(helper->syscalls[0].rax, RegValue::constant(39));
    QCOMPARE(wrapper->origin, FunctionFacts::Origin::Given);
}

void TestCodeAnalysis::tailCallsAndBranches() {
    Snippet s{{
                  // f: 0x1000
                  0x85, 0xff,                   // 0x1000: test edi, edi
                  0x75, 0x0d,                   // 0x1002: jne 0x1011 (g: conditional tail call)
                  0x83, 0xfe, 0x01,             // 0x1004: cmp esi, 0x1
                  0x74, 0x02,                   // 0x1007: je 0x100b (inside f)
                  0xeb, 0x06,                   // 0x1009: jmp 0x1011 (g: tail call)
                  0xb8, 0x02, 0x00, 0x00, 0x00, // 0x100b: mov eax, 0x2
                  0xc3,                         // 0x1010: ret
                                                // g: 0x1011
                  0xc3,                         // 0x1011: ret
              },
              {},
              {}};
    const auto all = analyzeCode(s.input({0x1000, 0x1011}));
    const FunctionFacts* f = findFunction(all, 0x1000);
    QVERIFY(f);
    QCOMPARE(f->blocks, (std::vector<std::uint64_t>{0x1000, 0x1004, 0x1009, 0x100b}));
    QCOMPARE(f->calls.size(), std::size_t{2});
    QVERIFY(hasCall(*f, CallSite::Kind::TailJump, 0x1002, 0x1011));
    QVERIFY(hasCall(*f, CallSite::Kind::TailJump, 0x1009, 0x1011));
    QCOMPARE(f->calls[0].args[0], RegValue::fromParam(0)); // arguments pass through a tail call
    QCOMPARE(f->end, std::uint64_t{0x1011});               // g's code is not part of f
    QVERIFY(!f->noReturn);

    // Without g as a known start, the jumps stay inside f and g's code is f's.
    const auto merged = analyzeCode(s.input({0x1000}));
    QCOMPARE(merged.size(), std::size_t{1});
    QVERIFY(merged[0].calls.empty());
    QVERIFY(hasBlock(merged[0], 0x1011));
}

void TestCodeAnalysis::callKinds() {
    Snippet s{{
                  // f: 0x1000
                  0xff, 0x15, 0x00, 0x01, 0x00, 0x00, // 0x1000: call qword ptr [rip+0x100] (slot 0x1106)
                  0xff, 0xd0,                         // 0x1006: call rax
                  0xff, 0x25, 0x00, 0x02, 0x00, 0x00, // 0x1008: jmp qword ptr [rip+0x200] (slot 0x120e)
                                                      // h: 0x100e
                  0x48, 0x8b, 0x07,                   // 0x100e: mov rax, qword ptr [rdi]
                  0xff, 0xe0,                         // 0x1011: jmp rax
              },
              {},
              {}};
    const auto all = analyzeCode(s.input({0x1000, 0x100e}));
    const FunctionFacts* f = findFunction(all, 0x1000);
    const FunctionFacts* h = findFunction(all, 0x100e);
    QVERIFY(f && h);
    QCOMPARE(f->calls.size(), std::size_t{3});
    QCOMPARE(f->calls[0].kind, CallSite::Kind::ViaSlot);
    QCOMPARE(f->calls[0].slot, std::uint64_t{0x1106});
    QCOMPARE(f->calls[1].kind, CallSite::Kind::Indirect);
    QCOMPARE(f->calls[1].address, std::uint64_t{0x1006});
    QCOMPARE(f->calls[2].kind, CallSite::Kind::ViaSlot);
    QCOMPARE(f->calls[2].slot, std::uint64_t{0x120e});
    QCOMPARE(f->end, std::uint64_t{0x100e}); // the jmp through the slot ends f
    QVERIFY(!f->noReturn);
    // An indirect jump that is not a jump table: an indirect (tail) call, not a problem.
    QCOMPARE(h->calls.size(), std::size_t{1});
    QCOMPARE(h->calls[0].kind, CallSite::Kind::Indirect);
    QCOMPARE(h->calls[0].address, std::uint64_t{0x1011});
    QVERIFY(h->problems.empty());
    QCOMPARE(h->jumpTables, std::size_t{0});
}

// A switch on edi with cases c0..c3 and a table entry 4 (beyond the bound) pointing at c4.
void TestCodeAnalysis::jumpTable_data() {
    QTest::addColumn<std::vector<std::uint8_t>>("code");
    QTest::addColumn<bool>("relative");
    QTest::addColumn<std::uint64_t>("table");
    QTest::addColumn<std::vector<std::int64_t>>("cases"); // c0..c4

    using C = std::vector<std::int64_t>;
    QTest::newRow("PIC: movsxd; add; jmp reg") << std::vector<std::uint8_t>{
        0x83, 0xff, 0x03,                         // 0x1000: cmp edi, 0x3
        0x77, 0x2e,                               // 0x1003: ja 0x1033 (default)
        0x48, 0x8d, 0x15, 0x00, 0x30, 0x00, 0x00, // 0x1005: lea rdx, [rip+0x3000] (0x400c)
        0x48, 0x63, 0x04, 0xba,                   // 0x100c: movsxd rax, dword ptr [rdx+rdi*4]
        0x48, 0x01, 0xd0,                         // 0x1010: add rax, rdx
        0xff, 0xe0,                               // 0x1013: jmp rax
        0xb8, 0x0a, 0x00, 0x00, 0x00, 0xc3,       // 0x1015: c0: mov eax, 0xa; ret
        0xb8, 0x0b, 0x00, 0x00, 0x00, 0xc3,       // 0x101b: c1: mov eax, 0xb; ret
        0xb8, 0x0c, 0x00, 0x00, 0x00, 0xc3,       // 0x1021: c2: mov eax, 0xc; ret
        0xb8, 0x0d, 0x00, 0x00, 0x00, 0xc3,       // 0x1027: c3: mov eax, 0xd; ret
        0xb8, 0x63, 0x00, 0x00, 0x00, 0xc3,       // 0x102d: c4: mov eax, 0x63; ret
        0xb8, 0xff, 0xff, 0xff, 0xff, 0xc3,       // 0x1033: default: mov eax, -1; ret
    } << true << std::uint64_t{0x400c} << C{0x1015, 0x101b, 0x1021, 0x1027, 0x102d};
    QTest::newRow("non-PIC: jmp qword ptr [idx*8 + T]") << std::vector<std::uint8_t>{
        0x83, 0xff, 0x03,                         // 0x1000: cmp edi, 0x3
        0x77, 0x27,                               // 0x1003: ja 0x102c (default)
        0x89, 0xff,                               // 0x1005: mov edi, edi
        0xff, 0x24, 0xfd, 0x00, 0x30, 0x00, 0x00, // 0x1007: jmp qword ptr [rdi*8+0x3000]
        0xb8, 0x0a, 0x00, 0x00, 0x00, 0xc3,       // 0x100e: c0: mov eax, 0xa; ret
        0xb8, 0x0b, 0x00, 0x00, 0x00, 0xc3,       // 0x1014: c1: mov eax, 0xb; ret
        0xb8, 0x0c, 0x00, 0x00, 0x00, 0xc3,       // 0x101a: c2: mov eax, 0xc; ret
        0xb8, 0x0d, 0x00, 0x00, 0x00, 0xc3,       // 0x1020: c3: mov eax, 0xd; ret
        0xb8, 0x63, 0x00, 0x00, 0x00, 0xc3,       // 0x1026: c4: mov eax, 0x63; ret
        0xb8, 0xff, 0xff, 0xff, 0xff, 0xc3,       // 0x102c: default: mov eax, -1; ret
    } << false << std::uint64_t{0x3000} << C{0x100e, 0x1014, 0x101a, 0x1020, 0x1026};
    QTest::newRow("byte index checked before movzx") << std::vector<std::uint8_t>{
        0x8d, 0x47, 0xa8,                         // 0x1000: lea eax, [rdi-0x58]
        0x3c, 0x03,                               // 0x1003: cmp al, 0x3
        0x77, 0x31,                               // 0x1005: ja 0x1038 (default)
        0x48, 0x8d, 0x35, 0x00, 0x30, 0x00, 0x00, // 0x1007: lea rsi, [rip+0x3000] (0x400e)
        0x0f, 0xb6, 0xc0,                         // 0x100e: movzx eax, al
        0x48, 0x63, 0x04, 0x86,                   // 0x1011: movsxd rax, dword ptr [rsi+rax*4]
        0x48, 0x01, 0xf0,                         // 0x1015: add rax, rsi
        0xff, 0xe0,                               // 0x1018: jmp rax
        0xb8, 0x0a, 0x00, 0x00, 0x00, 0xc3,       // 0x101a: c0: mov eax, 0xa; ret
        0xb8, 0x0b, 0x00, 0x00, 0x00, 0xc3,       // 0x1020: c1: mov eax, 0xb; ret
        0xb8, 0x0c, 0x00, 0x00, 0x00, 0xc3,       // 0x1026: c2: mov eax, 0xc; ret
        0xb8, 0x0d, 0x00, 0x00, 0x00, 0xc3,       // 0x102c: c3: mov eax, 0xd; ret
        0xb8, 0x63, 0x00, 0x00, 0x00, 0xc3,       // 0x1032: c4: mov eax, 0x63; ret
        0xb8, 0xff, 0xff, 0xff, 0xff, 0xc3,       // 0x1038: default: mov eax, -1; ret
    } << true << std::uint64_t{0x400e} << C{0x101a, 0x1020, 0x1026, 0x102c, 0x1032};
}

void TestCodeAnalysis::jumpTable() {
    QFETCH(std::vector<std::uint8_t>, code);
    QFETCH(bool, relative);
    QFETCH(std::uint64_t, table);
    QFETCH(std::vector<std::int64_t>, cases);
    Snippet s{code, {}, {}};
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto target = static_cast<std::uint64_t>(cases[i]);
        if (relative)
            s.int32s[table + 4 * i] = static_cast<std::int32_t>(target - table);
        else
            s.pointers[table + 8 * i] = target;
    }
    const auto all = analyzeCode(s.input({0x1000}));
    QCOMPARE(all.size(), std::size_t{1});
    const FunctionFacts& f = all[0];
    QVERIFY2(f.problems.empty(), firstProblem(f));
    QCOMPARE(f.jumpTables, std::size_t{1});
    QVERIFY(f.calls.empty());
    for (std::size_t i = 0; i < 4; ++i)
        QVERIFY2(hasBlock(f, static_cast<std::uint64_t>(cases[i])), qPrintable(QString::number(i)));
    // Entry 4 lies beyond the bound (cmp 3; ja): not a target.
    QVERIFY(!hasBlock(f, static_cast<std::uint64_t>(cases[4])));
    QCOMPARE(f.blocks.size(), std::size_t{7}); // head, table jump, c0-c3, default
}

void TestCodeAnalysis::unresolvedJumpTable() {
    Snippet s{{
                  0x48, 0x8d, 0x15, 0x00, 0x30, 0x00, 0x00, // 0x1000: lea rdx, [rip+0x3000] (0x4007)
                  0x48, 0x63, 0x04, 0xba,                   // 0x1007: movsxd rax, dword ptr [rdx+rdi*4]
                  0x48, 0x01, 0xd0,                         // 0x100b: add rax, rdx
                  0xff, 0xe0,                               // 0x100e: jmp rax (no bound check)
                  0xc3,                                     // 0x1010: ret
              },
              {{0x4007, 0x1010 - 0x4007}},
              {}};
    const auto all = analyzeCode(s.input({0x1000}));
    QCOMPARE(all.size(), std::size_t{1});
    const FunctionFacts& f = all[0];
    // Without a visible bound the table is still read, entry by entry until the first that is not
    // code the sweep found (soundness first), and the missing check is reported.
    QCOMPARE(f.jumpTables, std::size_t{1});
    QVERIFY(hasBlock(f, 0x1010));
    QCOMPARE(f.problems.size(), std::size_t{1});
    QVERIFY2(f.problems[0].find("no bound check (cmp rdi, N; ja) found for the jump table at 0x4007; read "
                                "until the first entry that is not code") != std::string::npos,
             f.problems[0].c_str());
    QVERIFY(f.calls.empty());
}

// The index is loaded from a global that was compared first (tar's main does this): the cmp and the
// load address the same variable with different rip-relative displacements.
void TestCodeAnalysis::jumpTableBoundInRipRelativeMemory() {
    std::vector<std::uint8_t> code = {
        0x83, 0x3d, 0xf9, 0x2f, 0x00, 0x00, 0x09, // 0x1000: cmp dword ptr [rip+0x2ff9], 9 (0x4000)
        0x77, 0x27,                               // 0x1007: ja 0x1030
        0x8b, 0x05, 0xf1, 0x2f, 0x00, 0x00,       // 0x1009: mov eax, dword ptr [rip+0x2ff1] (0x4000)
        0x48, 0x8d, 0x15, 0xea, 0x3f, 0x00, 0x00, // 0x100f: lea rdx, [rip+0x3fea] (0x5000)
        0x48, 0x63, 0x04, 0x82,                   // 0x1016: movsxd rax, dword ptr [rdx+rax*4]
        0x48, 0x01, 0xd0,                         // 0x101a: add rax, rdx
        0xff, 0xe0,                               // 0x101d: jmp rax
    };
    for (int i = 0; i < 10; ++i)
        code.push_back(0xc3); // 0x101f + i: case i: ret
    while (code.size() < 0x30)
        code.push_back(0xcc);
    code.push_back(0xc3); // 0x1030: default: ret
    std::map<std::uint64_t, std::int32_t> table;
    for (int i = 0; i < 10; ++i)
        table[0x5000 + 4 * static_cast<std::uint64_t>(i)] = 0x101f + i - 0x5000;
    Snippet s{code, table, {}};
    const auto all = analyzeCode(s.input({0x1000}));
    QCOMPARE(all.size(), std::size_t{1});
    const FunctionFacts& f = all[0];
    QVERIFY2(f.problems.empty(), firstProblem(f));
    QCOMPARE(f.jumpTables, std::size_t{1});
    for (int i = 0; i < 10; ++i)
        QVERIFY2(hasBlock(f, 0x101f + static_cast<std::uint64_t>(i)), qPrintable(QString::number(i)));
}

void TestCodeAnalysis::noReturn() {
    Snippet s{{
                  // f: 0x1000, calls g, declared no-return by the caller
                  0xe8, 0x08, 0x00, 0x00, 0x00,       // 0x1000: call 0x100d (g)
                  0xb8, 0x3c, 0x00, 0x00, 0x00,       // 0x1005: mov eax, 0x3c
                  0x0f, 0x05,                         // 0x100a: syscall
                  0xc3,                               // 0x100c: ret
                                                      // g: 0x100d
                  0xc3,                               // 0x100d: ret
                                                      // f2: 0x100e, calls u, which is only ud2
                  0xe8, 0x08, 0x00, 0x00, 0x00,       // 0x100e: call 0x101b (u)
                  0xb8, 0x01, 0x00, 0x00, 0x00,       // 0x1013: mov eax, 0x1
                  0x0f, 0x05,                         // 0x1018: syscall
                  0xc3,                               // 0x101a: ret
                                                      // u: 0x101b
                  0x0f, 0x0b,                         // 0x101b: ud2
                                                      // f3: 0x101d, calls through a no-return slot
                  0xff, 0x15, 0x00, 0x30, 0x00, 0x00, // 0x101d: call qword ptr [rip+0x3000] (slot 0x4023)
                  0xb8, 0x02, 0x00, 0x00, 0x00,       // 0x1023: mov eax, 0x2
                  0x0f, 0x05,                         // 0x1028: syscall
                  0xc3,                               // 0x102a: ret
                        // f4: 0x102b, calls a PLT-like stub that jumps through a no-return slot
                  0xe8, 0x08, 0x00, 0x00, 0x00,       // 0x102b: call 0x1038 (stub)
                  0xb8, 0x03, 0x00, 0x00, 0x00,       // 0x1030: mov eax, 0x3
                  0x0f, 0x05,                         // 0x1035: syscall
                  0xc3,                               // 0x1037: ret
                                                      // stub: 0x1038
                  0xff, 0x25, 0x00, 0x30, 0x00, 0x00, // 0x1038: jmp qword ptr [rip+0x3000] (slot 0x403e)
              },
              {},
              {}};
    CodeInput in = s.input({0x1000, 0x100d, 0x100e, 0x101d, 0x102b});
    in.noReturnFunctions = {0x100d};
    in.noReturnSlots = {0x4023, 0x403e};
    const auto all = analyzeCode(in, 2);
    QCOMPARE(all.size(), std::size_t{7}); // u and stub are found as call targets
    for (const std::uint64_t caller : {0x1000, 0x100e, 0x101d, 0x102b}) {
        const FunctionFacts* f = findFunction(all, caller);
        QVERIFY(f);
        QVERIFY2(f->syscalls.empty(), qPrintable(QString::number(caller, 16)));
        QCOMPARE(f->blocks, std::vector<std::uint64_t>{caller});
        QVERIFY(f->noReturn);
        QVERIFY(f->problems.empty());
    }
    QVERIFY(findFunction(all, 0x100d)->noReturn); // declared, although its code returns
    QVERIFY(findFunction(all, 0x101b)->noReturn); // ud2
    QVERIFY(findFunction(all, 0x1038)->noReturn); // jumps through a no-return slot

    // Without the declarations, f and f3 return and their syscalls are found.
    const auto plain = analyzeCode(s.input({0x1000, 0x100d, 0x100e, 0x101d, 0x102b}));
    QCOMPARE(findFunction(plain, 0x1000)->syscalls.size(), std::size_t{1});
    QVERIFY(!findFunction(plain, 0x1000)->noReturn);
    QCOMPARE(findFunction(plain, 0x101d)->syscalls.size(), std::size_t{1});
    QCOMPARE(findFunction(plain, 0x100e)->syscalls.size(), std::size_t{0}); // ud2 is found anyway
}

void TestCodeAnalysis::noReturnChangesTheExploration() {
    // u never returns, so g does not, so f does not: the call to h after the call to g is never
    // made, and h (found only there) is no function. The rounds keep their exploration until the
    // no-return set is stable; exploring again then no longer finds h, so they run again exploring
    // every round, and the result is the same as if they always had.
    Snippet s{{
                  0xe8, 0x0b, 0x00, 0x00, 0x00, // 0x1000: call 0x1010 (g)
                  0xe8, 0x0e, 0x00, 0x00, 0x00, // 0x1005: call 0x1018 (h)
                  0xc3,                         // 0x100a: ret
                  0xcc, 0xcc, 0xcc, 0xcc, 0xcc, // 0x100b: padding
                  0xe8, 0x05, 0x00, 0x00, 0x00, // 0x1010: g: call 0x101a (u)
                  0xc3,                         // 0x1015: ret
                  0xcc, 0xcc,                   // 0x1016: padding
                  0xc3,                         // 0x1018: h: ret
                  0xcc,                         // 0x1019: padding
                  0x0f, 0x0b,                   // 0x101a: u: ud2
              },
              {},
              {}};
    const auto all = analyzeCode(s.input({0x1000}));
    QCOMPARE(all.size(), std::size_t{3});
    QVERIFY(!findFunction(all, 0x1018));
    for (const std::uint64_t f : {0x1000, 0x1010, 0x101a}) {
        QVERIFY(findFunction(all, f));
        QVERIFY(findFunction(all, f)->noReturn);
    }
    QCOMPARE(findFunction(all, 0x1000)->calls.size(), std::size_t{1});
    QVERIFY(analyzeCode(s.input({0x1000}), 2) == all);
}

void TestCodeAnalysis::codeReferences_data() {
    QTest::addColumn<bool>("positionDependent");
    QTest::addColumn<std::vector<std::int64_t>>("references");
    QTest::newRow("position-dependent") << true << std::vector<std::int64_t>{0x1012, 0x101a};
    QTest::newRow("position-independent") << false << std::vector<std::int64_t>{0x1012};
}

void TestCodeAnalysis::codeReferences() {
    QFETCH(bool, positionDependent);
    QFETCH(std::vector<std::int64_t>, references);
    Snippet s{{
                  // f: 0x1000
                  0x48, 0x8d, 0x3d, 0x0b, 0x00, 0x00, 0x00, // 0x1000: lea rdi, [rip+0xb] (cb: 0x1012)
                  0xbe, 0x1a, 0x10, 0x00, 0x00,             // 0x1007: mov esi, 0x101a (cb2)
                  0xba, 0x20, 0x00, 0x00, 0x00,             // 0x100c: mov edx, 0x20 (not code)
                  0xc3,                                     // 0x1011: ret
                                                            // cb: 0x1012
                  0xb8, 0x0f, 0x00, 0x00, 0x00,             // 0x1012: mov eax, 0xf
                  0x0f, 0x05,                               // 0x1017: syscall
                  0xc3,                                     // 0x1019: ret
                                                            // cb2: 0x101a
                  0xc3,                                     // 0x101a: ret
              },
              {},
              {}};
    CodeInput in = s.input({0x1000});
    in.positionDependent = positionDependent;
    const auto all = analyzeCode(in);
    const FunctionFacts* f = findFunction(all, 0x1000);
    QVERIFY(f);
    std::vector<std::int64_t> got(f->codeReferences.begin(), f->codeReferences.end());
    QCOMPARE(got, references);
    QCOMPARE(f->end, std::uint64_t{0x1012});
    // Referenced code is analyzed as a function of its own.
    QCOMPARE(all.size(), references.size() + 1);
    const FunctionFacts* cb = findFunction(all, 0x1012);
    QVERIFY(cb);
    QCOMPARE(cb->origin, FunctionFacts::Origin::CodeReference);
    QCOMPARE(cb->syscalls.size(), std::size_t{1});
    QCOMPARE(cb->syscalls[0].rax, RegValue::constant(15));
}

void TestCodeAnalysis::instructionsCapstoneCannotDecode() {
    Snippet s{{
                  0xb8, 0x27, 0x00, 0x00, 0x00,             // 0x1000: mov eax, 0x27
                  0x0f, 0x05,                               // 0x1005: syscall
                  0x62, 0xf3, 0x7d, 0x20, 0x3f, 0x07, 0x00, // 0x1007: vpcmpeqb k0, ymm16, ymmword ptr [rdi]
                  0xb8, 0x3c, 0x00, 0x00, 0x00,             // 0x100e: mov eax, 0x3c
                  0x0f, 0x05,                               // 0x1013: syscall
                  0xc3,                                     // 0x1015: ret
              },
              {},
              {}};
    const auto all = analyzeCode(s.input({0x1000}));
    QCOMPARE(all.size(), std::size_t{1});
    const FunctionFacts& f = all[0];
    QCOMPARE(f.syscalls.size(), std::size_t{2});
    QCOMPARE(f.syscalls[0].rax, RegValue::constant(39));
    QCOMPARE(f.syscalls[1].rax, RegValue::constant(60)); // decoding went on after the AVX-512 instruction
    QCOMPARE(f.end, std::uint64_t{0x1016});
    QCOMPARE(f.problems.size(), std::size_t{1});
    QVERIFY2(f.problems[0].starts_with("0x1007: 1 instruction(s) Capstone 4 cannot decode"),
             f.problems[0].c_str());
}

void TestCodeAnalysis::fixtureJumpTable_data() {
    QTest::addColumn<QString>("path");
    QTest::newRow("-O2 -fPIC") << fixture("fx_codeshapes_pic");
    QTest::newRow("-O2 -fno-pic -no-pie") << fixture("fx_codeshapes_nopic");
}

void TestCodeAnalysis::fixtureJumpTable() {
    QFETCH(QString, path);
    const MiniElf elf(path.toStdString(), false);
    QVERIFY2(elf.valid(), qPrintable(path));
    const auto all = analyzeCode(elf.input(kNoReturnNames), 2);
    const FunctionFacts* f = findFunction(all, elf.function("dense_switch"));
    QVERIFY(f);
    QVERIFY2(f->problems.empty(), firstProblem(*f));
    QVERIFY(f->jumpTables >= 1);
    // Every case reached through the table: each calls (or tail-calls) its own caseN.
    for (int k = 0; k < 10; ++k) {
        const std::uint64_t target = elf.function("case" + std::to_string(k));
        QVERIFY(target);
        QVERIFY2(std::any_of(f->calls.begin(), f->calls.end(),
                             [&](const CallSite& c) {
                                 return c.target == target && (c.kind == CallSite::Kind::Direct ||
                                                               c.kind == CallSite::Kind::TailJump);
                             }),
                 qPrintable(QStringLiteral("case%1 not reached").arg(k)));
    }
}

void TestCodeAnalysis::fixtureCallsAndReferences_data() {
    fixtureJumpTable_data();
}

void TestCodeAnalysis::fixtureCallsAndReferences() {
    QFETCH(QString, path);
    const MiniElf elf(path.toStdString(), false);
    QVERIFY2(elf.valid(), qPrintable(path));
    const auto all = analyzeCode(elf.input(kNoReturnNames), 2);
    auto fn = [&](const char* name) {
        const FunctionFacts* f = findFunction(all, elf.function(name));
        if (!f)
            qWarning("function %s not analyzed", name);
        return f;
    };

    // Tail call.
    const FunctionFacts* tail = fn("tail_caller");
    QVERIFY(tail);
    QVERIFY(std::any_of(tail->calls.begin(), tail->calls.end(), [&](const CallSite& c) {
        return c.kind == CallSite::Kind::TailJump && c.target == elf.function("callee_target");
    }));

    // getpid through its GOT slot: directly with -fno-plt, through the PLT stub otherwise.
    const FunctionFacts* getpidCaller = fn("call_getpid");
    QVERIFY(getpidCaller);
    auto viaGetpidSlot = [&](const FunctionFacts& f) {
        return std::any_of(f.calls.begin(), f.calls.end(), [&](const CallSite& c) {
            auto it = elf.gotSlots.find(c.slot);
            return c.kind == CallSite::Kind::ViaSlot && it != elf.gotSlots.end() && it->second == "getpid";
        });
    };
    bool reachesGetpid = viaGetpidSlot(*getpidCaller);
    for (const CallSite& c : getpidCaller->calls)
        if (c.kind == CallSite::Kind::Direct)
            if (const FunctionFacts* stub = findFunction(all, c.target))
                reachesGetpid = reachesGetpid || viaGetpidSlot(*stub);
    QVERIFY(reachesGetpid);
    if (!elf.executable)
        QVERIFY(viaGetpidSlot(*getpidCaller)); // -fno-plt

    // Function pointers passed to atexit and pthread_create.
    const FunctionFacts* reg = fn("register_callbacks");
    QVERIFY(reg);
    for (const char* callback : {"on_exit_handler", "worker"}) {
        const std::uint64_t a = elf.function(callback);
        QVERIFY(a);
        QVERIFY2(std::binary_search(reg->codeReferences.begin(), reg->codeReferences.end(), a), callback);
        QVERIFY(findFunction(all, a));
    }

    // die() calls exit (through its GOT slot, or the PLT stub jumping through it): it never returns,
    // and main does not go on decoding after calling it.
    const FunctionFacts* die = fn("die");
    QVERIFY(die);
    QVERIFY(die->noReturn);
    QVERIFY(fn("trap_only") && fn("trap_only")->noReturn);
    for (const auto& [callee, caller] : {std::pair{"die", "main"}, std::pair{"trap_only", ""}}) {
        const std::uint64_t target = elf.function(callee);
        int calls = 0;
        for (const FunctionFacts& f : all) {
            if (*caller && f.start != elf.function(caller))
                continue;
            for (const CallSite& c : f.calls) {
                if (c.target != target || c.kind != CallSite::Kind::Direct)
                    continue;
                ++calls;
                // No block starts in the next few bytes, and nothing falls through into a function.
                QVERIFY(std::none_of(f.blocks.begin(), f.blocks.end(),
                                     [&](std::uint64_t b) { return b > c.address && b <= c.address + 7; }));
                QVERIFY(!hasCall(f, CallSite::Kind::TailJump, c.address, c.address + 5) &&
                        !hasCall(f, CallSite::Kind::TailJump, c.address, c.address + 6));
            }
        }
        QVERIFY2(calls >= 1, callee);
    }
}

void TestCodeAnalysis::libc() {
    const char* path = "/lib/x86_64-linux-gnu/libc.so.6";
    const MiniElf elf(path, true);
    if (!elf.valid())
        QSKIP("no /lib/x86_64-linux-gnu/libc.so.6");
    const CodeInput in = elf.input(kNoReturnNames);
    QVERIFY(!in.positionDependent);

    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const auto one = analyzeCode(in, 1);
    const auto t1 = Clock::now();
    const auto two = analyzeCode(in, 2);
    const auto t2 = Clock::now();
    QVERIFY(one == two);

    // Without reason text: the same facts, every Unknown value with a cause that describeUnknown
    // words exactly as the reason (the analyzer writes the text only for the values it shows).
    CodeInput coded = in;
    coded.reasonText = false;
    const auto causes = analyzeCode(coded, 2);
    QCOMPARE(causes.size(), one.size());
    x86::InsnPrinter printer(in.code);
    const auto instruction = [&](std::uint64_t a) {
        return printer.text(a);
    };
    std::size_t described = 0;
    auto sameValue = [&](const RegValue& text, const RegValue& cause) {
        if (text.kind != RegValue::Kind::Unknown)
            return text == cause;
        ++described;
        return cause.kind == RegValue::Kind::Unknown && cause.reason.empty() && cause.cause != 0 &&
               describeUnknown(cause.cause, cause.causeReg, cause.causeAt, instruction) == text.reason;
    };
    for (std::size_t i = 0; i < one.size(); ++i) {
        QCOMPARE(causes[i].calls.size(), one[i].calls.size());
        QCOMPARE(causes[i].syscalls.size(), one[i].syscalls.size());
        for (std::size_t c = 0; c < one[i].calls.size(); ++c)
            for (std::size_t k = 0; k < 6; ++k)
                QVERIFY2(sameValue(one[i].calls[c].args[k], causes[i].calls[c].args[k]),
                         one[i].calls[c].args[k].reason.c_str());
        for (std::size_t c = 0; c < one[i].syscalls.size(); ++c)
            QVERIFY(sameValue(one[i].syscalls[c].rax, causes[i].syscalls[c].rax));
    }
    QVERIFY(described > 10000);

    auto siteValues = [&](const char* name) {
        const FunctionFacts* f = findFunction(one, elf.function(name));
        std::vector<RegValue> v;
        if (f)
            for (const auto& s : f->syscalls)
                v.push_back(s.rax);
        return v;
    };
    auto has = [](const std::vector<RegValue>& v, const RegValue& x) {
        return std::find(v.begin(), v.end(), x) != v.end();
    };
    QVERIFY(has(siteValues("getpid"), RegValue::constant(39)));
    QVERIFY(has(siteValues("syscall"), RegValue::fromParam(0)));
    const auto reads = siteValues("read");
    QVERIFY(!reads.empty());
    QVERIFY(std::all_of(reads.begin(), reads.end(),
                        [](const RegValue& v) { return v == RegValue::constant(0); }));

    std::size_t sites = 0, constants = 0, params = 0, tables = 0, problems = 0, blocks = 0;
    std::map<std::uint64_t, std::string> unknown; // by address (code shared by functions counts once)
    std::set<std::uint64_t> addresses;
    for (const auto& f : one) {
        tables += f.jumpTables;
        problems += f.problems.size();
        blocks += f.blocks.size();
        for (const auto& s : f.syscalls) {
            ++sites;
            addresses.insert(s.address);
            if (s.rax.kind == RegValue::Kind::Constants)
                ++constants;
            else if (s.rax.kind == RegValue::Kind::Param)
                ++params;
            else
                unknown[s.address] = s.rax.reason;
        }
    }
    qInfo("libc.so.6: %zu functions, %zu blocks, %zu jump tables, %zu problems", one.size(), blocks, tables,
          problems);
    qInfo("syscall sites: %zu (%zu distinct addresses): %zu constants, %zu parameter, %zu unknown at %zu "
          "addresses",
          sites, addresses.size(), constants, params, sites - constants - params, unknown.size());
    for (const auto& [address, reason] : unknown)
        qInfo("  unknown at 0x%llx: %s", static_cast<unsigned long long>(address), reason.c_str());
    qInfo("analysis time: %.3f s with 1 thread, %.3f s with 2 threads",
          std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count());
    QVERIFY(sites > 400);
    QVERIFY2(unknown.size() <= 4, "more syscall numbers unresolved in libc than before");
}

QTEST_GUILESS_MAIN(TestCodeAnalysis)
#include "tst_code_analysis.moc"
