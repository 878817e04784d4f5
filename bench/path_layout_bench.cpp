// Call-graph path layout: for every syscall of an analysis, the time to build its path graph and lay
// it out with Graphviz, exactly what the path view's background job does. Prints max and median.
//   swb_bench_path_layout ANALYSIS [--csv]
#include "graph/path_graph_view.h"
#include "model/syscall_table.h"
#include "static/analysis_file.h"

#include <QApplication>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s ANALYSIS [--csv]\n", argv[0]);
        return 2;
    }
    const bool csv = argc > 2 && std::strcmp(argv[2], "--csv") == 0;
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const swb::CallGraph graph = swb::readAnalysisFile(argv[1]);
    const auto& table = swb::SyscallTable::forArch(graph.arch);
    const QFont font = QApplication::font();

    struct Sample {
        double ms;
        int nr;
        std::size_t nodes;
        std::size_t paths;
    };
    std::vector<Sample> samples;
    // The first layout of a process also creates the Graphviz context and loads its plugins: timed
    // on its own, then every syscall is timed warm.
    const auto coldStart = std::chrono::steady_clock::now();
    swb::PathGraphView::computeLayout(graph, graph.syscalls().front(), {}, font);
    const double coldMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - coldStart).count();
    const auto t0 = std::chrono::steady_clock::now();
    for (int nr : graph.syscalls()) {
        const auto start = std::chrono::steady_clock::now();
        const auto layout = swb::PathGraphView::computeLayout(graph, nr, {}, font);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (!layout.layout.ok) {
            std::fprintf(stderr, "%s: layout failed\n", table.name(nr).c_str());
            return 1;
        }
        if (layout.graph.nodes.empty())
            continue; // a special case: no site, nothing to draw
        samples.push_back({ms, nr, layout.graph.nodes.size(), layout.graph.paths.size()});
        if (csv)
            std::printf("%s,%zu,%zu,%.2f\n", table.name(nr).c_str(), layout.graph.paths.size(),
                        layout.graph.nodes.size(), ms);
    }
    const double total =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (samples.empty()) {
        std::fprintf(stderr, "no syscall with a witness path\n");
        return 1;
    }
    std::sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) { return a.ms < b.ms; });
    const Sample& worst = samples.back();
    std::size_t maxNodes = 0;
    for (const auto& s : samples)
        maxNodes = std::max(maxNodes, s.nodes);
    std::printf("%zu functions, %zu syscalls laid out in %.0f ms\n", graph.functions.size(), samples.size(),
                total);
    std::printf("first layout of the process (%s, with Graphviz start-up): %.1f ms\n",
                table.name(graph.syscalls().front()).c_str(), coldMs);
    std::printf(
        "median %.1f ms, p90 %.1f ms, max %.1f ms (%s: %zu paths, %zu nodes); largest graph %zu nodes\n",
        samples[samples.size() / 2].ms, samples[samples.size() * 9 / 10].ms, worst.ms,
        table.name(worst.nr).c_str(), worst.paths, worst.nodes, maxNodes);
    return 0;
}
