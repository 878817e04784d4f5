// Image layers applied onto a root directory: whiteouts, opaque directories, links, and every way a
// hostile layer tries to write outside the root or create what it must not. The layers are real tar
// archives (gzip and zstd too) written with libarchive.
#include "image/image.h"
#include "image/layer_unpack.h"
#include "util/error.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <archive.h>
#include <archive_entry.h>

#include <sys/stat.h>

#include <string>
#include <vector>

using namespace swb;

namespace {

struct Entry {
    enum Kind { File, Dir, Symlink, Hardlink, Fifo, CharDevice } kind = File;
    std::string name;
    std::string data; // file contents, or the link target
    int mode = 0644;
};

Entry file(std::string name, std::string data, int mode = 0644) {
    return {Entry::File, std::move(name), std::move(data), mode};
}
Entry directory(std::string name) {
    return {Entry::Dir, std::move(name), {}, 0755};
}
Entry linkTo(std::string name, std::string target) {
    return {Entry::Symlink, std::move(name), std::move(target), 0777};
}
Entry hardLinkTo(std::string name, std::string target) {
    return {Entry::Hardlink, std::move(name), std::move(target), 0644};
}

// A tar layer; FILTER "gzip", "zstd" or "" (plain).
void writeLayer(const QString& path, const std::vector<Entry>& entries, const char* filter = "") {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (std::string(filter) == "gzip")
        archive_write_add_filter_gzip(a);
    else if (std::string(filter) == "zstd")
        archive_write_add_filter_zstd(a);
    QVERIFY(archive_write_open_filename(a, QFile::encodeName(path).constData()) == ARCHIVE_OK);
    for (const Entry& e : entries) {
        archive_entry* ae = archive_entry_new();
        archive_entry_set_pathname(ae, e.name.c_str());
        archive_entry_set_perm(ae, static_cast<mode_t>(e.mode));
        switch (e.kind) {
        case Entry::File:
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_size(ae, static_cast<la_int64_t>(e.data.size()));
            break;
        case Entry::Dir:
            archive_entry_set_filetype(ae, AE_IFDIR);
            break;
        case Entry::Symlink:
            archive_entry_set_filetype(ae, AE_IFLNK);
            archive_entry_set_symlink(ae, e.data.c_str());
            break;
        case Entry::Hardlink:
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_hardlink(ae, e.data.c_str());
            break;
        case Entry::Fifo:
            archive_entry_set_filetype(ae, AE_IFIFO);
            break;
        case Entry::CharDevice:
            archive_entry_set_filetype(ae, AE_IFCHR);
            archive_entry_set_rdevmajor(ae, 1);
            archive_entry_set_rdevminor(ae, 3);
            break;
        }
        QVERIFY(archive_write_header(a, ae) == ARCHIVE_OK);
        if (e.kind == Entry::File && !e.data.empty())
            QVERIFY(archive_write_data(a, e.data.data(), e.data.size()) ==
                    static_cast<la_ssize_t>(e.data.size()));
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
}

QString read(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QStringLiteral("<missing>");
}

// Every path under DIR, relative, sorted (symlinks not followed).
QStringList tree(const QString& dir) {
    QStringList out;
    QDirIterator it(dir, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System,
                    QDirIterator::Subdirectories);
    while (it.hasNext())
        out << QDir(dir).relativeFilePath(it.next());
    out.sort();
    return out;
}

QString digestOf(const QString& path) {
    return QString::fromStdString(sha256OfFile(QFile::encodeName(path).toStdString()));
}

void writeJson(const QString& path, const QJsonValue& value) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(value.isArray() ? QJsonDocument(value.toArray()).toJson()
                            : QJsonDocument(value.toObject()).toJson());
}

// Moves FILE into LAYOUT's blobs under its digest; returns the digest.
QString toBlob(const QString& layout, const QString& file) {
    const QString digest = digestOf(file);
    QDir().mkpath(layout + QStringLiteral("/blobs/sha256"));
    QFile::rename(file, layout + QStringLiteral("/blobs/sha256/") + digest.mid(7));
    return digest;
}

QJsonObject imageConfig(const QStringList& diffIds) {
    return QJsonObject{
        {QStringLiteral("architecture"), QStringLiteral("amd64")},
        {QStringLiteral("os"), QStringLiteral("linux")},
        {QStringLiteral("config"),
         QJsonObject{
             {QStringLiteral("Entrypoint"), QJsonArray{QStringLiteral("/usr/bin/app")}},
             {QStringLiteral("Cmd"), QJsonArray{QStringLiteral("--serve")}},
             {QStringLiteral("Env"), QJsonArray{QStringLiteral("PATH=/usr/bin")}},
             {QStringLiteral("WorkingDir"), QStringLiteral("/srv")},
             {QStringLiteral("User"), QStringLiteral("1000:1000")},
             {QStringLiteral("ExposedPorts"), QJsonObject{{QStringLiteral("6379/tcp"), QJsonObject{}}}},
             {QStringLiteral("Labels"),
              QJsonObject{{QStringLiteral("org.example"), QStringLiteral("yes")}}}}},
        {QStringLiteral("rootfs"),
         QJsonObject{{QStringLiteral("type"), QStringLiteral("layers")},
                     {QStringLiteral("diff_ids"), QJsonArray::fromStringList(diffIds)}}}};
}

// An OCI image layout at DIR from LAYERS (every second one gzip-compressed) and CONFIG (its
// rootfs.diff_ids filled in); returns the layer digests.
QStringList makeOciLayoutWith(const QString& dir, const std::vector<std::vector<Entry>>& layers,
                              QJsonObject config) {
    QDir().mkpath(dir);
    QStringList digests;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const QString file = dir + QStringLiteral("/layer%1").arg(i);
        writeLayer(file, layers[i], i % 2 ? "gzip" : "");
        digests << toBlob(dir, file);
    }
    QJsonObject rootfs{{QStringLiteral("type"), QStringLiteral("layers")},
                       {QStringLiteral("diff_ids"), QJsonArray::fromStringList(digests)}};
    config[QStringLiteral("rootfs")] = rootfs;
    writeJson(dir + QStringLiteral("/config.json"), config);
    const QString configDigest = toBlob(dir, dir + QStringLiteral("/config.json"));
    auto descriptor = [](const QString& type, const QString& digest) {
        return QJsonObject{{QStringLiteral("mediaType"), type},
                           {QStringLiteral("digest"), digest},
                           {QStringLiteral("size"), 1}};
    };
    QJsonArray layerDescriptors;
    for (int i = 0; i < digests.size(); ++i)
        layerDescriptors.append(descriptor(i % 2
                                               ? QStringLiteral("application/vnd.oci.image.layer.v1.tar+gzip")
                                               : QStringLiteral("application/vnd.oci.image.layer.v1.tar"),
                                           digests[i]));
    writeJson(dir + QStringLiteral("/manifest.json"),
              QJsonObject{
                  {QStringLiteral("schemaVersion"), 2},
                  {QStringLiteral("mediaType"), QStringLiteral("application/vnd.oci.image.manifest.v1+json")},
                  {QStringLiteral("config"),
                   descriptor(QStringLiteral("application/vnd.oci.image.config.v1+json"), configDigest)},
                  {QStringLiteral("layers"), layerDescriptors}});
    const QString manifest = toBlob(dir, dir + QStringLiteral("/manifest.json"));
    writeJson(dir + QStringLiteral("/index.json"),
              QJsonObject{{QStringLiteral("schemaVersion"), 2},
                          {QStringLiteral("manifests"),
                           QJsonArray{descriptor(QStringLiteral("application/vnd.oci.image.manifest.v1+json"),
                                                 manifest)}}});
    QFile layout(dir + QStringLiteral("/oci-layout"));
    layout.open(QIODevice::WriteOnly);
    layout.write(R"({"imageLayoutVersion": "1.0.0"})");
    return digests;
}

