#include "static/elf_image.h"
#include "util/error.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <random>
#include <set>
#include <thread>

using namespace swb;

namespace {

const char* const kLibc = "/lib/x86_64-linux-gnu/libc.so.6";
const char* const kLs = "/usr/bin/ls";

std::string fixture(const char* name) {
    return std::string(SWB_FIXTURE_DIR) + "/" + name;
}

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

// Runs a tool and returns its standard output; empty when it could not run or crashed.
QString runTool(const QString& program, const QStringList& args, const QProcessEnvironment& env = {}) {
    QProcess p;
    if (!env.isEmpty())
        p.setProcessEnvironment(env);
    p.start(program, args);
    // readelf -wf exits with 1 when it cannot find a separate debug file (libc.so.6): the callers
    // check what they parse instead.
    if (!p.waitForFinished(60'000) || p.exitStatus() != QProcess::NormalExit)
        return {};
    return QString::fromLocal8Bit(p.readAllStandardOutput());
}

std::uint64_t hex(const QString& s) {
    return s.toULongLong(nullptr, 16);
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> readelfFdes(const std::string& path) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    static const QRegularExpression re(QStringLiteral(R"( FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+))"));
    auto it = re.globalMatch(runTool(QStringLiteral("readelf"), {QStringLiteral("-wf"), qs(path)}));
    while (it.hasNext()) {
        const auto m = it.next();
        out.emplace_back(hex(m.captured(1)), hex(m.captured(2)));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string readelfBuildId(const std::string& path) {
    static const QRegularExpression re(QStringLiteral(R"(Build ID: ([0-9a-f]+))"));
    return re.match(runTool(QStringLiteral("readelf"), {QStringLiteral("-n"), qs(path)}))
        .captured(1)
        .toStdString();
}

struct ReadelfReloc {
    std::uint64_t offset;
    std::uint32_t type;
    std::string symbol; // without the version
    bool operator<(const ReadelfReloc& o) const {
        return std::tie(offset, type) < std::tie(o.offset, o.type);
    }
};

std::vector<ReadelfReloc> readelfRelocations(const std::string& path) {
    std::vector<ReadelfReloc> out;
    static const QRegularExpression rela(
        QStringLiteral(R"(^([0-9a-f]{16})\s+([0-9a-f]{16})\s+R_X86_64_\w+\s*(.*)$)"));
    static const QRegularExpression relr(QStringLiteral(R"(^([0-9a-f]{16})$)"));
    static const QRegularExpression symbol(QStringLiteral(R"(^[0-9a-f]+\s+([^@ ]+))"));
    const auto text = runTool(QStringLiteral("readelf"), {QStringLiteral("-rW"), qs(path)});
    for (const auto& line : text.split(QLatin1Char('\n'))) {
        if (const auto m = rela.match(line); m.hasMatch()) {
            const auto sym = symbol.match(m.captured(3));
            out.push_back({hex(m.captured(1)), static_cast<std::uint32_t>(hex(m.captured(2)) & 0xffffffffu),
                           sym.hasMatch() ? sym.captured(1).toStdString() : std::string()});
        } else if (const auto r = relr.match(line); r.hasMatch()) {
            out.push_back({hex(r.captured(1)), 8 /* R_X86_64_RELATIVE */, {}});
        }
    }
    std::stable_sort(out.begin(), out.end());
    return out;
}

// readelf's spelling of each .dynsym entry: name@@version, name@version, or name@version (N) for
// a required version.
std::vector<std::string> readelfDynsymNames(const std::string& path) {
    std::vector<std::string> out;
    static const QRegularExpression re(
        QStringLiteral(R"(^\s*(\d+): [0-9a-f]+\s+\S+\s+\w+\s+\w+\s+\w+\s+\w+ ?(.*)$)"));
    static const QRegularExpression requiredVersion(QStringLiteral(R"( \(\d+\)$)"));
    bool inDynsym = false;
    const auto text =
        runTool(QStringLiteral("readelf"), {QStringLiteral("--dyn-syms"), QStringLiteral("-W"), qs(path)});
    for (const auto& line : text.split(QLatin1Char('\n'))) {
        if (line.contains(QLatin1String("'.dynsym'")))
            inDynsym = true;
        else if (line.startsWith(QLatin1String("Symbol table")))
            inDynsym = false;
        const auto m = re.match(line);
        if (!inDynsym || !m.hasMatch())
            continue;
        if (m.captured(1).toULongLong() != out.size())
            return {};
        auto name = m.captured(2);
        name.remove(requiredVersion);
        out.push_back(name.toStdString());
    }
    return out;
}

std::vector<ElfImage::Segment> readelfLoads(const std::string& path) {
    std::vector<ElfImage::Segment> out;
    static const QRegularExpression re(QStringLiteral(
        R"(^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+([RWE ]+?)\s+0x)"));
    const auto text = runTool(QStringLiteral("readelf"), {QStringLiteral("-lW"), qs(path)});
    for (const auto& line : text.split(QLatin1Char('\n'))) {
        const auto m = re.match(line);
        if (!m.hasMatch())
            continue;
        ElfImage::Segment s;
        s.fileOffset = hex(m.captured(1));
        s.address = hex(m.captured(2));
        s.fileSize = hex(m.captured(3));
        s.memorySize = hex(m.captured(4));
        const auto flags = m.captured(5);
        s.flags = (flags.contains(QLatin1Char('R')) ? 4u : 0u) |
                  (flags.contains(QLatin1Char('W')) ? 2u : 0u) | (flags.contains(QLatin1Char('E')) ? 1u : 0u);
        out.push_back(s);
    }
    return out;
}

std::string versioned(const ElfImage::Symbol& s) {
    if (s.version.empty())
        return s.name;
    // GNU readelf prints the linker's version-definition symbols (GLIBC_2.10, SHN_ABS) bare;
    // llvm-readelf prints GLIBC_2.10@@GLIBC_2.10, which is what the tables say.
    if (s.name == s.version && s.defaultVersion && s.value == 0 && s.type == 1 /* STT_OBJECT */)
        return s.name;
    return s.name + (s.defaultVersion ? "@@" : "@") + s.version;
}

const ElfImage::Symbol* findSymbol(const std::vector<ElfImage::Symbol>& table, const std::string& name,
                                   const std::string& version = {}) {
    for (const auto& s : table) {
        if (s.name == name && (version.empty() || s.version == version))
            return &s;
    }
    return nullptr;
}

bool contains(const std::vector<std::uint64_t>& v, std::uint64_t x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

QString canonical(const std::string& path) {
    return QFileInfo(qs(path)).canonicalFilePath();
}

// What ld.so itself loads for a program, in its order: `LD_TRACE_LOADED_OBJECTS=1 program` (ldd).
struct LddResult {
    QStringList paths;    // canonical
    QStringList notFound; // names
};
LddResult ldd(const std::string& program, const QString& ldLibraryPath) {
    auto env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("LD_PRELOAD"));
    env.remove(QStringLiteral("LD_LIBRARY_PATH"));
    if (!ldLibraryPath.isEmpty())
        env.insert(QStringLiteral("LD_LIBRARY_PATH"), ldLibraryPath);
    env.insert(QStringLiteral("LD_TRACE_LOADED_OBJECTS"), QStringLiteral("1"));
    static const QRegularExpression missing(QStringLiteral(R"(^(\S+) => not found$)"));
    static const QRegularExpression arrow(QStringLiteral(R"(^\S+ => (/\S+) \(0x)"));
    static const QRegularExpression bare(QStringLiteral(R"(^(/\S+) \(0x)"));
    LddResult out;
    for (const auto& raw : runTool(qs(program), {}, env).split(QLatin1Char('\n'))) {
        const auto line = raw.trimmed();
        if (const auto n = missing.match(line); n.hasMatch())
            out.notFound << n.captured(1);
        else if (const auto m = arrow.match(line); m.hasMatch())
            out.paths << canonical(m.captured(1).toStdString());
        else if (const auto b = bare.match(line); b.hasMatch())
            out.paths << canonical(b.captured(1).toStdString());
    }
    return out;
}

void expectError(const std::function<void()>& f, const std::string& path, const QString& problem) {
    try {
        f();
        QFAIL(qPrintable(QStringLiteral("no error for ") + qs(path)));
    } catch (const Error& e) {
        const auto msg = QString::fromUtf8(e.what());
        QVERIFY2(msg.startsWith(qs(path) + QStringLiteral(": ")), qPrintable(msg));
        QVERIFY2(msg.contains(problem), qPrintable(msg));
    }
}

void writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

QString describe(const std::optional<ElfImage::SourceLocation>& location) {
    if (!location)
        return QStringLiteral("no location");
    return qs(location->function) + QStringLiteral(" at ") + qs(location->file) + QLatin1Char(':') +
           QString::number(location->line);
}

// addr2line's answer for each address (-f: the innermost function, then FILE:LINE), with the debug
// information binutils finds by itself; nullopt where it knows no file. Empty when it cannot run.
std::vector<std::optional<ElfImage::SourceLocation>> addr2line(const std::string& path,
                                                               const std::vector<std::uint64_t>& addresses) {
    QStringList args{QStringLiteral("-f"), QStringLiteral("-e"), qs(path)};
    for (auto a : addresses)
        args << QStringLiteral("0x") + QString::number(a, 16);
    const auto lines = runTool(QStringLiteral("addr2line"), args).split(QLatin1Char('\n'));
    static const QRegularExpression fileLine(QStringLiteral(R"(^(.*):(\d+|\?)(?: \(discriminator \d+\))?$)"));
    std::vector<std::optional<ElfImage::SourceLocation>> out;
    for (qsizetype i = 0; i + 1 < lines.size() && out.size() < addresses.size(); i += 2) {
        const auto m = fileLine.match(lines[i + 1]);
        if (!m.hasMatch())
            return {};
        if (m.captured(1) == QLatin1String("??")) {
            out.emplace_back();
            continue;
        }
        ElfImage::SourceLocation location;
        location.file = m.captured(1).toStdString();
        location.line = m.captured(2).toUInt(); // "?" (no line) is 0
        if (lines[i] != QLatin1String("??"))
            location.function = lines[i].toStdString();
        out.emplace_back(std::move(location));
    }
    if (out.size() != addresses.size())
        return {};
    return out;
}

// llvm-symbolizer's answer for each address (the innermost function's DW_AT_name, FILE:LINE:COLUMN),
// with LLVM as sourceLocation uses it; nullopt where it knows no file. Empty when it cannot run.
std::vector<std::optional<ElfImage::SourceLocation>>
llvmSymbolizer(const std::string& path, const std::vector<std::uint64_t>& addresses) {
    QStringList args{QStringLiteral("--no-inlines"), QStringLiteral("--functions=short"),
                     QStringLiteral("--obj=") + qs(path)};
    for (auto a : addresses)
        args << QStringLiteral("0x") + QString::number(a, 16);
    const auto frames = runTool(QStringLiteral("llvm-symbolizer-14"), args).split(QStringLiteral("\n\n"));
    static const QRegularExpression fileLine(QStringLiteral(R"(^(.*):(\d+):\d+$)"));
    std::vector<std::optional<ElfImage::SourceLocation>> out;
    for (const auto& frame : frames) {
        const auto lines = frame.split(QLatin1Char('\n'));
        if (lines.size() != 2 || out.size() == addresses.size())
            break;
        const auto m = fileLine.match(lines[1]);
        if (!m.hasMatch())
            return {};
        if (m.captured(1) == QLatin1String("??")) {
            out.emplace_back();
            continue;
        }
        ElfImage::SourceLocation location;
        location.file = m.captured(1).toStdString();
        location.line = m.captured(2).toUInt();
        if (lines[0] != QLatin1String("??"))
            location.function = lines[0].toStdString();
        out.emplace_back(std::move(location));
    }
    if (out.size() != addresses.size())
        return {};
    return out;
}

// Every address of the named functions of .symtab.
std::vector<std::uint64_t> addressesOf(const ElfImage& image, std::initializer_list<const char*> names) {
    std::vector<std::uint64_t> out;
    for (const char* name : names) {
        if (const auto* s = findSymbol(image.symbols(), name))
            for (auto a = s->value; a < s->value + s->size; ++a)
                out.push_back(a);
    }
    return out;
}

bool objcopy(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral("objcopy"), args);
    return p.waitForFinished(60'000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

const char* const kDebugSource = SWB_SOURCE_DIR "/tests/fixtures/fx_debuginfo.c";
const std::uint32_t kDebugTargetLine = 8; // fx_debug_target in fx_debuginfo.c

} // namespace

class TestElfImage : public QObject {
    Q_OBJECT
private slots:
    void strippedPie() {
        const auto image = ElfImage::load(kLs);
        QCOMPARE(image->path(), std::string(kLs));
        QCOMPARE(int(image->kind()), int(ElfImage::Kind::Executable));
        QVERIFY(image->isPie());
        QVERIFY(image->symbols().empty());
        QVERIFY(!image->dynamicSymbols().empty());
        QVERIFY(!image->hasDebugInfo());
        QCOMPARE(image->needed(), (std::vector<std::string>{"libselinux.so.1", "libc.so.6"}));
        QCOMPARE(image->interpreter(), std::string("/lib64/ld-linux-x86-64.so.2"));
        QVERIFY(image->soname().empty());
        QVERIFY(image->rpath().empty() && image->runpath().empty());
        // No symbol to go by: the FDEs are the function starts, and the entry is one of them.
        QVERIFY2(image->functionStarts().size() > 200,
                 qPrintable(QString::number(image->functionStarts().size())));
        QVERIFY(contains(image->functionStarts(), image->entry()));
        QVERIFY(std::is_sorted(image->functionStarts().begin(), image->functionStarts().end()));
        QVERIFY(std::adjacent_find(image->functionStarts().begin(), image->functionStarts().end()) ==
                image->functionStarts().end());
        QVERIFY(image->symbolFor(image->entry()) == nullptr);
    }

    void kinds_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("kind");
        QTest::addColumn<bool>("pie");
        QTest::newRow("libc (has PT_INTERP and an entry)")
            << QString::fromLatin1(kLibc) << int(ElfImage::Kind::SharedObject) << false;
        QTest::newRow("ld.so") << QStringLiteral("/lib64/ld-linux-x86-64.so.2")
                               << int(ElfImage::Kind::SharedObject) << false;
        QTest::newRow("pie") << qs(fixture("fx_ctor")) << int(ElfImage::Kind::Executable) << true;
        QTest::newRow("non-pie") << qs(fixture("fx_ctor_nopie")) << int(ElfImage::Kind::Executable) << false;
        QTest::newRow("static") << qs(fixture("fx_static_raw")) << int(ElfImage::Kind::Executable) << false;
    }
    void kinds() {
        QFETCH(QString, path);
        QFETCH(int, kind);
        QFETCH(bool, pie);
        const auto image = ElfImage::load(path.toStdString());
        QCOMPARE(int(image->kind()), kind);
        QCOMPARE(image->isPie(), pie);
    }

    void segmentsAndBytes() {
        const auto image = ElfImage::load(kLs);
        const auto expected = readelfLoads(kLs);
        QVERIFY(expected.size() >= 2);
        QCOMPARE(image->loadSegments().size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const auto& a = image->loadSegments()[i];
            const auto& e = expected[i];
            QCOMPARE(a.address, e.address);
            QCOMPARE(a.fileOffset, e.fileOffset);
            QCOMPARE(a.fileSize, e.fileSize);
            QCOMPARE(a.memorySize, e.memorySize);
            QCOMPARE(a.flags, e.flags);
        }
        QFile file(QString::fromLatin1(kLs));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto bytes = file.readAll();
        std::size_t executable = 0;
        for (const auto& seg : expected) {
            if (!(seg.flags & 1))
                continue;
            ++executable;
            const auto region = std::find_if(image->codeRegions().begin(), image->codeRegions().end(),
                                             [&](const auto& r) { return r.address == seg.address; });
            QVERIFY(region != image->codeRegions().end());
            QCOMPARE(region->bytes.size(), seg.fileSize);
            QVERIFY(std::equal(region->bytes.begin(), region->bytes.end(),
                               reinterpret_cast<const std::uint8_t*>(bytes.constData() + seg.fileOffset)));
            if (image->entry() >= seg.address && image->entry() < seg.address + seg.fileSize) {
                const auto at = image->bytesAt(image->entry(), 16);
                QCOMPARE(at.size(), std::size_t(16));
                QCOMPARE(
                    QByteArray(reinterpret_cast<const char*>(at.data()), 16),
                    bytes.mid(static_cast<qsizetype>(image->entry() - seg.address + seg.fileOffset), 16));
            }
        }
        QCOMPARE(image->codeRegions().size(), executable);
        // Not file-backed, or past the end of the segments.
        const auto& last = image->loadSegments().back();
        QVERIFY(image->bytesAt(last.address + last.fileSize - 4, 8).empty());
        QVERIFY(image->bytesAt(last.address + last.memorySize + 0x100000, 1).empty());
    }

    void fdesMatchReadelf_data() {
        QTest::addColumn<QString>("path");
        QTest::newRow("ls") << QString::fromLatin1(kLs);
        QTest::newRow("libc") << QString::fromLatin1(kLibc);
        QTest::newRow("fixture") << qs(fixture("fx_ctor"));
        QTest::newRow("static") << qs(fixture("fx_static_raw"));
    }
    void fdesMatchReadelf() {
        QFETCH(QString, path);
        const auto image = ElfImage::load(path.toStdString());
        const auto expected = readelfFdes(path.toStdString());
        QVERIFY(!expected.empty());
        const auto& actual = image->fdeRanges();
        QCOMPARE(actual.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            if (actual[i] != expected[i])
                QFAIL(qPrintable(QStringLiteral("FDE %1: %2..%3, readelf says %4..%5")
                                     .arg(i)
                                     .arg(actual[i].first, 0, 16)
                                     .arg(actual[i].second, 0, 16)
                                     .arg(expected[i].first, 0, 16)
                                     .arg(expected[i].second, 0, 16)));
            QVERIFY(contains(image->functionStarts(), expected[i].first));
        }
    }

    void buildIdMatchesReadelf_data() {
        QTest::addColumn<QString>("path");
        QTest::newRow("ls") << QString::fromLatin1(kLs);
        QTest::newRow("libc") << QString::fromLatin1(kLibc);
        QTest::newRow("fixture") << qs(fixture("fx_ctor"));
    }
    void buildIdMatchesReadelf() {
        QFETCH(QString, path);
        const auto expected = readelfBuildId(path.toStdString());
        QVERIFY(expected.size() >= 32);
        QCOMPARE(ElfImage::load(path.toStdString())->buildId(), expected);
    }

    void libcSymbolVersions() {
        const auto libc = ElfImage::load(kLibc);
        QCOMPARE(libc->soname(), std::string("libc.so.6"));
        QCOMPARE(libc->needed(), std::vector<std::string>{"ld-linux-x86-64.so.2"});
        const auto& syms = libc->dynamicSymbols();
        QVERIFY(syms.size() > 2000);
        QVERIFY(syms[0].name.empty() && !syms[0].defined);
        const auto* open = findSymbol(syms, "open");
        QVERIFY(open);
        QCOMPARE(qs(versioned(*open)), QStringLiteral("open@@GLIBC_2.2.5"));
        QVERIFY(open->defined && open->dynamic);
        QCOMPARE(int(open->type), 2 /* STT_FUNC */);
        const auto* oldMemcpy = findSymbol(syms, "memcpy", "GLIBC_2.2.5");
        const auto* newMemcpy = findSymbol(syms, "memcpy", "GLIBC_2.14");
        QVERIFY(oldMemcpy && newMemcpy);
        QVERIFY(!oldMemcpy->defaultVersion);
        QVERIFY(newMemcpy->defaultVersion);
        QCOMPARE(int(newMemcpy->type), 10 /* STT_GNU_IFUNC */);
        // Every entry, as readelf spells it.
        const auto expected = readelfDynsymNames(kLibc);
        QCOMPARE(syms.size(), expected.size());
        for (std::size_t i = 0; i < syms.size(); ++i) {
            if (versioned(syms[i]) != expected[i])
                QFAIL(qPrintable(QStringLiteral("dynsym %1: %2, readelf says %3")
                                     .arg(i)
                                     .arg(qs(versioned(syms[i])), qs(expected[i]))));
        }
    }

    void relocationsMatchReadelf_data() {
        QTest::addColumn<QString>("path");
        QTest::newRow("libc") << QString::fromLatin1(kLibc);
        QTest::newRow("ls") << QString::fromLatin1(kLs);
        QTest::newRow("shared fixture") << qs(fixture("lib/libswbfx.so"));
        QTest::newRow("static (IRELATIVE in .rela.iplt)") << qs(fixture("fx_static_raw"));
    }
    void relocationsMatchReadelf() {
        QFETCH(QString, path);
        const auto image = ElfImage::load(path.toStdString());
        const auto expected = readelfRelocations(path.toStdString());
        QVERIFY(!expected.empty());
        const auto& actual = image->relocations();
        QCOMPARE(actual.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            QCOMPARE(actual[i].offset, expected[i].offset);
            QCOMPARE(actual[i].type, expected[i].type);
            const auto* at = image->relocationAt(expected[i].offset);
            QVERIFY(at && at->offset == expected[i].offset);
            QVERIFY(!image->relocationAt(expected[i].offset + 1) ||
                    image->relocationAt(expected[i].offset + 1)->offset == expected[i].offset + 1);
            if (!expected[i].symbol.empty()) {
                QVERIFY(actual[i].symbol > 0);
                QCOMPARE(image->dynamicSymbols()[static_cast<std::size_t>(actual[i].symbol)].name,
                         expected[i].symbol);
            }
        }
    }

    void libcRelocationKinds() {
        const auto libc = ElfImage::load(kLibc);
        std::set<std::uint32_t> types;
        for (const auto& r : libc->relocations()) {
            types.insert(r.type);
            if (r.type == 37 /* IRELATIVE */)
                QVERIFY2(contains(libc->functionStarts(), static_cast<std::uint64_t>(r.addend)),
                         "an IFUNC resolver is a function start");
        }
        for (std::uint32_t t :
             {1u /* 64 */, 6u /* GLOB_DAT */, 7u /* JUMP_SLOT */, 8u /* RELATIVE */, 37u /* IRELATIVE */})
            QVERIFY2(types.count(t), qPrintable(QString::number(t)));
        // A JUMP_SLOT names the function it binds.
        const auto jumpSlot = std::find_if(libc->relocations().begin(), libc->relocations().end(),
                                           [](const auto& r) { return r.type == 7; });
        QVERIFY(jumpSlot->symbol > 0);
        QVERIFY(!libc->dynamicSymbols()[static_cast<std::size_t>(jumpSlot->symbol)].name.empty());
        QVERIFY(!libc->relocationAt(0));
    }

    void initAndFiniFunctions_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("ctor");
        QTest::addColumn<QString>("dtor");
        QTest::newRow("pie (RELATIVE slots)")
            << qs(fixture("fx_ctor")) << QStringLiteral("fx_ctor_init") << QStringLiteral("fx_ctor_fini");
        QTest::newRow("non-pie (plain pointers)")
            << qs(fixture("fx_ctor_nopie")) << QStringLiteral("fx_ctor_init")
            << QStringLiteral("fx_ctor_fini");
        QTest::newRow("library (RELATIVE slots)")
            << qs(fixture("lib/libswbfx.so")) << QStringLiteral("swbfx_ctor") << QString();
    }
    void initAndFiniFunctions() {
        QFETCH(QString, path);
        QFETCH(QString, ctor);
        QFETCH(QString, dtor);
        const auto image = ElfImage::load(path.toStdString());
        const auto* ctorSym = findSymbol(image->symbols(), ctor.toStdString());
        QVERIFY(ctorSym && ctorSym->defined);
        QVERIFY(contains(image->initFunctions(), ctorSym->value));
        QCOMPARE(image->symbolFor(ctorSym->value)->name, ctor.toStdString());
        QVERIFY(contains(image->functionStarts(), ctorSym->value));
        if (!dtor.isEmpty()) {
            const auto* dtorSym = findSymbol(image->symbols(), dtor.toStdString());
            QVERIFY(dtorSym);
            QVERIFY(contains(image->finiFunctions(), dtorSym->value));
            QVERIFY(!contains(image->initFunctions(), dtorSym->value));
        }
        // DT_INIT (_init) runs before the init_array, DT_FINI (_fini) after the fini_array.
        const auto* init = findSymbol(image->symbols(), "_init");
        const auto* fini = findSymbol(image->symbols(), "_fini");
        QVERIFY(init && fini);
        QCOMPARE(image->initFunctions().front(), init->value);
        QCOMPARE(image->finiFunctions().back(), fini->value);
    }

    void initArrayAbsoluteRelocation() {
        // swbfx_init_hook sits in .init_array through an R_X86_64_64 against its (preemptible) symbol.
        const auto image = ElfImage::load(fixture("lib/libswbfx.so"));
        const auto* hook = findSymbol(image->dynamicSymbols(), "swbfx_init_hook");
        QVERIFY(hook && hook->defined);
        const auto slot =
            std::find_if(image->relocations().begin(), image->relocations().end(), [&](const auto& r) {
                return r.type == 1 && r.symbol > 0 &&
                       image->dynamicSymbols()[static_cast<std::size_t>(r.symbol)].name == "swbfx_init_hook";
            });
        QVERIFY(slot != image->relocations().end());
        QVERIFY(contains(image->initFunctions(), hook->value));
        QCOMPARE(image->initFunctions().size(), std::size_t(4)); // _init, frame_dummy, swbfx_ctor, the hook
    }

    void symbolFor() {
        const auto libc = ElfImage::load(kLibc);
        const auto* open = findSymbol(libc->dynamicSymbols(), "open");
        QVERIFY(open && open->size > 16);
        // open, open64, __open and __open64 are aliases: the plain name wins.
        QCOMPARE(libc->symbolFor(open->value)->name, std::string("open"));
        QCOMPARE(libc->symbolFor(open->value + 10)->name, std::string("open"));
        QCOMPARE(libc->symbolFor(open->value + open->size - 1)->name, std::string("open"));
        const auto* after = libc->symbolFor(open->value + open->size);
        QVERIFY(!after || after->value >= open->value + open->size);
        // The .symtab name is preferred over .dynsym's.
        const auto fx = ElfImage::load(fixture("lib/libswbfx.so"));
        const auto* value = findSymbol(fx->dynamicSymbols(), "swbfx_value");
        QVERIFY(value);
        QVERIFY(!fx->symbolFor(value->value)->dynamic);
    }

    void cStrings() {
        const auto image = ElfImage::load(kLs);
        const auto interp = std::find_if(image->sections().begin(), image->sections().end(),
                                         [](const auto& s) { return s.name == ".interp"; });
        QVERIFY(interp != image->sections().end());
        QCOMPARE(image->cStringAt(interp->address), std::optional<std::string>(image->interpreter()));
        QCOMPARE(image->cStringAt(interp->address + 7), std::optional<std::string>("ld-linux-x86-64.so.2"));
        QVERIFY(!image->cStringAt(interp->address, 10)); // longer than allowed
        QVERIFY(!image->cStringAt(0xffff'ffff'0000));
    }

    void errorsNameTheFile_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("problem");
        QByteArray header(64, '\0');
        header.replace(0, 7,
                       "\x7f"
                       "ELF\x02\x01\x01");
        auto aarch64 = header;
        aarch64[18] = char(183);
        auto elf32 = header;
        elf32[4] = 1;
        auto bigEndian = header;
        bigEndian[5] = 2;
        QFile ls(QString::fromLatin1(kLs));
        ls.open(QIODevice::ReadOnly);
        const auto lsBytes = ls.readAll();
        QTest::newRow("text") << QByteArray("#!/bin/sh\necho hi\n") << QStringLiteral("not an ELF file");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("not an ELF file");
        QTest::newRow("aarch64") << aarch64
                                 << QStringLiteral("ELF machine is EM_AARCH64, only x86-64 is supported");
        QTest::newRow("32-bit") << elf32 << QStringLiteral("32-bit ELF");
        QTest::newRow("big-endian") << bigEndian << QStringLiteral("big-endian");
        QTest::newRow("header only") << header.left(40) << QStringLiteral("truncated ELF file");
        QTest::newRow("truncated headers") << lsBytes.left(200) << QStringLiteral("truncated ELF file");
        QTest::newRow("truncated segments")
            << lsBytes.left(lsBytes.size() / 2) << QStringLiteral("truncated ELF file");
    }
    void errorsNameTheFile() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        const auto path = dir.filePath(QStringLiteral("bad.so")).toStdString();
        writeFile(qs(path), bytes);
        expectError([&] { ElfImage::load(path); }, path, problem);
    }

    void missingFileAndDirectory() {
        QTemporaryDir dir;
        const auto missing = dir.filePath(QStringLiteral("nothere.so")).toStdString();
        expectError([&] { ElfImage::load(missing); }, missing, QStringLiteral("No such file or directory"));
        const auto directory = dir.path().toStdString();
        expectError([&] { ElfImage::load(directory); }, directory, QStringLiteral("cannot read"));
        expectError([&] { loadProgram(missing, LibraryResolver()); }, missing,
                    QStringLiteral("No such file or directory"));
    }

    void tokens() {
        const LibraryResolver resolver;
        QCOMPARE(resolver.libToken(), std::string("lib/x86_64-linux-gnu")); // Debian's ld.so
        QCOMPARE(resolver.expandTokens("$ORIGIN/../${LIB}/$PLATFORM/x", "/opt/app/bin"),
                 std::string("/opt/app/bin/../lib/x86_64-linux-gnu/x86_64/x"));
        QCOMPARE(resolver.expandTokens("${ORIGIN}:$ORIGINAL:$LIBS:$$", "/o"),
                 std::string("/o:$ORIGINAL:$LIBS:$$"));
        QCOMPARE(resolver.expandTokens("$ORIGIN", "/o"), std::string("/o"));
    }

    void systemDirectoriesMatchLdconfig() {
        const LibraryResolver resolver;
        const auto& dirs = resolver.systemDirectories();
        const auto position = [&](const std::string& d) {
            return std::find(dirs.begin(), dirs.end(), d) - dirs.begin();
        };
        QVERIFY(position("/usr/local/lib") < position("/lib/x86_64-linux-gnu"));
        QVERIFY(position("/lib/x86_64-linux-gnu") < position("/usr/lib/x86_64-linux-gnu"));
        QCOMPARE(dirs.back(), std::string("/usr/lib"));
        // ldconfig lists the directories it scans, in order, each directory once (by inode).
        const auto out = runTool(QStringLiteral("/sbin/ldconfig"),
                                 {QStringLiteral("-N"), QStringLiteral("-X"), QStringLiteral("-v")});
        QStringList expected;
        static const QRegularExpression re(QStringLiteral(R"(^(/\S*): \(from )"));
        for (const auto& line : out.split(QLatin1Char('\n'))) {
            if (const auto m = re.match(line); m.hasMatch())
                expected << m.captured(1);
        }
        QVERIFY(!expected.isEmpty());
        QStringList actual;
        std::set<std::pair<dev_t, ino_t>> seen;
        for (const auto& d : dirs) {
            struct stat st {};
            if (::stat(d.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
                seen.insert({st.st_dev, st.st_ino}).second)
                actual << qs(d);
        }
        QCOMPARE(actual, expected);
    }

    void resolverFollowsSearchRules_data() {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QString>("library");
        QTest::addColumn<QString>("expected"); // relative to the fixture directory; empty: not found
        QTest::addColumn<bool>("viaLibc");     // asked on behalf of libc, loaded by the program
        QTest::newRow("RUNPATH $ORIGIN") << "fx_runpath"
                                         << "libswbfx.so"
                                         << "lib/libswbfx.so" << false;
        QTest::newRow("RPATH $ORIGIN") << "fx_rpath"
                                       << "libswbfx.so"
                                       << "lib/libswbfx.so" << false;
        QTest::newRow("RPATH $LIB") << "fx_libtoken"
                                    << "libswbfxtok.so"
                                    << "libtok/lib/x86_64-linux-gnu/libswbfxtok.so" << false;
        // DT_RPATH applies to the whole tree below the program, DT_RUNPATH only to its own needs.
        QTest::newRow("RPATH inherited") << "fx_rpath"
                                         << "libswbfx.so"
                                         << "lib/libswbfx.so" << true;
        QTest::newRow("RUNPATH not inherited") << "fx_runpath"
                                               << "libswbfx.so"
                                               << "" << true;
        QTest::newRow("no search path") << "fx_plain"
                                        << "libswbfx.so"
                                        << "" << false;
    }
    void resolverFollowsSearchRules() {
        QFETCH(QString, program);
        QFETCH(QString, library);
        QFETCH(QString, expected);
        QFETCH(bool, viaLibc);
        const LibraryResolver resolver;
        const auto path = std::string(SWB_FIXTURE_DIR) + "/" + program.toStdString();
        const auto prog = ElfImage::load(path);
        const auto libc = ElfImage::load(kLibc);
        std::vector<LibraryResolver::Loader> chain{{prog.get(), path}};
        if (viaLibc)
            chain.push_back({libc.get(), kLibc});
        const auto found = resolver.resolve(library.toStdString(), chain);
        if (expected.isEmpty()) {
            QVERIFY2(!found, found ? found->path.c_str() : "");
            return;
        }
        QVERIFY(found);
        QCOMPARE(canonical(found->hostPath), canonical(fixture(expected.toLatin1().constData())));
        QCOMPARE(found->path, found->hostPath);
        // The system directories find libc for anyone.
        const auto c = resolver.resolve("libc.so.6", chain);
        QVERIFY(c);
        QCOMPARE(canonical(c->hostPath), canonical(kLibc));
    }

    void resolverSkipsIncompatibleFiles() {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("a")));
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("b")));
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("c")));
        writeFile(dir.filePath(QStringLiteral("a/libz.so.1")), "not an ELF file");
        // A 32-bit library of that name: skipped as ld.so does, whatever its contents.
        QByteArray elf32(64, '\0');
        elf32.replace(0, 7,
                      "\x7f"
                      "ELF\x01\x01\x01");
        elf32[18] = 3;
        writeFile(dir.filePath(QStringLiteral("b/libz.so.1")), elf32);
        QVERIFY(QFile::copy(QStringLiteral("/lib/x86_64-linux-gnu/libz.so.1"),
                            dir.filePath(QStringLiteral("c/libz.so.1"))));
        const auto base = dir.path().toStdString();
        const LibraryResolver resolver({}, {base + "/a", base + "/b", base + "/c"});
        const auto prog = ElfImage::load(kLs);
        const auto found = resolver.resolve("libz.so.1", {{prog.get(), kLs}});
        QVERIFY(found);
        QCOMPARE(found->path, base + "/c/libz.so.1");
        // A name with a slash is a path; $ORIGIN is the loader's directory.
        const auto direct = resolver.resolve("$ORIGIN/c/libz.so.1", {{prog.get(), base + "/prog"}});
        QVERIFY(direct);
        QCOMPARE(direct->path, base + "/c/libz.so.1");
        QVERIFY(!resolver.resolve(base + "/a/libz.so.1", {{prog.get(), kLs}}));
    }

    void loadProgramMatchesLdd_data() {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QString>("ldLibraryPath");
        QTest::newRow("ls") << QString::fromLatin1(kLs) << QString();
        QTest::newRow("python3") << QStringLiteral("/usr/bin/python3") << QString();
        QTest::newRow("RUNPATH") << qs(fixture("fx_runpath")) << QString();
        QTest::newRow("RPATH") << qs(fixture("fx_rpath")) << QString();
        QTest::newRow("$LIB") << qs(fixture("fx_libtoken")) << QString();
        QTest::newRow("LD_LIBRARY_PATH") << qs(fixture("fx_plain")) << qs(fixture("lib"));
        QTest::newRow("no search path") << qs(fixture("fx_plain")) << QString();
        // The program cannot find libc itself; libswbfx, which needs it too, can.
        QTest::newRow("-z nodefaultlib") << qs(fixture("fx_nodeflib")) << QString();
        QTest::newRow("this test (Qt, LLVM)") << QCoreApplication::applicationFilePath() << QString();
    }
    void loadProgramMatchesLdd() {
        QFETCH(QString, program);
        QFETCH(QString, ldLibraryPath);
        const auto expected = ldd(program.toStdString(), ldLibraryPath);
        QVERIFY(expected.paths.size() >= 2);
        std::vector<std::string> llp;
        if (!ldLibraryPath.isEmpty())
            llp.push_back(ldLibraryPath.toStdString());
        const auto loaded = loadProgram(program.toStdString(), LibraryResolver({}, llp));
        QStringList missing;
        for (const auto& m : loaded.missing) {
            QVERIFY2(m.ends_with(" (needed by " + loaded.modules[0].path + ")"), m.c_str());
            missing << qs(m.substr(0, m.find(' ')));
        }
        QCOMPARE(missing, expected.notFound);
        QCOMPARE(loaded.modules.front().path, program.toStdString());
        QStringList actual;
        for (std::size_t i = 1; i < loaded.modules.size(); ++i) {
            QCOMPARE(loaded.modules[i].hostPath, loaded.modules[i].image->path());
            actual << canonical(loaded.modules[i].hostPath);
        }
        QCOMPARE(actual, expected.paths);
        QVERIFY(loaded.interpreter);
        QCOMPARE(loaded.modules[*loaded.interpreter].path, std::string("/lib64/ld-linux-x86-64.so.2"));
        // Every DT_NEEDED found became an edge to the module of that name.
        for (const auto& m : loaded.modules) {
            QCOMPARE(m.needed.size() + (&m == &loaded.modules[0] ? std::size_t(missing.size()) : 0),
                     m.image->needed().size());
            for (const auto index : m.needed) {
                const auto& dep = loaded.modules[index];
                const auto& names = m.image->needed();
                QVERIFY2(std::any_of(names.begin(), names.end(),
                                     [&](const std::string& name) {
                                         return dep.image->soname() == name || dep.path.ends_with("/" + name);
                                     }),
                         dep.path.c_str());
            }
        }
    }

    void loadProgramRecordsMissingAndExtras() {
        const auto program = fixture("fx_plain");
        const LibraryResolver resolver;
        const auto plain = loadProgram(program, resolver);
        QCOMPARE(plain.missing, std::vector<std::string>{"libswbfx.so (needed by " + program + ")"});
        QCOMPARE(plain.modules.size(), std::size_t(3)); // program, libc, ld.so
        QCOMPARE(plain.modules[0].needed.size(), std::size_t(1));

        const auto lib = fixture("lib/libswbfx.so");
        const auto withExtras =
            loadProgram(program, resolver, {lib, "libz.so.1", "libnotthere.so.9", "libc.so.6", lib});
        QCOMPARE(withExtras.missing,
                 (std::vector<std::string>{"libswbfx.so (needed by " + program + ")",
                                           "libnotthere.so.9 (dlopen by " + program + ")"}));
        std::vector<std::string> paths;
        for (const auto& m : withExtras.modules)
            paths.push_back(canonical(m.hostPath).toStdString());
        QCOMPARE(paths,
                 (std::vector<std::string>{canonical(program).toStdString(), canonical(kLibc).toStdString(),
                                           canonical("/lib64/ld-linux-x86-64.so.2").toStdString(),
                                           canonical(lib).toStdString(),
                                           canonical("/lib/x86_64-linux-gnu/libz.so.1").toStdString()}));
        QCOMPARE(withExtras.interpreter, std::optional<std::size_t>(2));
        // The extra library's own needs point at the already loaded libc.
        QCOMPARE(withExtras.modules[3].needed, std::vector<std::size_t>{1});
    }

    void interpreterNeededByNoOne() {
        // No DT_NEEDED at all (ldd says "statically linked"), but ld.so runs the program.
        const auto program = fixture("fx_nolibc");
        const auto image = ElfImage::load(program);
        QVERIFY(image->needed().empty());
        QVERIFY(!image->interpreter().empty());
        const auto loaded = loadProgram(program, LibraryResolver());
        QVERIFY(loaded.missing.empty());
        QCOMPARE(loaded.modules.size(), std::size_t(2));
        QCOMPARE(loaded.interpreter, std::optional<std::size_t>(1));
        QCOMPARE(loaded.modules[1].path, image->interpreter());
        QVERIFY(loaded.modules[0].needed.empty());
    }

    void rootfs() {
        QTemporaryDir root;
        QVERIFY(root.isValid());
        QDir r(root.path());
        for (const char* d : {"usr/lib/x86_64-linux-gnu", "usr/bin", "usr/local/lib", "lib64", "opt/swb/lib",
                              "etc/ld.so.conf.d"})
            QVERIFY(r.mkpath(QString::fromLatin1(d)));
        // Merged /usr: /lib -> usr/lib (relative); /lib64/ld-linux-x86-64.so.2 is an absolute symlink,
        // which must resolve inside the rootfs.
        QVERIFY(QFile::link(QStringLiteral("usr/lib"), r.filePath(QStringLiteral("lib"))));
        QVERIFY(QFile::link(QStringLiteral("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
                            r.filePath(QStringLiteral("lib64/ld-linux-x86-64.so.2"))));
        QVERIFY(QFile::copy(QString::fromLatin1(kLibc),
                            r.filePath(QStringLiteral("usr/lib/x86_64-linux-gnu/libc.so.6"))));
        QVERIFY(QFile::copy(QStringLiteral("/lib64/ld-linux-x86-64.so.2"),
                            r.filePath(QStringLiteral("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))));
        QVERIFY(QFile::copy(qs(fixture("fx_plain")), r.filePath(QStringLiteral("usr/bin/fx_plain"))));
        QVERIFY(QFile::copy(QString::fromLatin1(kLs), r.filePath(QStringLiteral("usr/bin/ls"))));
        QVERIFY(QFile::copy(qs(fixture("lib/libswbfx.so")),
                            r.filePath(QStringLiteral("opt/swb/lib/libswbfx.so"))));
        // A decoy that is not an ELF file, in a directory searched earlier.
        writeFile(r.filePath(QStringLiteral("usr/local/lib/libswbfx.so")), "decoy");
        writeFile(r.filePath(QStringLiteral("etc/ld.so.conf")), "/usr/local/lib # comment\n"
                                                                "include /etc/ld.so.conf.d/*.conf\n");
        writeFile(r.filePath(QStringLiteral("etc/ld.so.conf.d/swb.conf")), "/opt/swb/lib/\n");
        writeFile(r.filePath(QStringLiteral("etc/ld.so.conf.d/ignored.txt")), "/nowhere\n");

        const auto rootPath = root.path().toStdString();
        const LibraryResolver resolver(rootPath + "/");
        QCOMPARE(resolver.rootfs(), rootPath);
        QCOMPARE(resolver.systemDirectories(),
                 (std::vector<std::string>{"/usr/local/lib", "/opt/swb/lib", "/lib/x86_64-linux-gnu",
                                           "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"}));
        QCOMPARE(resolver.hostPath("/lib64/ld-linux-x86-64.so.2"),
                 rootPath + "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        QCOMPARE(resolver.canonicalPath("/lib/../lib/x86_64-linux-gnu/./libc.so.6"),
                 std::string("/usr/lib/x86_64-linux-gnu/libc.so.6"));
        // ".." applies to where a symlink leads, as in the kernel: /lib is usr/lib.
        QCOMPARE(resolver.canonicalPath("/lib/../lib64"), std::string("/usr/lib64"));
        QCOMPARE(resolver.hostPath("/no/such/../file"), rootPath + "/no/file");

        const auto loaded = loadProgram("/usr/bin/fx_plain", resolver);
        QVERIFY2(loaded.missing.empty(), loaded.missing.empty() ? "" : loaded.missing.front().c_str());
        std::vector<std::string> paths, hostPaths;
        for (const auto& m : loaded.modules) {
            paths.push_back(m.path);
            hostPaths.push_back(m.hostPath);
        }
        QCOMPARE(paths, (std::vector<std::string>{"/usr/bin/fx_plain", "/opt/swb/lib/libswbfx.so",
                                                  "/lib/x86_64-linux-gnu/libc.so.6",
                                                  "/lib64/ld-linux-x86-64.so.2"}));
        QCOMPARE(hostPaths, (std::vector<std::string>{
                                rootPath + "/usr/bin/fx_plain", rootPath + "/opt/swb/lib/libswbfx.so",
                                rootPath + "/usr/lib/x86_64-linux-gnu/libc.so.6",
                                rootPath + "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"}));
        QCOMPARE(loaded.interpreter, std::optional<std::size_t>(3));

        // The host has libselinux; the rootfs does not.
        const auto ls = loadProgram("/usr/bin/ls", resolver);
        QCOMPARE(ls.missing, std::vector<std::string>{"libselinux.so.1 (needed by /usr/bin/ls)"});
        for (const auto& m : ls.modules)
            QVERIFY2(m.hostPath.starts_with(rootPath + "/"), m.hostPath.c_str());

        // /etc/ld.so.preload: loaded right after the program, before its needs.
        writeFile(r.filePath(QStringLiteral("etc/ld.so.preload")), "/opt/swb/lib/libswbfx.so nosuch.so\n");
        const LibraryResolver preloading(rootPath);
        QCOMPARE(preloading.preloadLibraries(),
                 (std::vector<std::string>{"/opt/swb/lib/libswbfx.so", "nosuch.so"}));
        const auto preloaded = loadProgram("/usr/bin/ls", preloading);
        paths.clear();
        for (const auto& m : preloaded.modules)
            paths.push_back(m.path);
        QCOMPARE(paths, (std::vector<std::string>{"/usr/bin/ls", "/opt/swb/lib/libswbfx.so",
                                                  "/lib/x86_64-linux-gnu/libc.so.6",
                                                  "/lib64/ld-linux-x86-64.so.2"}));
        QCOMPARE(preloaded.missing, (std::vector<std::string>{"nosuch.so (from /etc/ld.so.preload)",
                                                              "libselinux.so.1 (needed by /usr/bin/ls)"}));
        QVERIFY(QFile::remove(r.filePath(QStringLiteral("etc/ld.so.preload"))));

        // Without the interpreter, it is reported too.
        QVERIFY(QFile::remove(r.filePath(QStringLiteral("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))));
        const auto noInterp = loadProgram("/usr/bin/fx_plain", LibraryResolver(rootPath));
        QVERIFY(!noInterp.interpreter);
        QCOMPARE(noInterp.missing.size(), std::size_t(2));
        QVERIFY2(noInterp.missing[0].starts_with(
                     "/lib64/ld-linux-x86-64.so.2 (interpreter of /usr/bin/fx_plain): "),
                 noInterp.missing[0].c_str());
        QCOMPARE(noInterp.missing[1],
                 std::string("ld-linux-x86-64.so.2 (needed by /lib/x86_64-linux-gnu/libc.so.6)"));
    }

    void sourceLocation_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("debugFile"); // the separate debug file, empty when none
        QTest::newRow("own debug info") << qs(fixture("fx_debuginfo")) << QString();
        QTest::newRow("through .gnu_debuglink")
            << qs(fixture("fx_debuginfo_stripped")) << qs(fixture("fx_debuginfo_stripped.debug"));
    }
    void sourceLocation() {
        QFETCH(QString, path);
        QFETCH(QString, debugFile);
        const auto image = ElfImage::load(path.toStdString());
        QVERIFY(image->hasDebugInfo());
        QCOMPARE(qs(image->separateDebugFile()), debugFile);
        const auto* target = findSymbol(image->symbols(), "fx_debug_target");
        QVERIFY(target && target->size > 16);
        const auto location = image->sourceLocation(target->value);
        QVERIFY(location);
        QVERIFY2(location->file.ends_with("/fx_debuginfo.c"), location->file.c_str());
        QCOMPARE(canonical(location->file), canonical(kDebugSource));
        QCOMPARE(location->line, kDebugTargetLine);
        QCOMPARE(qs(location->function), QStringLiteral("fx_debug_target"));

        // Every address of fx_debug_target and main as addr2line reads the unstripped file; inside
        // the inlined helper, the helper's name and its line in the header.
        const auto addresses = addressesOf(*image, {"fx_debug_target", "main"});
        const auto expected = addr2line(fixture("fx_debuginfo"), addresses);
        QCOMPARE(expected.size(), addresses.size());
        bool inlined = false;
        for (std::size_t i = 0; i < addresses.size(); ++i) {
            const auto actual = image->sourceLocation(addresses[i]);
            if (describe(actual) != describe(expected[i]))
                QFAIL(qPrintable(QStringLiteral("0x%1: %2, addr2line says %3")
                                     .arg(addresses[i], 0, 16)
                                     .arg(describe(actual), describe(expected[i]))));
            if (actual && actual->function == "fx_debug_inlined") {
                inlined = true;
                QVERIFY2(actual->file.ends_with("/fx_debuginfo.h"), actual->file.c_str());
                QCOMPARE(actual->line, std::uint32_t(3));
            }
        }
        QVERIFY(inlined);

        // No line table covers the PLT, nor addresses outside the file.
        const auto plt = std::find_if(image->sections().begin(), image->sections().end(),
                                      [](const auto& s) { return s.name == ".plt"; });
        QVERIFY(plt != image->sections().end());
        QVERIFY(!image->sourceLocation(plt->address));
        QVERIFY(!image->sourceLocation(0));
        QVERIFY(!image->sourceLocation(0xffff'ffff'0000));
    }

    // How the stripped fixture's debug file is looked for and checked, in a temporary directory:
    // next to the program, in .debug/, next to the file a symlink points to; accepted when the
    // build-ids match, or the CRC32 in .gnu_debuglink when the debug file has no build-id; corrupt
    // files are ignored; corrupt DWARF gives no location, or a garbled name (never a crash).
    void separateDebugFileSearch_data() {
        QTest::addColumn<QString>("setup");
        QTest::addColumn<QString>("debugFile"); // the one accepted (relative to the directory), or empty
        // "location": fx_debug_target's; "none"; "line": its line, the names garbled.
        QTest::addColumn<QString>("expect");
        const auto location = QStringLiteral("location");
        const auto none = QStringLiteral("none");
        QTest::newRow(".debug subdirectory")
            << QStringLiteral("dotdebug") << QStringLiteral(".debug/fx_debuginfo_stripped.debug") << location;
        QTest::newRow("next to the symlink's target")
            << QStringLiteral("symlink") << qs(fixture("fx_debuginfo_stripped.debug")) << location;
        QTest::newRow("another program's debug file") << QStringLiteral("other") << QString() << none;
        QTest::newRow("no build-id, CRC matches")
            << QStringLiteral("crc") << QStringLiteral("nobuildid.debug") << location;
        QTest::newRow("no build-id, CRC differs") << QStringLiteral("crc-changed") << QString() << none;
        QTest::newRow("not ELF, CRC matches") << QStringLiteral("junk") << QString() << none;
        QTest::newRow("truncated, CRC matches") << QStringLiteral("truncated") << QString() << none;
        for (const char* section : {".debug_info", ".debug_abbrev", ".debug_line"})
            QTest::newRow(qPrintable(QStringLiteral("random ") + QLatin1String(section)))
                << QString::fromLatin1(section) << QStringLiteral("corrupt.debug") << none;
        // Without usable aranges, LLVM finds the unit from the units' own address ranges.
        QTest::newRow("random .debug_aranges")
            << QStringLiteral(".debug_aranges") << QStringLiteral("corrupt.debug") << location;
        for (const char* section : {".debug_str", ".debug_line_str"})
            QTest::newRow(qPrintable(QStringLiteral("random ") + QLatin1String(section)))
                << QString::fromLatin1(section) << QStringLiteral("corrupt.debug") << QStringLiteral("line");
    }
    void separateDebugFileSearch() {
        QFETCH(QString, setup);
        QFETCH(QString, debugFile);
        QFETCH(QString, expect);
        QTemporaryDir dir;
        const auto at = [&](const QString& name) {
            return dir.filePath(name);
        };
        const auto stripped = qs(fixture("fx_debuginfo_stripped"));
        const auto debug = qs(fixture("fx_debuginfo_stripped.debug"));
        auto program = at(QStringLiteral("prog"));
        std::mt19937 random(42);
        QByteArray junk(4096, '\0');
        for (auto& c : junk)
            c = static_cast<char>(random());
        writeFile(at(QStringLiteral("junk")), junk);
        QVERIFY(QFile::copy(stripped, program));
        // Points the program's .gnu_debuglink to FILE, with FILE's CRC32.
        const auto relink = [&](const QString& file) {
            return objcopy({QStringLiteral("--remove-section=.gnu_debuglink"), program}) &&
                   objcopy({QStringLiteral("--add-gnu-debuglink=") + file, program});
        };
        if (setup == QLatin1String("dotdebug")) {
            QVERIFY(QDir(dir.path()).mkdir(QStringLiteral(".debug")));
            QVERIFY(QFile::copy(debug, at(QStringLiteral(".debug/fx_debuginfo_stripped.debug"))));
        } else if (setup == QLatin1String("symlink")) {
            QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("bin")));
            program = at(QStringLiteral("bin/prog"));
            QVERIFY(QFile::link(stripped, program));
        } else if (setup == QLatin1String("other")) {
            // stack_fixture has DWARF too, and another build-id.
            QVERIFY(
                QFile::copy(qs(fixture("stack_fixture")), at(QStringLiteral("fx_debuginfo_stripped.debug"))));
        } else if (setup.startsWith(QLatin1String("crc"))) {
            const auto file = at(QStringLiteral("nobuildid.debug"));
            QVERIFY(objcopy({QStringLiteral("--remove-section=.note.gnu.build-id"), debug, file}));
            QVERIFY(relink(file));
            if (setup == QLatin1String("crc-changed"))
                QVERIFY(objcopy({QStringLiteral("--add-section"),
                                 QStringLiteral(".swb=") + at(QStringLiteral("junk")), file}));
        } else if (setup == QLatin1String("junk")) {
            QVERIFY(relink(at(QStringLiteral("junk"))));
        } else if (setup == QLatin1String("truncated")) {
            QFile f(debug);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const auto bytes = f.readAll();
            writeFile(at(QStringLiteral("truncated.debug")), bytes.left(bytes.size() / 2));
            QVERIFY(relink(at(QStringLiteral("truncated.debug"))));
        } else {
            // The section replaced by random bytes; the build-id still matches.
            QVERIFY(objcopy({QStringLiteral("--update-section"),
                             setup + QStringLiteral("=") + at(QStringLiteral("junk")), debug,
                             at(QStringLiteral("corrupt.debug"))}));
            QVERIFY(relink(at(QStringLiteral("corrupt.debug"))));
        }

        const auto image = ElfImage::load(program.toStdString());
        QCOMPARE(image->hasDebugInfo(), !debugFile.isEmpty());
        QCOMPARE(canonical(image->separateDebugFile()),
                 debugFile.isEmpty() ? QString()
                                     : canonical(QDir(dir.path()).filePath(debugFile).toStdString()));
        const auto* target = findSymbol(image->symbols(), "fx_debug_target");
        QVERIFY(target);
        const auto location = image->sourceLocation(target->value);
        QCOMPARE(location.has_value(), expect != QLatin1String("none"));
        if (location)
            QCOMPARE(location->line, kDebugTargetLine);
        if (expect == QLatin1String("location")) {
            QCOMPARE(canonical(location->file), canonical(kDebugSource));
            QCOMPARE(qs(location->function), QStringLiteral("fx_debug_target"));
        }
        for (const auto a : addressesOf(*image, {"fx_debug_target", "main"})) {
            const auto other = image->sourceLocation(a);
            QVERIFY2(other.has_value() == location.has_value(), qPrintable(describe(other)));
        }
    }

    void noDebugInfo() {
        const auto image = ElfImage::load(kLs);
        const auto& id = image->buildId();
        QVERIFY(id.size() > 2);
        if (QFile::exists(qs("/usr/lib/debug/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug")))
            QSKIP("coreutils-dbgsym is installed");
        QVERIFY(!image->hasDebugInfo());
        QVERIFY(image->separateDebugFile().empty());
        QVERIFY(!image->sourceLocation(image->entry()));
        for (const auto a : image->functionStarts())
            QVERIFY(!image->sourceLocation(a));
    }

    // Debian's libc6-dbg installs /usr/lib/debug/.build-id/xx/yyyy.debug (with compressed sections).
    // llvm-symbolizer reads it the same way: the files and lines must agree, and our linkage name
    // must contain its DW_AT_name (--functions=short; it takes linkage names from the symbol table).
    // binutils' addr2line is the independent check for the lines (it misnames the file of some
    // DWARF 5 units: getprtent.c for getXXent.c; its function names come from .symtab).
    void libcThroughBuildId() {
        const auto libc = ElfImage::load(kLibc);
        const auto& id = libc->buildId();
        QVERIFY(id.size() > 2);
        const auto debugFile = "/usr/lib/debug/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
        if (!QFile::exists(qs(debugFile)))
            QSKIP("libc6-dbg is not installed");
        QVERIFY(libc->hasDebugInfo());
        QCOMPARE(libc->separateDebugFile(), debugFile);
        // Every 25th defined function of .dynsym, at its start and a few bytes in.
        std::vector<std::uint64_t> addresses;
        std::size_t n = 0;
        for (const auto& s : libc->dynamicSymbols()) {
            if (s.defined && s.type == 2 /* STT_FUNC */ && s.size > 8 && n++ % 25 == 0) {
                addresses.push_back(s.value);
                addresses.push_back(s.value + 5);
            }
        }
        QVERIFY(addresses.size() > 100);
        const auto symbolizer = llvmSymbolizer(kLibc, addresses);
        const auto binutils = addr2line(kLibc, addresses);
        QCOMPARE(symbolizer.size(), addresses.size());
        QCOMPARE(binutils.size(), addresses.size());
        std::size_t located = 0;
        for (std::size_t i = 0; i < addresses.size(); ++i) {
            const auto actual = libc->sourceLocation(addresses[i]);
            if (actual.has_value() != symbolizer[i].has_value() ||
                (actual && (actual->file != symbolizer[i]->file || actual->line != symbolizer[i]->line ||
                            actual->function.find(symbolizer[i]->function) == std::string::npos)))
                QFAIL(qPrintable(QStringLiteral("0x%1: %2, llvm-symbolizer says %3")
                                     .arg(addresses[i], 0, 16)
                                     .arg(describe(actual), describe(symbolizer[i]))));
            if (actual.has_value() != binutils[i].has_value() ||
                (actual && actual->line != binutils[i]->line))
                QFAIL(qPrintable(QStringLiteral("0x%1: %2, addr2line says %3")
                                     .arg(addresses[i], 0, 16)
                                     .arg(describe(actual), describe(binutils[i]))));
            located += actual.has_value();
        }
        QVERIFY2(located > addresses.size() * 9 / 10, qPrintable(QString::number(located)));
    }

    // The first calls race to read the debug file and create the DWARF context.
    void sourceLocationFromThreads() {
        const auto path = fixture("fx_debuginfo_stripped");
        const auto reference = ElfImage::load(path);
        const auto text = std::find_if(reference->sections().begin(), reference->sections().end(),
                                       [](const auto& s) { return s.name == ".text"; });
        QVERIFY(text != reference->sections().end());
        std::vector<QString> expected;
        for (auto a = text->address; a < text->address + text->size; ++a)
            expected.push_back(describe(reference->sourceLocation(a)));
        const auto located =
            expected.size() - static_cast<std::size_t>(std::count(expected.begin(), expected.end(),
                                                                  QStringLiteral("no location")));
        QVERIFY(located >= addressesOf(*reference, {"fx_debug_target", "main"}).size());

        const auto image = ElfImage::load(path);
        std::vector<std::vector<QString>> results(4, std::vector<QString>(expected.size()));
        std::vector<char> debugInfo(results.size()); // not vector<bool>: the threads write their own
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < results.size(); ++t) {
            threads.emplace_back([&, t] {
                debugInfo[t] = image->hasDebugInfo();
                for (std::size_t k = 0; k < expected.size(); ++k) {
                    const auto i = (k + t * expected.size() / results.size()) % expected.size();
                    results[t][i] = describe(image->sourceLocation(text->address + i));
                }
            });
        }
        for (auto& t : threads)
            t.join();
        for (std::size_t t = 0; t < results.size(); ++t) {
            QVERIFY(debugInfo[t]);
            QCOMPARE(results[t], expected);
        }
    }
};

QTEST_GUILESS_MAIN(TestElfImage)
#include "tst_elf_image.moc"
