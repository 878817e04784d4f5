// The timeline: coordinates, lanes, the boundary handle (drag, keys, candidates), tooltips, zoom,
// the cumulative chart and the panel that aligns them.
#include "timeline/cumulative_chart.h"
#include "timeline/phase_boundary_handle.h"
#include "timeline/timeline_coordinates.h"
#include "timeline/timeline_lanes.h"
#include "timeline/timeline_panel.h"
#include "timeline/timeline_view.h"

#include <QApplication>
#include <QChart>
#include <QHelpEvent>
#include <QImage>
#include <QLineSeries>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QToolTip>
#include <QValueAxis>
#include <QWheelEvent>

#include <sys/syscall.h>

using namespace swb;
using namespace swb::timeline;

namespace {

constexpr qint64 kMs = 1'000'000;

void add(Trace& t, qint64 timeNs, Pid pid, Pid tid, int nr, std::uint8_t flags = 0) {
    SyscallEvent e;
    e.timeNs = timeNs;
    e.pid = pid;
    e.tid = tid;
    e.nr = nr;
    e.flags = flags;
    t.append(e);
}

// A server (pid 100, threads 100 and 101) and a client (pid 200): events every 10 ms for 1 s.
std::shared_ptr<Trace> twoProcessTrace() {
    auto t = std::make_shared<Trace>();
    ProcessInfo server;
    server.pid = 100;
    server.image = "/usr/sbin/server";
    server.threads = {100, 101};
    t->addProcess(server);
    ProcessInfo client;
    client.pid = 200;
    client.parent = 100;
    client.image = "/usr/bin/client";
    client.threads = {200};
    t->addProcess(client);
    const int numbers[] = {SYS_openat, SYS_read, SYS_mmap, SYS_epoll_wait};
    for (int i = 0; i < 100; ++i) {
        const Pid pid = i % 5 == 4 ? 200 : 100;
        const Pid tid = pid == 200 ? 200 : (i % 2 ? 101 : 100);
        add(*t, i * 10 * kMs, pid, tid, numbers[i % 4], i == 50 ? EventViolation : 0);
    }
    return t;
}

std::shared_ptr<Trace> bigTrace(std::size_t events) {
    auto t = std::make_shared<Trace>();
    for (Pid pid : {10, 20}) {
        ProcessInfo p;
        p.pid = pid;
        p.image = "/usr/bin/worker";
        p.threads = {pid, pid + 1, pid + 2};
        t->addProcess(p);
    }
    const int numbers[] = {SYS_read, SYS_write, SYS_futex, SYS_mmap, SYS_sendto, SYS_clock_gettime};
    t->reserve(events);
    for (std::size_t i = 0; i < events; ++i) {
        const Pid pid = i % 2 ? 20 : 10;
        add(*t, static_cast<qint64>(i) * 1000, pid, pid + static_cast<Pid>(i % 3), numbers[(i / 7) % 6]);
    }
    return t;
}

// A view on TRACE with 600 pixels of plot, shown.
void setUp(TimelineView& view, std::shared_ptr<const Trace> trace) {
    view.setTrace(std::move(trace));
    view.resize(view.plotRect().left() + 600, 200);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(view.plotRect().width(), 600);
}

QPoint inHandle(const TimelineView& view, double viewX) {
    const auto* handle = view.boundaryHandle();
    return handle->mapFrom(&view, QPoint(static_cast<int>(std::lround(viewX)), 40));
}

} // namespace