QStringList makeOciLayout(const QString& dir) {
    return makeOciLayoutWith(dir,
                             {{directory("usr/bin"), file("usr/bin/app", "v1", 0755), file("etc/a", "a")},
                              {file("usr/bin/app", "v2", 0755), file("etc/.wh.a", "")}},
                             imageConfig({}));
}

std::string bytesOf(const QString& path) {
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return f.readAll().toStdString();
}

struct Run {
    int code = -1;
    QString out, err;
};

Run runSwb(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral(SWB_BIN_DIR "/swb"), args);
    Run r;
    if (!p.waitForFinished(60000))
        return r;
    r.code = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

} // namespace

class TstLayerUnpack : public QObject {
    Q_OBJECT
private slots:
    void layersStackWithWhiteoutsAndLinks_data() {
        QTest::addColumn<QString>("filter");
        QTest::newRow("tar") << QString();
        QTest::newRow("gzip") << QStringLiteral("gzip");
        QTest::newRow("zstd") << QStringLiteral("zstd");
    }
    void layersStackWithWhiteoutsAndLinks() {
        QFETCH(QString, filter);
        QTemporaryDir work;
        const QString root = work.filePath(QStringLiteral("rootfs"));
        QVERIFY(QDir().mkpath(root));
        const QByteArray f = filter.toLatin1();
        writeLayer(work.filePath(QStringLiteral("1.tar")),
                   {directory("usr"), directory("usr/bin"), file("usr/bin/app", "v1", 0755),
                    linkTo("bin", "usr/bin"), directory("etc"), file("etc/old.conf", "old"),
                    file("etc/keep.conf", "keep"), directory("var/cache"), file("var/cache/a", "a"),
                    file("var/cache/b", "b"), file("usr/bin/sudo", "s", 04755)},
                   f.constData());
        writeLayer(work.filePath(QStringLiteral("2.tar")),
                   {file("etc/.wh.old.conf", ""), file("var/cache/new", "n"),
                    file("var/cache/.wh..wh..opq", ""),
                    // Written through the symlinked directory bin -> usr/bin, as Docker does.
                    file("bin/tool", "t", 0755), hardLinkTo("usr/bin/tool2", "usr/bin/tool"),
                    file("usr/bin/app", "v2", 0755)},
                   f.constData());
        UnpackReport report;
        const UnpackLimits limits;
        applyLayer(QFile::encodeName(work.filePath(QStringLiteral("1.tar"))).toStdString(), "layer 1",
                   QFile::encodeName(root).toStdString(), limits, report);
        applyLayer(QFile::encodeName(work.filePath(QStringLiteral("2.tar"))).toStdString(), "layer 2",
                   QFile::encodeName(root).toStdString(), limits, report);
        QCOMPARE(tree(root),
                 (QStringList{QStringLiteral("bin"), QStringLiteral("etc"), QStringLiteral("etc/keep.conf"),
                              QStringLiteral("usr"), QStringLiteral("usr/bin"), QStringLiteral("usr/bin/app"),
                              QStringLiteral("usr/bin/sudo"), QStringLiteral("usr/bin/tool"),
                              QStringLiteral("usr/bin/tool2"), QStringLiteral("var"),
                              QStringLiteral("var/cache"), QStringLiteral("var/cache/new")}));
        QCOMPARE(read(root + QStringLiteral("/usr/bin/app")), QStringLiteral("v2"));
        QCOMPARE(QFileInfo(root + QStringLiteral("/bin")).symLinkTarget(), root + QStringLiteral("/usr/bin"));
        struct stat a {
        }, b{};
        QCOMPARE(::stat(QFile::encodeName(root + QStringLiteral("/usr/bin/tool")).constData(), &a), 0);
        QCOMPARE(::stat(QFile::encodeName(root + QStringLiteral("/usr/bin/tool2")).constData(), &b), 0);
        QCOMPARE(a.st_ino, b.st_ino);
        QVERIFY(a.st_mode & S_IXUSR);
        // The setuid bit is dropped, and said.
        struct stat sudo {};
        QCOMPARE(::stat(QFile::encodeName(root + QStringLiteral("/usr/bin/sudo")).constData(), &sudo), 0);
        QCOMPARE(sudo.st_mode & S_ISUID, 0u);
        QCOMPARE(report.skipped.size(), std::size_t(1));
        QVERIFY(report.skipped.front().find("usr/bin/sudo: setuid") != std::string::npos);
        QCOMPARE(report.whiteouts, std::uint64_t(2));
        QCOMPARE(report.hardlinks, std::uint64_t(1));
    }

