// Renders the screenshot in docs/images/path-graph.png: the call-graph path view of one syscall next
// to its evidence panel, offscreen.
//   swb_docs_screenshot ANALYSIS SYSCALL OUT.png [TRACE]
#include "evidence/evidence_panel.h"
#include "graph/path_graph_view.h"
#include "model/syscall_table.h"
#include "static/analysis_file.h"
#include "trace/trace_file.h"

#include <QApplication>
#include <QSignalSpy>
#include <QSplitter>

#include <cstdio>

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s ANALYSIS SYSCALL OUT.png [TRACE]\n", argv[0]);
        return 2;
    }
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    auto graph = std::make_shared<const swb::CallGraph>(swb::readAnalysisFile(argv[1]));
    const auto nr = swb::SyscallTable::forArch(graph->arch).number(argv[2]);
    if (!nr) {
        std::fprintf(stderr, "unknown syscall %s\n", argv[2]);
        return 2;
    }
    std::optional<swb::Trace> trace;
    if (argc > 4)
        trace = swb::readTraceFile(argv[4]).trace;
    swb::EvidenceInputs in;
    in.graphs = {graph.get()};
    if (trace)
        in.traces = {&*trace};
    const swb::EvidenceSet evidence = swb::buildEvidence(in);

    QSplitter window;
    window.setObjectName(QStringLiteral("screenshotWindow"));
    auto* view = new swb::PathGraphView(&window);
    auto* panel = new swb::EvidencePanel(&window);
    window.addWidget(view);
    window.addWidget(panel);
    window.resize(1400, 820);
    window.setSizes({900, 500});
    window.show();
    QSignalSpy finished(view, &swb::PathGraphView::layoutFinished);
    view->setSyscall(graph, *nr);
    if (!finished.wait(30000)) {
        std::fprintf(stderr, "layout did not finish\n");
        return 1;
    }
    const auto it = evidence.bySyscall.find(*nr);
    panel->setSyscall(*nr, it == evidence.bySyscall.end() ? nullptr : &it->second, trace ? &*trace : nullptr);
    QApplication::processEvents();
    if (!window.grab().save(QString::fromLocal8Bit(argv[3]), "PNG")) {
        std::fprintf(stderr, "cannot write %s\n", argv[3]);
        return 1;
    }
    return 0;
}
