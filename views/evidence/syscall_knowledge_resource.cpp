#include "evidence/syscall_knowledge_resource.h"

#include "resources_init.h"
#include "util/error.h"

#include <QFile>
#include <QtDebug>

namespace swb {

const SyscallKnowledgeBase& bundledSyscallKnowledge() {
    static const SyscallKnowledgeBase kb = [] {
        initResources();
        const QString path = QStringLiteral(":/swb/syscalls/knowledge.json");
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            qWarning("%s: %s", qPrintable(path), qPrintable(file.errorString()));
            return SyscallKnowledgeBase();
        }
        const QByteArray data = file.readAll();
        try {
            return SyscallKnowledgeBase::parse(
                std::string_view(data.constData(), static_cast<std::size_t>(data.size())),
                path.toStdString());
        } catch (const Error& e) {
            qWarning("%s", e.what());
            return SyscallKnowledgeBase();
        }
    }();
    return kb;
}

} // namespace swb