    void hostileLayersStayInside_data() {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("problem"); // empty: applied, but nothing escaped
        QTest::newRow("dot-dot") << 0
                                 << QStringLiteral("entry '../escaped': '..' would leave the image root");
        QTest::newRow("absolute") << 1 << QStringLiteral("entry '/escaped': absolute name");
        // The symlink is resolved inside the root, where its target does not exist: refused.
        QTest::newRow("symlinked parent")
            << 2 << QStringLiteral("entry 'evil/escaped': cannot open its directory 'evil'");
        QTest::newRow("symlink to a parent") << 3 << QString();
        QTest::newRow("hard link out")
            << 4 << QStringLiteral("entry 'link' (hard link): entry '../outside/canary': '..' would leave");
        QTest::newRow("hard link through symlink") << 5 << QStringLiteral("which is not in the image");
        QTest::newRow("device and fifo") << 6 << QString();
        QTest::newRow("whiteout of a parent") << 7 << QStringLiteral("entry 'x/.wh...': malformed whiteout");
    }
    void hostileLayersStayInside() {
        QFETCH(int, which);
        QFETCH(QString, problem);
        QTemporaryDir work;
        const QString root = work.filePath(QStringLiteral("rootfs"));
        const QString outside = work.filePath(QStringLiteral("outside"));
        QVERIFY(QDir().mkpath(root));
        QVERIFY(QDir().mkpath(outside));
        {
            QFile canary(outside + QStringLiteral("/canary"));
            QVERIFY(canary.open(QIODevice::WriteOnly));
            canary.write("untouched");
        }
        const std::string out = QFile::encodeName(outside).toStdString();
        const std::vector<std::vector<Entry>> layers = {
            {file("../escaped", "x")},
            {file("/escaped", "x")},
            // A symlink to the host directory, then a file "through" it: lands inside the root.
            {linkTo("evil", out), file("evil/escaped", "x"), file("evil/canary", "overwritten")},
            {linkTo("up", "../../.."), file("up/escaped", "x")},
            {file("a", "a"), hardLinkTo("link", "../outside/canary")},
            {linkTo("host", out), hardLinkTo("link", "host/canary")},
            {Entry{Entry::CharDevice, "dev/null", {}, 0666}, Entry{Entry::Fifo, "run/fifo", {}, 0644},
             file("ok", "ok")},
            {file("x/.wh...", "")},
        };
        const QString layer = work.filePath(QStringLiteral("layer.tar"));
        writeLayer(layer, layers.at(static_cast<std::size_t>(which)));
        UnpackReport report;
        QString error;
        try {
            applyLayer(QFile::encodeName(layer).toStdString(), "layer 1 (sha256:test)",
                       QFile::encodeName(root).toStdString(), UnpackLimits{}, report);
        } catch (const Error& e) {
            error = QString::fromStdString(e.what());
        }
        if (problem.isEmpty()) {
            QVERIFY2(error.isEmpty(), qPrintable(error));
        } else {
            QVERIFY2(error.startsWith(QStringLiteral("layer 1 (sha256:test): ")) && error.contains(problem),
                     qPrintable(error));
        }
        // Outside the root: only what was there before.
        QCOMPARE(tree(work.path()).filter(QRegularExpression(QStringLiteral("^(?!rootfs)"))),
                 (QStringList{QStringLiteral("layer.tar"), QStringLiteral("outside"),
                              QStringLiteral("outside/canary")}));
        QCOMPARE(read(outside + QStringLiteral("/canary")), QStringLiteral("untouched"));
        if (which == 3) // the symlink's "../../.." is the root itself
            QCOMPARE(read(root + QStringLiteral("/escaped")), QStringLiteral("x"));
        if (which == 6) {
            QVERIFY(!QFileInfo::exists(root + QStringLiteral("/dev/null")));
            QVERIFY(!QFileInfo::exists(root + QStringLiteral("/run/fifo")));
            QCOMPARE(report.skipped.size(), std::size_t(2));
            QCOMPARE(read(root + QStringLiteral("/ok")), QStringLiteral("ok"));
        }
    }