class TestTimeline : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
    }

    void timeToPixel_data() {
        QTest::addColumn<qint64>("start");
        QTest::addColumn<qint64>("end");
        QTest::addColumn<double>("width");
        QTest::addColumn<qint64>("time");
        QTest::addColumn<double>("pixel");
        QTest::newRow("start") << qint64(100) << qint64(200) << 50.0 << qint64(100) << 0.0;
        QTest::newRow("middle") << qint64(100) << qint64(200) << 50.0 << qint64(150) << 25.0;
        QTest::newRow("end") << qint64(100) << qint64(200) << 50.0 << qint64(200) << 50.0;
        QTest::newRow("before, unclamped") << qint64(100) << qint64(200) << 50.0 << qint64(0) << -50.0;
        QTest::newRow("zero width") << qint64(100) << qint64(200) << 0.0 << qint64(150) << 0.0;
        QTest::newRow("empty range") << qint64(100) << qint64(100) << 50.0 << qint64(150) << 0.0;
        QTest::newRow("hours in ns") << qint64(0) << qint64(3'600'000'000'000) << 1000.0
                                     << qint64(1'800'000'000'000) << 500.0;
    }
    void timeToPixel() {
        QFETCH(qint64, start);
        QFETCH(qint64, end);
        QFETCH(double, width);
        QFETCH(qint64, time);
        QFETCH(double, pixel);
        QCOMPARE(timeline::timeToPixel(time, {start, end}, width), pixel);
    }

    void pixelToTime_data() {
        QTest::addColumn<qint64>("start");
        QTest::addColumn<qint64>("end");
        QTest::addColumn<double>("width");
        QTest::addColumn<double>("x");
        QTest::addColumn<qint64>("time");
        QTest::newRow("left edge") << qint64(1000) << qint64(2000) << 100.0 << 0.0 << qint64(1000);
        QTest::newRow("quarter") << qint64(1000) << qint64(2000) << 100.0 << 25.0 << qint64(1250);
        QTest::newRow("rounds down") << qint64(0) << qint64(10) << 3.0 << 1.0 << qint64(3);
        QTest::newRow("zero width") << qint64(1000) << qint64(2000) << 0.0 << 25.0 << qint64(1000);
        QTest::newRow("negative width") << qint64(1000) << qint64(2000) << -5.0 << 25.0 << qint64(1000);
        QTest::newRow("empty range") << qint64(7) << qint64(7) << 100.0 << 25.0 << qint64(7);
    }
    void pixelToTime() {
        QFETCH(qint64, start);
        QFETCH(qint64, end);
        QFETCH(double, width);
        QFETCH(double, x);
        QFETCH(qint64, time);
        QCOMPARE(timeline::pixelToTime(x, {start, end}, width), time);
    }

    // Every time of the range falls in exactly one column, the columns tile the range.
    void columns_data() {
        QTest::addColumn<qint64>("start");
        QTest::addColumn<qint64>("end");
        QTest::addColumn<int>("width");
        QTest::newRow("fewer ns than pixels") << qint64(5) << qint64(12) << 10;
        QTest::newRow("uneven") << qint64(0) << qint64(1001) << 7;
        QTest::newRow("many ns per pixel") << qint64(123) << qint64(123 + 999'983) << 613;
    }
    void columns() {
        QFETCH(qint64, start);
        QFETCH(qint64, end);
        QFETCH(int, width);
        const TimeRange range{start, end};
        QCOMPARE(columnStart(0, range, width), start);
        QCOMPARE(columnStart(width, range, width), end);
        const qint64 step = std::max<qint64>(1, range.span() / 5000);
        for (qint64 t = start; t < end; t += step) {
            const int c = columnAt(t, range, width);
            QVERIFY(c >= 0 && c < width);
            QVERIFY(columnStart(c, range, width) <= t);
            QVERIFY(t < columnStart(c + 1, range, width));
        }
        QCOMPARE(columnAt(start - 1, range, width), -1);
        QCOMPARE(columnAt(end, range, width), width);
        QCOMPARE(columnAt(start, {start, start}, width), 0);
        QCOMPARE(columnAt(start, range, 0), 0);
    }

    void zoom_data() {
        QTest::addColumn<double>("factor");
        QTest::addColumn<qint64>("anchor");
        QTest::addColumn<qint64>("expectedStart");
        QTest::addColumn<qint64>("expectedEnd");
        // Range [0, 1000) of limits [0, 1000), minimum span 10.
        QTest::newRow("in around the middle") << 2.0 << qint64(500) << qint64(250) << qint64(750);
        QTest::newRow("in around a quarter") << 2.0 << qint64(200) << qint64(100) << qint64(600);
        QTest::newRow("in at the left edge") << 4.0 << qint64(0) << qint64(0) << qint64(250);
        QTest::newRow("out stays in limits") << 0.5 << qint64(500) << qint64(0) << qint64(1000);
        QTest::newRow("minimum span") << 1000.0 << qint64(500) << qint64(495) << qint64(505);
        QTest::newRow("factor zero fits") << 0.0 << qint64(500) << qint64(0) << qint64(1000);
    }
    void zoom() {
        QFETCH(double, factor);
        QFETCH(qint64, anchor);
        QFETCH(qint64, expectedStart);
        QFETCH(qint64, expectedEnd);
        const TimeRange zoomed = zoomRange({0, 1000}, factor, anchor, {0, 1000}, 10);
        QCOMPARE(zoomed.startNs, expectedStart);
        QCOMPARE(zoomed.endNs, expectedEnd);
        QCOMPARE(zoomRange({0, 1000}, 2.0, 500, {0, 0}, 10), (TimeRange{0, 0}));
    }

    void pan() {
        QCOMPARE(panRange({100, 200}, 50, {0, 1000}), (TimeRange{150, 250}));
        QCOMPARE(panRange({100, 200}, -500, {0, 1000}), (TimeRange{0, 100}));
        QCOMPARE(panRange({800, 900}, 500, {0, 1000}), (TimeRange{900, 1000}));
        QCOMPARE(panRange({0, 5000}, 10, {0, 1000}), (TimeRange{0, 1000}));
    }

    void lanes() {
        TimelineLanes lanes;
        lanes.setTrace(twoProcessTrace());
        const auto& l = lanes.lanes();
        QCOMPARE(l.size(), std::size_t(4));
        QCOMPARE(l[0].label, QStringLiteral("server 100"));
        QCOMPARE(l[0].kind, Lane::Kind::Process);
        QCOMPARE(l[1].label, QStringLiteral("server 100/100"));
        QCOMPARE(l[2].label, QStringLiteral("server 100/101"));
        QCOMPARE(l[2].kind, Lane::Kind::Thread);
        QCOMPARE(l[3].label, QStringLiteral("client 200"));
        QCOMPARE(l[0].events.size(), std::size_t(80));
        QCOMPARE(l[1].events.size() + l[2].events.size(), std::size_t(80));
        QCOMPARE(l[3].events.size(), std::size_t(20));
        QCOMPARE(lanes.fullRange(), (TimeRange{0, 990 * kMs + 1}));

        // Slices and neighbouring events.
        const auto [first, last] = lanes.slice(l[3], 0, 100 * kMs);
        QCOMPARE(last - first, std::size_t(2)); // 40 ms and 90 ms
        QCOMPARE(lanes.nextEventTime(40 * kMs), std::optional<qint64>(50 * kMs));
        QCOMPARE(lanes.previousEventTime(40 * kMs), std::optional<qint64>(30 * kMs));
        QCOMPARE(lanes.previousEventTime(0), std::nullopt);
        QCOMPARE(lanes.nearestEventTime(44 * kMs), std::optional<qint64>(40 * kMs));
        QCOMPARE(lanes.nearestEventTime(46 * kMs), std::optional<qint64>(50 * kMs));
    }

    // Pids without a process record and events out of time order still get sorted lanes.
    void lanesUnsortedAndUnknownPid() {
        auto t = std::make_shared<Trace>();
        add(*t, 30, 7, 7, SYS_read);
        add(*t, 10, 7, 7, SYS_write);
        add(*t, 20, 7, 8, SYS_read);
        TimelineLanes lanes;
        lanes.setTrace(t);
        QCOMPARE(lanes.lanes().size(), std::size_t(3));
        QCOMPARE(lanes.lanes()[0].label, QStringLiteral("pid 7"));
        QCOMPARE(lanes.lanes()[0].events, (std::vector<std::uint32_t>{1, 2, 0}));
        QCOMPARE(lanes.nextEventTime(10), std::optional<qint64>(20));
    }

    void aggregate() {
        TimelineLanes lanes;
        lanes.setTrace(twoProcessTrace());
        std::vector<ColumnMark> marks;
        // 10 columns of 100 ms over the server lane: 8 events each, 4 of them read (every other).
        lanes.aggregate(lanes.lanes()[0], {0, 1000 * kMs}, 10, SYS_read, marks);
        QCOMPARE(marks.size(), std::size_t(10));
        int total = 0;
        for (const auto& m : marks) {
            total += m.count;
            QCOMPARE(m.count, 8);
            QVERIFY(m.highlighted > 0);
        }
        QCOMPARE(total, 80);
        QVERIFY(marks[5].violation); // event 50 at 500 ms
        QVERIFY(!marks[4].violation);
        // openat, read, epoll_wait are file syscalls; mmap is memory.
        QCOMPARE(marks[0].dominant, SyscallCategory::File);
        // The visible slice only.
        lanes.aggregate(lanes.lanes()[0], {200 * kMs, 300 * kMs}, 100, -1, marks);
        QCOMPARE(marks.size(), std::size_t(8));
        QCOMPARE(marks.front().column, 0);
        QCOMPARE(marks.front().highlighted, 0);
    }

    void dragCommitsOnce() {
        TimelineView view;
        setUp(view, twoProcessTrace());
        QSignalSpy committed(&view, &TimelineView::boundaryCommitted);
        QSignalSpy preview(&view, &TimelineView::boundaryPreview);
        connect(&view, &TimelineView::boundaryCommitted, &view,
                [&view](qint64, qint64 ns) { view.setBoundary(ns); });
        view.setBoundary(200 * kMs);
        auto* handle = view.boundaryHandle();
        QVERIFY(handle->isVisible());
        QVERIFY(std::abs(handle->centerX() - view.timeToX(200 * kMs)) <= 1.0);

        QTest::mousePress(handle, Qt::LeftButton, {}, inHandle(view, view.timeToX(200 * kMs)));
        QTest::mouseMove(handle, inHandle(view, view.timeToX(400 * kMs)));
        // Two pixels past 600 ms (6 ms per... 1.65 ms per pixel): snaps to the event at 600 ms.
        QTest::mouseMove(handle, inHandle(view, view.timeToX(600 * kMs) + 2));
        QVERIFY(preview.count() >= 2);
        QCOMPARE(preview.last().at(0).toLongLong(), 600 * kMs);
        QCOMPARE(committed.count(), 0);
        QCOMPARE(view.boundary(), 200 * kMs); // the owner has not been told yet
        QTest::mouseRelease(handle, Qt::LeftButton, {}, inHandle(view, view.timeToX(600 * kMs) + 2));
        QCOMPARE(committed.count(), 1);
        QCOMPARE(committed.first().at(0).toLongLong(), 200 * kMs);
        QCOMPARE(committed.first().at(1).toLongLong(), 600 * kMs);
        QCOMPARE(view.boundary(), 600 * kMs);
        QVERIFY(std::abs(handle->centerX() - view.timeToX(600 * kMs)) <= 1.0);
    }

    // The view never owns the value: when nobody applies the commit, the handle goes back.
    void dragWithoutOwnerReverts() {
        TimelineView view;
        setUp(view, twoProcessTrace());
        view.setBoundary(200 * kMs);
        QSignalSpy committed(&view, &TimelineView::boundaryCommitted);
        auto* handle = view.boundaryHandle();
        QTest::mousePress(handle, Qt::LeftButton, {}, inHandle(view, view.timeToX(200 * kMs)));
        QTest::mouseMove(handle, inHandle(view, view.timeToX(300 * kMs)));
        QTest::mouseRelease(handle, Qt::LeftButton, {}, inHandle(view, view.timeToX(300 * kMs)));
        QCOMPARE(committed.count(), 1);
        QCOMPARE(view.boundary(), 200 * kMs);
        QVERIFY(std::abs(handle->centerX() - view.timeToX(200 * kMs)) <= 1.0);
    }

    void keyboardStepsToNeighbouringEvents() {
        TimelineView view;
        setUp(view, twoProcessTrace());
        connect(&view, &TimelineView::boundaryCommitted, &view,
                [&view](qint64, qint64 ns) { view.setBoundary(ns); });
        view.setBoundary(205 * kMs); // between events
        QSignalSpy committed(&view, &TimelineView::boundaryCommitted);
        auto* handle = view.boundaryHandle();
        handle->setFocus();
        QTest::keyClick(handle, Qt::Key_Right);
        QCOMPARE(committed.count(), 1);
        QCOMPARE(committed.at(0).at(0).toLongLong(), 205 * kMs);
        QCOMPARE(committed.at(0).at(1).toLongLong(), 210 * kMs);
        QTest::keyClick(handle, Qt::Key_Right);
        QCOMPARE(committed.at(1).at(1).toLongLong(), 220 * kMs);
        QTest::keyClick(handle, Qt::Key_Left);
        QTest::keyClick(handle, Qt::Key_Left);
        QCOMPARE(committed.count(), 4);
        QCOMPARE(committed.at(3).at(0).toLongLong(), 210 * kMs);
        QCOMPARE(committed.at(3).at(1).toLongLong(), 200 * kMs);
        QCOMPARE(view.visibleRange(), view.fullRange());

        // Without focus on the handle, Left/Right pan the view instead.
        view.zoomAt(4.0, 500 * kMs);
        view.setFocus();
        const TimeRange before = view.visibleRange();
        QTest::keyClick(&view, Qt::Key_Right);
        QCOMPARE(committed.count(), 4);
        QVERIFY(view.visibleRange().startNs > before.startNs);
        QCOMPARE(view.visibleRange().span(), before.span());
    }

    void candidateClick() {
        TimelineView view;
        setUp(view, twoProcessTrace());
        view.setBoundary(100 * kMs);
        BoundaryCandidate candidate;
        candidate.method = BoundaryCandidate::Method::ServingLoop;
        candidate.event = 70;
        candidate.timeNs = 700 * kMs;
        candidate.reason = "first epoll_wait after listen";
        view.setCandidates({candidate});
        QSignalSpy committed(&view, &TimelineView::boundaryCommitted);
        const QPoint marker(static_cast<int>(std::lround(view.candidateX(0))), TimelineView::kAxisHeight - 5);
        QVERIFY(view.toolTipAt(marker).contains(QStringLiteral("first epoll_wait after listen")));
        QTest::mouseClick(&view, Qt::LeftButton, {}, marker);
        QCOMPARE(committed.count(), 1);
        QCOMPARE(committed.first().at(0).toLongLong(), 100 * kMs);
        QCOMPARE(committed.first().at(1).toLongLong(), 700 * kMs);
        // A click on the axis away from the marker commits nothing.
        QTest::mouseClick(&view, Qt::LeftButton, {}, marker + QPoint(40, 0));
        QCOMPARE(committed.count(), 1);
    }

    void hoverTooltip() {
        auto t = std::make_shared<Trace>();
        ProcessInfo p;
        p.pid = 5;
        p.image = "/bin/busy";
        t->addProcess(p);
        // Column 0 of 1000 ns per pixel: 10 calls of 7 syscalls, openat most often; one violation.
        const int numbers[] = {SYS_openat, SYS_openat, SYS_openat, SYS_read,  SYS_read,
                               SYS_close,  SYS_mmap,   SYS_brk,    SYS_write, SYS_futex};
        for (int i = 0; i < 10; ++i)
            add(*t, i * 10, 5, 5, numbers[i], i == 9 ? EventViolation : 0);
        add(*t, 599'000, 5, 5, SYS_exit_group);
        TimelineView view;
        view.setTrace(t);
        view.resize(view.plotRect().left() + 600, 100);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QCOMPARE(view.visibleRange(), (TimeRange{0, 599'001}));
        const QPoint pos(view.plotRect().left(), view.laneRect(0).center().y());
        const QString text = view.toolTipAt(pos);
        const QStringList lines = text.split(QLatin1Char('\n'));
        QCOMPARE(lines.value(0), QStringLiteral("busy 5"));
        QVERIFY2(lines.value(1).startsWith(QStringLiteral("0 ")), qPrintable(text));
        QCOMPARE(lines.value(2), QStringLiteral("10 system calls"));
        QCOMPARE(lines.value(3), QStringLiteral("openat 3"));
        QCOMPARE(lines.value(4), QStringLiteral("read 2"));
        QCOMPARE(lines.size(), 10);
        QCOMPARE(lines.value(8), QStringLiteral("and 2 other syscalls"));
        QCOMPARE(lines.value(9), QStringLiteral("1 violation of the profile"));

        QHelpEvent help(QEvent::ToolTip, pos, view.mapToGlobal(pos));
        QApplication::sendEvent(&view, &help);
        QTRY_VERIFY(QToolTip::isVisible());
        QCOMPARE(QToolTip::text(), text);
        // Nothing under the cursor: no tooltip.
        QVERIFY(
            view.toolTipAt(QPoint(view.plotRect().left() + 300, view.laneRect(0).center().y())).isEmpty());
    }

    void zoomKeepsPointUnderCursor() {
        TimelineView view;
        setUp(view, twoProcessTrace());
        QSignalSpy ranges(&view, &TimelineView::visibleRangeChanged);
        const QPointF pos(view.plotRect().left() + 150.0, 60.0);
        const qint64 before = view.xToTime(pos.x());
        QWheelEvent wheel(pos, view.mapToGlobal(pos), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(&view, &wheel);
        QCOMPARE(ranges.count(), 1);
        QVERIFY(view.visibleRange().span() < view.fullRange().span() * 2 / 3);
        const qint64 nsPerPixel = view.visibleRange().span() / view.plotRect().width();
        QVERIFY2(std::abs(view.xToTime(pos.x()) - before) <= nsPerPixel,
                 qPrintable(QStringLiteral("%1 vs %2").arg(view.xToTime(pos.x())).arg(before)));

        view.setFocus();
        const qint64 span = view.visibleRange().span();
        QTest::keyClick(&view, Qt::Key_Plus);
        QVERIFY(view.visibleRange().span() < span);
        QTest::keyClick(&view, Qt::Key_Minus);
        QVERIFY(std::abs(view.visibleRange().span() - span) <= 1);
        QTest::keyClick(&view, Qt::Key_0, Qt::ControlModifier);
        QCOMPARE(view.visibleRange(), view.fullRange());
        QCOMPARE(ranges.last().at(0).toLongLong(), view.fullRange().startNs);
        QCOMPARE(ranges.last().at(1).toLongLong(), view.fullRange().endNs);
    }

    void panByDrag() {
        TimelineView view;
        setUp(view, twoProcessTrace());
        view.zoomAt(4.0, 500 * kMs);
        const TimeRange before = view.visibleRange();
        const QPoint from(view.plotRect().left() + 300, view.laneRect(3).center().y());
        QTest::mousePress(&view, Qt::LeftButton, {}, from);
        QTest::mouseMove(&view, from - QPoint(100, 0));
        QTest::mouseRelease(&view, Qt::LeftButton, {}, from - QPoint(100, 0));
        // 100 pixels to the left shows later times.
        const qint64 expected = before.span() * 100 / view.plotRect().width();
        QVERIFY(std::abs(view.visibleRange().startNs - before.startNs - expected) <= 1);
    }

    // Highlighting and violations change the pixels where they are.
    void highlightAndViolationPaint() {
        TimelineView view;
        setUp(view, twoProcessTrace());
        const auto render = [&view] {
            QImage image(view.size(), QImage::Format_ARGB32);
            view.render(&image);
            return image;
        };
        const QImage plain = render();
        // The violation (500 ms, server lane) draws red at the top of the lane.
        const int vx = static_cast<int>(view.timeToX(500 * kMs));
        const QColor red = plain.pixelColor(vx, view.laneRect(0).top() + 2);
        QVERIFY2(red.red() > 180 && red.green() < 80, qPrintable(red.name()));
        view.highlightSyscall(SYS_read);
        QCOMPARE(view.highlightedSyscall(), SYS_read);
        const QImage highlighted = render();
        QVERIFY(plain != highlighted);
        // A client column holds mmap and epoll_wait only, never read: dimmed.
        const int cx = static_cast<int>(view.timeToX(40 * kMs));
        const int y = view.laneRect(3).bottom() - 2;
        QVERIFY(highlighted.pixelColor(cx, y).alpha() == 255);
        QVERIFY(highlighted.pixelColor(cx, y) != plain.pixelColor(cx, y));
    }

    void renderMillionEvents() {
        TimelineView view;
        view.setTrace(bigTrace(1'000'000));
        QCOMPARE(view.laneCount(), 8);
        view.resize(1400, TimelineView::kAxisHeight + 8 * TimelineView::kLaneHeight + 4);
        QImage image(view.size(), QImage::Format_ARGB32);
        image.fill(Qt::black);
        view.render(&image);
        // Every lane has marks across the full width.
        for (int lane = 0; lane < 8; ++lane) {
            const int y = view.laneRect(lane).bottom() - 2;
            for (int x : {view.plotRect().left() + 1, 700, 1398})
                QVERIFY(image.pixelColor(x, y) != view.palette().color(QPalette::Base));
        }
    }

    void cumulativeChart() {
        auto trace = twoProcessTrace();
        CumulativeChart chart;
        chart.setTrace(trace);
        QCOMPARE(chart.uniqueCount(), 4);
        const auto points = chart.curve()->points();
        QCOMPARE(points.size(), 2 * 4 + 2);
        QCOMPARE(points.last().y(), 4.0);
        QCOMPARE(points.at(2), QPointF(0.0, 1.0));  // openat at 0
        QCOMPARE(points.at(8), QPointF(0.03, 4.0)); // epoll_wait at 30 ms
        QVERIFY(chart.boundaryLine()->points().isEmpty());
        chart.setBoundary(500 * kMs);
        QCOMPARE(chart.boundaryLine()->points().size(), 2);
        QCOMPARE(chart.boundaryLine()->points().first().x(), 0.5);
    }

    void panelAlignsChart() {
        TimelinePanel panel;
        panel.resize(900, 500);
        panel.setTrace(twoProcessTrace());
        panel.setBoundary(300 * kMs);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        TimelineView* view = panel.timelineView();
        CumulativeChart* chart = panel.chart();
        QCOMPARE(chart->boundaryLine()->points().first().x(), 0.3);
        view->zoomAt(2.0, 250 * kMs);
        QCOMPARE(chart->timeAxis()->min(), view->visibleRange().startNs / 1e9);
        QCOMPARE(chart->timeAxis()->max(), view->visibleRange().endNs / 1e9);
        // The chart lines up over a few layout passes of the event loop.
        const auto chartLeft = [&] {
            return chart->mapTo(&panel, chart->mapFromScene(chart->chart()->plotArea().topLeft())).x();
        };
        const auto chartRight = [&] {
            return chart->mapTo(&panel, chart->mapFromScene(chart->chart()->plotArea().topRight())).x();
        };
        const int viewLeft = view->mapTo(&panel, view->plotRect().topLeft()).x();
        const int viewRight = view->mapTo(&panel, view->plotRect().topRight()).x() + 1;
        QTRY_VERIFY2(std::abs(chartLeft() - viewLeft) <= 1,
                     qPrintable(QStringLiteral("%1 vs %2").arg(chartLeft()).arg(viewLeft)));
        QTRY_VERIFY2(std::abs(chartRight() - viewRight) <= 1,
                     qPrintable(QStringLiteral("%1 vs %2").arg(chartRight()).arg(viewRight)));
        // And again after a resize.
        panel.resize(700, 500);
        const int newRight = view->mapTo(&panel, view->plotRect().topRight()).x() + 1;
        QVERIFY(newRight < viewRight);
        QTRY_VERIFY2(std::abs(chartRight() - newRight) <= 1,
                     qPrintable(QStringLiteral("%1 vs %2").arg(chartRight()).arg(newRight)));
    }
};

QTEST_MAIN(TestTimeline)
#include "tst_timeline.moc"
