// Timeline repaint benchmark: renders the full range of a synthetic 1,000,000-event trace with 8
// lanes (2 processes of 3 threads) into a QImage, 20 times, and prints the median.
//   swb_bench_timeline [EVENTS]
//   swb_bench_timeline --screenshot TRACE.swbtrace OUT.png   the timeline panel on a real trace
// Runs on the offscreen platform unless QT_QPA_PLATFORM says otherwise.
#include "phase/phase.h"
#include "timeline/timeline_panel.h"
#include "timeline/timeline_view.h"
#include "trace/trace_file.h"
#include "util/error.h"

#include <QApplication>
#include <QImage>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <sys/syscall.h>

using namespace swb;

namespace {

std::shared_ptr<Trace> syntheticTrace(std::size_t events) {
    auto t = std::make_shared<Trace>();
    for (Pid pid : {1000, 2000}) {
        ProcessInfo p;
        p.pid = pid;
        p.image = "/usr/bin/worker";
        p.threads = {pid, pid + 1, pid + 2};
        t->addProcess(p);
    }
    const int numbers[] = {SYS_read,       SYS_write,  SYS_futex, SYS_mmap,          SYS_sendto, SYS_recvfrom,
                           SYS_epoll_wait, SYS_openat, SYS_close, SYS_clock_gettime, SYS_getpid, SYS_brk};
    t->reserve(events);
    std::uint32_t x = 12345;
    std::int64_t time = 0;
    for (std::size_t i = 0; i < events; ++i) {
        x = x * 1664525u + 1013904223u; // a fixed LCG: the same trace on every run
        time += 1 + (x >> 24) % 2000;   // about 1 µs apart, 1 s in all
        SyscallEvent e;
        e.timeNs = time;
        e.pid = (x >> 8) % 2 ? 2000 : 1000;
        e.tid = e.pid + static_cast<Pid>((x >> 12) % 3);
        e.nr = numbers[(x >> 16) % std::size(numbers)];
        e.flags = (x >> 4) % 100000 == 0 ? EventViolation : 0;
        t->append(e);
    }
    return t;
}

int bench(std::size_t events) {
    const auto t0 = std::chrono::steady_clock::now();
    auto trace = syntheticTrace(events);
    TimelineView view;
    view.setTrace(trace);
    const double indexMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    view.resize(1600, TimelineView::kAxisHeight + view.laneCount() * TimelineView::kLaneHeight + 4);
    QImage image(view.size(), QImage::Format_ARGB32_Premultiplied);
    std::vector<double> ms;
    for (int i = 0; i < 21; ++i) {
        const auto start = std::chrono::steady_clock::now();
        view.render(&image);
        if (i > 0) // the first render warms caches and fonts
            ms.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("events            %zu\n", trace->eventCount());
    std::printf("lanes             %d\n", view.laneCount());
    std::printf("plot width        %d px\n", view.plotRect().width());
    std::printf("trace + index     %.1f ms\n", indexMs);
    std::printf("full-range render %.2f ms (median of 20), min %.2f, max %.2f\n", ms[ms.size() / 2],
                ms.front(), ms.back());
    // A tenth of the trace: the repaint only touches the visible slice.
    const auto full = view.fullRange();
    view.setVisibleRange(full.startNs + full.span() * 4 / 10, full.startNs + full.span() / 2);
    ms.clear();
    for (int i = 0; i < 20; ++i) {
        const auto start = std::chrono::steady_clock::now();
        view.render(&image);
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("1/10 range render %.2f ms (median of 20)\n", ms[ms.size() / 2]);
    return 0;
}

int screenshot(const QString& tracePath, const QString& outPath) {
    auto loaded = readTraceFile(tracePath.toStdString());
    auto trace = std::make_shared<Trace>(std::move(loaded.trace));
    TimelinePanel panel;
    panel.resize(1200, 560);
    panel.setTrace(trace);
    const auto candidates = suggestBoundaries(*trace);
    panel.setCandidates(candidates);
    panel.setBoundary(resolveBoundary(*trace, Boundary{Boundary::Kind::Auto, 0, 0}).timeNs);
    panel.show();
    // The chart lines its plot area up with the timeline over a few layout passes.
    for (int i = 0; i < 5; ++i)
        QApplication::processEvents();
    if (!panel.grab().save(outPath, "PNG")) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(outPath));
        return 1;
    }
    std::printf("%s: %zu events, %d lanes, %zu candidates\n", qPrintable(outPath), trace->eventCount(),
                panel.timelineView()->laneCount(), candidates.size());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    try {
        const QStringList args = QApplication::arguments();
        if (args.size() == 4 && args[1] == QLatin1String("--screenshot"))
            return screenshot(args[2], args[3]);
        return bench(args.size() > 1 ? args[1].toULongLong() : 1'000'000);
    } catch (const Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