    void limitsAndTruncation() {
        QTemporaryDir work;
        const QString root = work.filePath(QStringLiteral("rootfs"));
        QVERIFY(QDir().mkpath(root));
        const QString layer = work.filePath(QStringLiteral("big.tar"));
        writeLayer(layer, {file("small", "1234"), file("big", std::string(5000, 'x'))});
        UnpackLimits limits;
        limits.maxEntryBytes = 4096;
        UnpackReport report;
        try {
            applyLayer(QFile::encodeName(layer).toStdString(), "layer 1",
                       QFile::encodeName(root).toStdString(), limits, report);
            QFAIL("a file over the limit was written");
        } catch (const Error& e) {
            QVERIFY2(QString::fromLatin1(e.what()).contains(
                         QStringLiteral("entry 'big': file of 5000 bytes is over the limit")),
                     e.what());
        }
        // A layer cut short is an error naming the layer, not a silently smaller root.
        QFile f(layer);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.resize(1536));
        f.close();
        QTemporaryDir again;
        UnpackReport r2;
        try {
            applyLayer(QFile::encodeName(layer).toStdString(), "layer 7",
                       QFile::encodeName(again.path()).toStdString(), UnpackLimits{}, r2);
            QFAIL("a truncated layer was accepted");
        } catch (const Error& e) {
            QVERIFY2(QString::fromLatin1(e.what()).startsWith(QStringLiteral("layer 7: ")), e.what());
        }
    }

    void ociLayoutIsReadAndUnpacked() {
        QTemporaryDir work;
        const QString layout = work.filePath(QStringLiteral("layout"));
        const QStringList layers = makeOciLayout(layout);
        const Image image = openImage("oci:" + QFile::encodeName(layout).toStdString());
        QCOMPARE(image.kindName(), std::string("oci"));
        QCOMPARE(image.config.entrypoint, std::vector<std::string>{"/usr/bin/app"});
        QCOMPARE(image.config.cmd, std::vector<std::string>{"--serve"});
        QCOMPARE(image.config.user, std::string("1000:1000"));
        QCOMPARE(image.config.workingDir, std::string("/srv"));
        QCOMPARE(image.config.exposedPorts, std::vector<std::string>{"6379/tcp"});
        QCOMPARE(image.config.labels.at("org.example"), std::string("yes"));
        QCOMPARE(image.layers.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(image.layers[1].digest), layers[1]);
        // Detected without the prefix, too.
        QCOMPARE(openImage(QFile::encodeName(layout).toStdString()).kindName(), std::string("oci"));
        const QString root = work.filePath(QStringLiteral("root"));
        QVERIFY(QDir().mkpath(root));
        const UnpackReport r = unpackImage(image, QFile::encodeName(root).toStdString());
        QCOMPARE(read(root + QStringLiteral("/usr/bin/app")), QStringLiteral("v2"));
        QVERIFY(!QFileInfo::exists(root + QStringLiteral("/etc/a")));
        QCOMPARE(r.whiteouts, std::uint64_t(1));

        // The CLI: inspect, unpack into a new directory, never into an existing one.
        const Run shown = runSwb({QStringLiteral("image"), QStringLiteral("inspect"), layout});
        QVERIFY2(shown.code == 0, qPrintable(shown.err));
        QVERIFY2(shown.out.contains(QStringLiteral("entrypoint:  /usr/bin/app")) &&
                     shown.out.contains(QStringLiteral("exposed:     6379/tcp")) &&
                     shown.out.contains(layers[0]),
                 qPrintable(shown.out));
        const QString out = work.filePath(QStringLiteral("unpacked"));
        const Run unpacked =
            runSwb({QStringLiteral("image"), QStringLiteral("unpack"), layout, QStringLiteral("-o"), out});
        QVERIFY2(unpacked.code == 0, qPrintable(unpacked.err));
        QCOMPARE(read(out + QStringLiteral("/usr/bin/app")), QStringLiteral("v2"));
        const Run again =
            runSwb({QStringLiteral("image"), QStringLiteral("unpack"), layout, QStringLiteral("-o"), out});
        QCOMPARE(again.code, 1);
        QVERIFY2(again.err.contains(QStringLiteral("exists")), qPrintable(again.err));

        // A layer changed after the manifest was written: refused, naming the layer; nothing left.
        {
            QFile blob(layout + QStringLiteral("/blobs/sha256/") + layers[0].mid(7));
            QVERIFY(blob.open(QIODevice::ReadWrite));
            blob.seek(blob.size() - 1);
            blob.write("!");
        }
        const QString bad = work.filePath(QStringLiteral("bad"));
        const Run refused =
            runSwb({QStringLiteral("image"), QStringLiteral("unpack"), layout, QStringLiteral("-o"), bad});
        QCOMPARE(refused.code, 1);
        QVERIFY2(refused.err.contains(QStringLiteral("layer 1 of 2 (") + layers[0] +
                                      QStringLiteral("): digest mismatch")),
                 qPrintable(refused.err));
        QVERIFY(!QFileInfo::exists(bad));
        QCOMPARE(QDir(work.path()).entryList(QStringList{QStringLiteral("bad*")}, QDir::AllEntries),
                 QStringList());
    }

    void dockerArchiveIsReadAndUnpacked() {
        QTemporaryDir work;
        // docker save: manifest.json, the config as <hex>.json, each layer as <id>/layer.tar.
        const QString staging = work.filePath(QStringLiteral("save"));
        QDir().mkpath(staging + QStringLiteral("/aaa"));
        writeLayer(staging + QStringLiteral("/aaa/layer.tar"), {file("bin/sh", "shell", 0755)});
        const QString diff = digestOf(staging + QStringLiteral("/aaa/layer.tar"));
        writeJson(staging + QStringLiteral("/config.json"), imageConfig({diff}));
        writeJson(
            staging + QStringLiteral("/manifest.json"),
            QJsonArray{QJsonObject{{QStringLiteral("Config"), QStringLiteral("config.json")},
                                   {QStringLiteral("RepoTags"), QJsonArray{QStringLiteral("app:1")}},
                                   {QStringLiteral("Layers"), QJsonArray{QStringLiteral("aaa/layer.tar")}}}});
        auto contents = [](const QString& p) {
            QFile f(p);
            f.open(QIODevice::ReadOnly);
            return f.readAll().toStdString();
        };
        const QString archive = work.filePath(QStringLiteral("app.tar"));
        writeLayer(archive,
                   {file("manifest.json", contents(staging + QStringLiteral("/manifest.json"))),
                    file("config.json", contents(staging + QStringLiteral("/config.json"))), directory("aaa"),
                    file("aaa/layer.tar", contents(staging + QStringLiteral("/aaa/layer.tar")))});
        const Image image = openImage(QFile::encodeName(archive).toStdString());
        QCOMPARE(image.kindName(), std::string("docker-archive"));
        QCOMPARE(image.layers.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(image.layers[0].digest), diff);
        const std::string staged = *image.staging;
        QVERIFY(QFileInfo::exists(QString::fromStdString(staged)));
        QTemporaryDir root;
        unpackImage(image, QFile::encodeName(root.path()).toStdString());
        QCOMPARE(read(root.filePath(QStringLiteral("bin/sh"))), QStringLiteral("shell"));
        {
            const Image copy = image;
            Q_UNUSED(copy);
        }
        // A truncated archive is an error naming it.
        QFile f(archive);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.resize(f.size() / 2));
        f.close();
        QVERIFY_THROWS_EXCEPTION(Error, openImage(QFile::encodeName(archive).toStdString()));
    }

    void analyzesTheProgramAnImageStarts() {
        // A static program behind a shell-script entrypoint, and a script whose target is only
        // known at run time ("$@"), whose interpreter is analyzed instead, with a warning.
        QTemporaryDir work;
        const std::string program = bytesOf(QStringLiteral(SWB_FIXTURE_DIR "/fx_exitonly"));
        const std::string shell = bytesOf(QStringLiteral(SWB_FIXTURE_DIR "/fx_static_raw"));
        QVERIFY(!program.empty() && !shell.empty());
        auto config = [](const QString& entry) {
            QJsonObject c = imageConfig({});
            QJsonObject cfg = c[QStringLiteral("config")].toObject();
            cfg[QStringLiteral("Entrypoint")] = QJsonArray{entry};
            cfg[QStringLiteral("Cmd")] = QJsonArray{QStringLiteral("serve")};
            c[QStringLiteral("config")] = cfg;
            return c;
        };
        const std::vector<Entry> base = {
            file("app/fx", program, 0755), file("bin/sh", shell, 0755),
            file("entry.sh", "#!/bin/sh\nset -e\n# start it\nexec /app/fx \"$@\"\n", 0755),
            file("generic.sh", "#!/bin/sh\nexec \"$@\"\n", 0755)};
        const QString direct = work.filePath(QStringLiteral("direct"));
        makeOciLayoutWith(direct, {base}, config(QStringLiteral("/entry.sh")));
        const QString out = work.filePath(QStringLiteral("direct.swbanalysis"));
        const Run run = runSwb({QStringLiteral("analyze"), QStringLiteral("--image"), direct,
                                QStringLiteral("--no-cache"), QStringLiteral("-o"), out});
        QVERIFY2(run.code == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains(
                     QStringLiteral("entrypoint: /entry.sh (script, run by /bin/sh) -> exec /app/fx")),
                 qPrintable(run.err));
        QVERIFY2(run.err.contains(QStringLiteral("analyzing /app/fx")), qPrintable(run.err));
        // The shell runs the script before the exec: it gets an analysis of its own, named loudly.
        const QString viaSh = work.filePath(QStringLiteral("direct.via-sh.swbanalysis"));
        QVERIFY2(QFile::exists(viaSh), qPrintable(run.err));
        QVERIFY2(run.err.contains(QStringLiteral("warning: the container runs 2 programs")),
                 qPrintable(run.err));
        const Run shNames = runSwb({QStringLiteral("syscalls"), viaSh});
        QVERIFY2(shNames.out.split(QLatin1Char('\n')).contains(QStringLiteral("write")),
                 qPrintable(shNames.out));
        const Run names = runSwb({QStringLiteral("syscalls"), out});
        QVERIFY2(names.out.split(QLatin1Char('\n')).contains(QStringLiteral("exit_group")),
                 qPrintable(names.out));
        // No scratch root is left behind.
        QCOMPARE(QDir(QDir::tempPath()).entryList({QStringLiteral("swb-rootfs.*")}, QDir::Dirs).size(), 0);

        const QString generic = work.filePath(QStringLiteral("generic"));
        makeOciLayoutWith(generic, {base}, config(QStringLiteral("/generic.sh")));
        const Run fallback = runSwb({QStringLiteral("analyze"), QStringLiteral("--image"), generic,
                                     QStringLiteral("--no-cache"), QStringLiteral("-o"),
                                     work.filePath(QStringLiteral("generic.swbanalysis"))});
        QVERIFY2(fallback.code == 0, qPrintable(fallback.err));
        QVERIFY2(fallback.err.contains(
                     QStringLiteral("warning: /generic.sh is a script whose exec'd program cannot be told")),
                 qPrintable(fallback.err));
        QVERIFY2(fallback.err.contains(QStringLiteral("analyzing /bin/sh")), qPrintable(fallback.err));

        // A command that is not in the image.
        const QString missing = work.filePath(QStringLiteral("missing"));
        makeOciLayoutWith(missing, {base}, config(QStringLiteral("nginx")));
        const Run absent =
            runSwb({QStringLiteral("analyze"), QStringLiteral("--image"), missing, QStringLiteral("-o"),
                    work.filePath(QStringLiteral("missing.swbanalysis"))});
        QCOMPARE(absent.code, 1);
        QVERIFY2(absent.err.contains(QStringLiteral("'nginx' is not an executable file in the image")),
                 qPrintable(absent.err));
    }

    void busyboxImageApplicationAndContainerWide() {
        // Debian's busybox-static as a small real image: /bin/busybox and its applets as symlinks,
        // plus a second program; the entrypoint is /bin/sh (a symlink to busybox).
        const QString busybox = QStringLiteral("/bin/busybox");
        if (!QFileInfo::exists(busybox))
            QFAIL("busybox-static is not installed (scripts/deps.sh installs it)");
        QTemporaryDir work;
        QJsonObject c = imageConfig({});
        QJsonObject cfg = c[QStringLiteral("config")].toObject();
        cfg[QStringLiteral("Entrypoint")] = QJsonArray{};
        cfg[QStringLiteral("Cmd")] = QJsonArray{QStringLiteral("sh")};
        cfg[QStringLiteral("Env")] = QJsonArray{QStringLiteral("PATH=/bin:/usr/bin")};
        c[QStringLiteral("config")] = cfg;
        const QString layout = work.filePath(QStringLiteral("busybox"));
        makeOciLayoutWith(
            layout,
            {{directory("bin"), file("bin/busybox", bytesOf(busybox), 0755), linkTo("bin/sh", "busybox"),
              linkTo("bin/ls", "/bin/busybox"), directory("lib")},
             {file("usr/local/bin/fx", bytesOf(QStringLiteral(SWB_FIXTURE_DIR "/fx_exitonly")), 0755),
              hardLinkTo("usr/local/bin/fx-again", "usr/local/bin/fx")}},
            c);
        const QString app = work.filePath(QStringLiteral("sh.swbanalysis"));
        const Run one =
            runSwb({QStringLiteral("analyze"), QStringLiteral("--image"), layout, QStringLiteral("-o"), app});
        QVERIFY2(one.code == 0, qPrintable(one.err));
        QVERIFY2(one.err.contains(QStringLiteral("analyzing /bin/sh")), qPrintable(one.err));
        const Run appNames = runSwb({QStringLiteral("syscalls"), app});
        const QStringList appSet = appNames.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY2(appSet.size() > 40 && appSet.contains(QStringLiteral("exit_group")),
                 qPrintable(appNames.out));
        // A known soundness gap (issue 13): in Debian's static busybox the analyzer finds neither
        // execve nor fork/clone (one site stays unresolved), though every shell makes them. XPASS
        // here means it was fixed: drop this line then.
        QEXPECT_FAIL("", "static busybox: execve and fork/clone are not found statically (issue 13)",
                     Continue);
        QVERIFY2(appSet.contains(QStringLiteral("execve")) &&
                     (appSet.contains(QStringLiteral("fork")) || appSet.contains(QStringLiteral("clone"))),
                 qPrintable(appNames.out));

        const QString dir = work.filePath(QStringLiteral("all"));
        const Run wide = runSwb({QStringLiteral("analyze"), QStringLiteral("--image"), layout,
                                 QStringLiteral("--container-wide"), QStringLiteral("-o"), dir});
        QVERIFY2(wide.code == 0, qPrintable(wide.err));
        // busybox and fx once each: symlinks and the hard link are the same programs.
        QCOMPARE(QDir(dir).entryList({QStringLiteral("*.swbanalysis")}, QDir::Files),
                 (QStringList{QStringLiteral("bin_busybox.swbanalysis"),
                              QStringLiteral("usr_local_bin_fx.swbanalysis")}));
        QVERIFY2(wide.err.contains(QStringLiteral("2 of 2 executables analyzed")), qPrintable(wide.err));
        // The union holds the application's set.
        const Run union_ =
            runSwb({QStringLiteral("syscalls"), dir + QStringLiteral("/bin_busybox.swbanalysis"),
                    dir + QStringLiteral("/usr_local_bin_fx.swbanalysis")});
        const QStringList unionSet = union_.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        for (const QString& name : appSet)
            QVERIFY2(unionSet.contains(name), qPrintable(name));
        QVERIFY(unionSet.size() >= appSet.size());
        qInfo("busybox image: application-specific %lld syscalls, container-wide %lld",
              static_cast<long long>(appSet.size()), static_cast<long long>(unionSet.size()));
    }

    void digests() {
        QTemporaryDir work;
        const QString path = work.filePath(QStringLiteral("abc"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("abc");
        f.close();
        QCOMPARE(QString::fromStdString(sha256OfFile(QFile::encodeName(path).toStdString())),
                 QStringLiteral("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QVERIFY_THROWS_EXCEPTION(Error, sha256OfFile("/nonexistent/blob"));
    }
};

QTEST_GUILESS_MAIN(TstLayerUnpack)
#include "tst_layer_unpack.moc"
