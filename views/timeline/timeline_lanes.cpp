#include "timeline/timeline_lanes.h"

#include <QFileInfo>

#include <algorithm>
#include <array>
#include <map>

namespace swb::timeline {

void TimelineLanes::setTrace(std::shared_ptr<const Trace> trace) {
    trace_ = std::move(trace);
    lanes_.clear();
    sortedTimes_.clear();
    full_ = {};
    if (!trace_)
        return;
    const Trace& t = *trace_;
    categories_ = syscallCategoriesByNumber(SyscallTable::forArch(t.arch));
    full_ = {0, std::max<qint64>(t.durationNs(), t.empty() ? 0 : t.timeNs(t.eventCount() - 1) + 1)};

    // Events per pid and per tid, in trace order.
    std::map<Pid, std::vector<std::uint32_t>> byPid;
    std::map<std::pair<Pid, Pid>, std::vector<std::uint32_t>> byThread;
    bool sorted = true;
    for (std::size_t i = 0; i < t.eventCount(); ++i) {
        const auto index = static_cast<std::uint32_t>(i);
        byPid[t.pid(i)].push_back(index);
        byThread[{t.pid(i), t.tid(i)}].push_back(index);
        if (i > 0 && t.timeNs(i) < t.timeNs(i - 1))
            sorted = false;
    }
    if (!sorted) {
        sortedTimes_.reserve(t.eventCount());
        for (std::size_t i = 0; i < t.eventCount(); ++i)
            sortedTimes_.push_back(t.timeNs(i));
        std::sort(sortedTimes_.begin(), sortedTimes_.end());
    }
    const auto byTime = [&t](std::vector<std::uint32_t>& events) {
        std::stable_sort(events.begin(), events.end(),
                         [&t](std::uint32_t a, std::uint32_t b) { return t.timeNs(a) < t.timeNs(b); });
    };

    std::vector<Pid> order;
    for (const auto& p : t.processes)
        order.push_back(p.pid);
    for (const auto& [pid, events] : byPid)
        if (!t.findProcess(pid))
            order.push_back(pid);

    for (const Pid pid : order) {
        const ProcessInfo* process = t.findProcess(pid);
        // The name the program was started as (redis-server, not the redis-check-rdb file its
        // symlink points to), else the executed file.
        const std::string& shown = process && !process->argv.empty() && !process->argv.front().empty()
                                       ? process->argv.front()
                                   : process ? process->image
                                             : std::string();
        const QString name =
            shown.empty() ? QStringLiteral("pid") : QFileInfo(QString::fromStdString(shown)).fileName();
        Lane lane;
        lane.kind = Lane::Kind::Process;
        lane.pid = pid;
        lane.label = name + QLatin1Char(' ') + QString::number(pid);
        if (auto it = byPid.find(pid); it != byPid.end())
            lane.events = std::move(it->second);
        if (!sorted)
            byTime(lane.events);
        lanes_.push_back(std::move(lane));

        std::vector<Pid> tids = process ? process->threads : std::vector<Pid>{};
        for (auto it = byThread.lower_bound({pid, 0}); it != byThread.end() && it->first.first == pid; ++it)
            if (std::find(tids.begin(), tids.end(), it->first.second) == tids.end())
                tids.push_back(it->first.second);
        if (tids.size() < 2)
            continue;
        for (const Pid tid : tids) {
            Lane thread;
            thread.kind = Lane::Kind::Thread;
            thread.pid = pid;
            thread.tid = tid;
            thread.label =
                name + QLatin1Char(' ') + QString::number(pid) + QLatin1Char('/') + QString::number(tid);
            if (auto it = byThread.find({pid, tid}); it != byThread.end())
                thread.events = std::move(it->second);
            if (!sorted)
                byTime(thread.events);
            lanes_.push_back(std::move(thread));
        }
    }
}

std::pair<std::size_t, std::size_t> TimelineLanes::slice(const Lane& lane, qint64 fromNs, qint64 toNs) const {
    const Trace& t = *trace_;
    const auto before = [&t](std::uint32_t e, qint64 time) {
        return t.timeNs(e) < time;
    };
    const auto first = std::lower_bound(lane.events.begin(), lane.events.end(), fromNs, before);
    const auto last = std::lower_bound(first, lane.events.end(), toNs, before);
    return {static_cast<std::size_t>(first - lane.events.begin()),
            static_cast<std::size_t>(last - lane.events.begin())};
}

void TimelineLanes::aggregate(const Lane& lane, TimeRange range, int width, int highlightNr,
                              std::vector<ColumnMark>& out) const {
    out.clear();
    if (!trace_ || width <= 0 || range.span() <= 0)
        return;
    const Trace& t = *trace_;
    const auto [first, last] = slice(lane, range.startNs, range.endNs);
    std::array<int, kSyscallCategoryCount> perCategory{};
    ColumnMark mark;
    qint64 columnEnd = 0;
    const auto flush = [&] {
        if (mark.count == 0)
            return;
        const auto top = std::max_element(perCategory.begin(), perCategory.end());
        mark.dominant = static_cast<SyscallCategory>(top - perCategory.begin());
        out.push_back(mark);
        perCategory.fill(0);
    };
    mark.column = -1;
    for (std::size_t k = first; k < last; ++k) {
        const std::uint32_t e = lane.events[k];
        const qint64 time = t.timeNs(e);
        if (mark.column < 0 || time >= columnEnd) {
            flush();
            mark = {};
            mark.column = columnAt(time, range, width);
            columnEnd = columnStart(mark.column + 1, range, width);
        }
        const int nr = t.nr(e);
        ++mark.count;
        ++perCategory[static_cast<std::size_t>(category(nr))];
        mark.highlighted += nr == highlightNr;
        mark.violation |= (t.flags(e) & EventViolation) != 0;
    }
    flush();
}

std::vector<std::pair<int, int>> TimelineLanes::syscallCounts(const Lane& lane, qint64 fromNs,
                                                              qint64 toNs) const {
    std::map<int, int> counts;
    if (trace_) {
        const auto [first, last] = slice(lane, fromNs, toNs);
        for (std::size_t k = first; k < last; ++k)
            ++counts[trace_->nr(lane.events[k])];
    }
    std::vector<std::pair<int, int>> out(counts.begin(), counts.end());
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    return out;
}

qint64 TimelineLanes::sortedTime(std::size_t k) const {
    return sortedTimes_.empty() ? trace_->timeNs(k) : sortedTimes_[k];
}

std::optional<qint64> TimelineLanes::previousEventTime(qint64 timeNs) const {
    if (!trace_)
        return std::nullopt;
    // The first position with a time >= timeNs; the one before it is the answer.
    std::size_t lo = 0, hi = trace_->eventCount();
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (sortedTime(mid) < timeNs)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return std::nullopt;
    return sortedTime(lo - 1);
}

std::optional<qint64> TimelineLanes::nextEventTime(qint64 timeNs) const {
    if (!trace_)
        return std::nullopt;
    std::size_t lo = 0, hi = trace_->eventCount();
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (sortedTime(mid) <= timeNs)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == trace_->eventCount())
        return std::nullopt;
    return sortedTime(lo);
}

std::optional<qint64> TimelineLanes::nearestEventTime(qint64 timeNs) const {
    const auto before = previousEventTime(timeNs + 1); // at or before
    const auto after = nextEventTime(timeNs);
    if (!before)
        return after;
    if (!after)
        return before;
    return timeNs - *before <= *after - timeNs ? before : after;
}

} // namespace swb::timeline
