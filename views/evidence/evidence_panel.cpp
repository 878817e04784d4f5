#include "evidence/evidence_panel.h"

#include "evidence/syscall_knowledge_resource.h"
#include "model/syscall_table.h"
#include "models/event_format.h"

#include <QDesktopServices>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

namespace swb {

namespace {

QString esc(const std::string& s) {
    return QString::fromStdString(s).toHtmlEscaped();
}

QString riskText(SyscallRisk risk) {
    switch (risk) {
    case SyscallRisk::Low:
        return EvidencePanel::tr("low risk");
    case SyscallRisk::Medium:
        return EvidencePanel::tr("medium risk");
    case SyscallRisk::High:
        return EvidencePanel::tr("high risk");
    case SyscallRisk::Critical:
        return EvidencePanel::tr("critical risk");
    }
    return {};
}

// The badge keeps its meaning (green to red) in both themes; its lightness follows the window.
QPalette riskPalette(SyscallRisk risk, const QPalette& base) {
    int hue = 130;
    switch (risk) {
    case SyscallRisk::Low:
        hue = 130;
        break;
    case SyscallRisk::Medium:
        hue = 45;
        break;
    case SyscallRisk::High:
        hue = 22;
        break;
    case SyscallRisk::Critical:
        hue = 0;
        break;
    }
    const bool dark = base.color(QPalette::Window).lightness() < 128;
    QPalette p = base;
    p.setColor(QPalette::Window, QColor::fromHsl(hue, 170, dark ? 80 : 205));
    p.setColor(QPalette::WindowText, dark ? QColor(Qt::white) : QColor(Qt::black));
    return p;
}

// "libc.so.6!__open64+0x5b" -> "libc.so.6!__open64": what CallGraph::findFunctions reads.
QString functionOfStep(const QString& step) {
    const qsizetype plus = step.lastIndexOf(QLatin1String("+0x"));
    return plus > 0 ? step.left(plus) : step;
}

QString phaseTitle(Phase p) {
    return p == Phase::Init ? EvidencePanel::tr("initialization") : EvidencePanel::tr("serving");
}

} // namespace

EvidencePanel::EvidencePanel(QWidget* parent)
    : QWidget(parent)
    , title_(new QLabel(this))
    , subtitle_(new QLabel(this))
    , riskBadge_(new QLabel(this))
    , body_(new QTextBrowser(this)) {
    setObjectName(QStringLiteral("evidencePanel"));
    setAccessibleName(tr("Evidence for the selected syscall"));
    title_->setObjectName(QStringLiteral("evidenceTitle"));
    QFont big = title_->font();
    big.setPointSizeF(big.pointSizeF() * 1.4);
    big.setBold(true);
    title_->setFont(big);
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    subtitle_->setObjectName(QStringLiteral("evidenceSubtitle"));
    riskBadge_->setObjectName(QStringLiteral("riskBadge"));
    riskBadge_->setAutoFillBackground(true);
    riskBadge_->setContentsMargins(8, 2, 8, 2);
    QFont badgeFont = riskBadge_->font();
    badgeFont.setBold(true);
    riskBadge_->setFont(badgeFont);
    body_->setObjectName(QStringLiteral("evidenceBody"));
    body_->setAccessibleName(tr("Evidence details"));
    body_->setOpenLinks(false);
    body_->setFrameShape(QFrame::NoFrame);
    connect(body_, &QTextBrowser::anchorClicked, this, &EvidencePanel::openLink);

    auto* header = new QHBoxLayout;
    header->addWidget(title_);
    header->addWidget(riskBadge_);
    header->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(subtitle_);
    layout->addWidget(body_, 1);
    render();
}

void EvidencePanel::setSyscall(int nr, const SyscallEvidence* evidence, const Trace* trace) {
    nr_ = nr;
    evidence_ = evidence;
    trace_ = trace;
    decision_.reset();
    function_.reset();
    render();
}

void EvidencePanel::setFunction(const std::optional<FunctionInfo>& function) {
    function_ = function;
    render();
}

void EvidencePanel::setReviewDecision(const std::optional<ReviewDecision>& decision) {
    decision_ = decision;
    render();
}

QString EvidencePanel::plainText() const {
    return body_->toPlainText();
}

void EvidencePanel::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        render();
}

void EvidencePanel::openLink(const QUrl& url) {
    if (url.scheme() == QLatin1String("function"))
        emit witnessFunctionActivated(url.path(QUrl::FullyDecoded));
    else
        QDesktopServices::openUrl(url);
}

void EvidencePanel::render() {
    if (nr_ < 0) {
        title_->setText(tr("No syscall selected"));
        subtitle_->clear();
        riskBadge_->hide();
        body_->setHtml(QStringLiteral("<p><i>") +
                       tr("Select a syscall in the Review table: what it does and why it matters, when "
                          "the traces saw it in each phase, which code can reach it and the review "
                          "decision appear here.") +
                       QStringLiteral("</i></p>"));
        return;
    }
    const SyscallTable& table = SyscallTable::forArch(Arch::X86_64);
    const std::string name = evidence_ && !evidence_->name.empty() ? evidence_->name : table.name(nr_);
    const SyscallKnowledge* k = bundledSyscallKnowledge().find(name);
    title_->setText(QString::fromStdString(name));
    subtitle_->setText(k ? tr("syscall %1 · %2").arg(nr_).arg(QString::fromStdString(k->category))
                         : tr("syscall %1").arg(nr_));
    if (k) {
        riskBadge_->setText(riskText(k->risk));
        riskBadge_->setPalette(riskPalette(k->risk, palette()));
        riskBadge_->setAccessibleName(tr("Risk: %1").arg(riskText(k->risk)));
        riskBadge_->show();
    } else {
        riskBadge_->hide();
    }

    QString html;
    if (function_) {
        const FunctionInfo& f = *function_;
        const QString source = f.sourceFile.isEmpty() ? tr("unknown (no debug information)")
                               : f.line > 0 ? tr("%1:%2").arg(f.sourceFile.toHtmlEscaped()).arg(f.line)
                                            : f.sourceFile.toHtmlEscaped();
        html +=
            QStringLiteral("<h3>") + tr("Selected function") + QStringLiteral("</h3><p><tt><b>") +
            f.name.toHtmlEscaped() + QStringLiteral("</b></tt><br>") +
            tr("module: %1")
                .arg(QStringLiteral("<tt>") + f.modulePath.toHtmlEscaped() + QStringLiteral("</tt>")) +
            QStringLiteral("<br>") +
            tr("address: %1")
                .arg(QStringLiteral("<tt>0x") + QString::number(f.address, 16) + QStringLiteral("</tt>")) +
            QStringLiteral("<br>") + tr("source: %1").arg(source) + QStringLiteral("</p>");
    }
    if (k) {
        html += QStringLiteral("<p>") + esc(k->description);
        if (k->generated)
            html +=
                QStringLiteral(" <i>(") + tr("generated description, not reviewed") + QStringLiteral(")</i>");
        html += QStringLiteral("</p>");
        if (!k->escapeNotes.empty())
            html += QStringLiteral("<h3>") + tr("Container escapes") + QStringLiteral("</h3><p>") +
                    esc(k->escapeNotes) + QStringLiteral("</p>");
        if (!k->cves.empty()) {
            html += QStringLiteral("<h3>") + tr("Known CVEs") + QStringLiteral("</h3><ul>");
            for (const auto& cve : k->cves)
                html += QStringLiteral("<li><a href=\"https://www.cve.org/CVERecord?id=%1\">%1</a>: %2</li>")
                            .arg(esc(cve.id), esc(cve.summary));
            html += QStringLiteral("</ul>");
        }
    } else {
        html += QStringLiteral("<p>") + tr("The knowledge base has no entry for this syscall.") +
                QStringLiteral("</p>");
    }

    if (decision_) {
        const QString verdict =
            decision_->verdict == ReviewDecision::Verdict::Allow ? tr("allowed") : tr("denied");
        QString phase;
        switch (decision_->phase) {
        case PhaseSelection::All:
            phase = tr("in every phase");
            break;
        case PhaseSelection::Init:
            phase = tr("during initialization");
            break;
        case PhaseSelection::Serving:
            phase = tr("while serving");
            break;
        }
        html += QStringLiteral("<h3>") + tr("Review decision") + QStringLiteral("</h3><p><b>") +
                tr("%1 %2").arg(verdict, phase) + QStringLiteral("</b>");
        if (!decision_->note.empty())
            html += QStringLiteral(": ") + esc(decision_->note);
        html += QStringLiteral("</p>");
    }

    html += QStringLiteral("<h3>") + tr("Seen at run time") + QStringLiteral("</h3>");
    if (!evidence_ || !evidence_->seenDynamically()) {
        html += QStringLiteral("<p>") + tr("Not seen in the traces.") + QStringLiteral("</p>");
    } else {
        // One short paragraph per phase: it reads in a narrow dock, where a five-column table
        // would break every header.
        for (Phase p : {Phase::Init, Phase::Serving}) {
            const DynamicPhaseEvidence& d = evidence_->dynamic[static_cast<std::size_t>(p)];
            html += QStringLiteral("<p><b>") + phaseTitle(p) + QStringLiteral("</b>: ");
            if (d.count == 0) {
                html += tr("no calls") + QStringLiteral("</p>");
                continue;
            }
            html += (d.count == 1 ? tr("1 call") : tr("%1 calls").arg(d.count)) + QStringLiteral(" · ") +
                    tr("first %1 s, last %2 s").arg(formatTimestamp(d.firstNs), formatTimestamp(d.lastNs));
            QStringList samples;
            for (const auto& args : d.samples)
                samples << QStringLiteral("(") + formatArguments(args, 0).toHtmlEscaped() +
                               QStringLiteral(")");
            if (!samples.isEmpty())
                html += QStringLiteral("<br>") + tr("sample arguments:") + QStringLiteral("<br><tt>") +
                        samples.join(QStringLiteral("<br>")) + QStringLiteral("</tt>");
            html += QStringLiteral("</p>");
        }
        std::uint32_t stackId = 0;
        for (const auto& d : evidence_->dynamic)
            if (!stackId && d.firstStack)
                stackId = d.firstStack;
        if (stackId && trace_ && stackId <= trace_->stackCount()) {
            html += QStringLiteral("<p>") + tr("First call stack (innermost first):") +
                    QStringLiteral("</p><ol>");
            for (const auto& frame : trace_->stack(stackId))
                html += QStringLiteral("<li><tt>") + esc(frame.display()) + QStringLiteral("</tt></li>");
            html += QStringLiteral("</ol>");
        } else if (trace_ && !trace_->hasStacks()) {
            html += QStringLiteral("<p><i>") +
                    tr("The trace has no call stacks (record with swb trace --stacks).") +
                    QStringLiteral("</i></p>");
        }
    }

    html += QStringLiteral("<h3>") + tr("Static analysis") + QStringLiteral("</h3>");
    if (!evidence_ || !evidence_->statics) {
        html += QStringLiteral("<p>") + tr("No analysis shows this syscall.") + QStringLiteral("</p>");
    } else {
        const StaticEvidence& s = *evidence_->statics;
        html += QStringLiteral("<p>") +
                (s.sites == 1 ? tr("1 reachable call site") : tr("%1 reachable call sites").arg(s.sites));
        html += s.serving ? tr(", reachable while serving.") : tr(", not reachable from the serving roots.");
        html += QStringLiteral("</p>");
        if (s.special)
            html += QStringLiteral("<p>") + tr("Special case: %1").arg(esc(s.specialReason)) +
                    QStringLiteral("</p>");
        else if (!s.direct)
            html += QStringLiteral("<p><b>") + tr("Reached only through indirect calls.") +
                    QStringLiteral("</b> ") +
                    tr("Every path from an entry calls through a function pointer: only the indirect-call "
                       "model allows this syscall, the least certain part of the analysis.") +
                    QStringLiteral("</p>");
        if (!s.witness.empty()) {
            html += QStringLiteral("<p>") + tr("Shortest witness path, entry first:") +
                    QStringLiteral("</p><ol>");
            const QStringList steps =
                QString::fromStdString(s.witness).split(QStringLiteral(" -> "), Qt::SkipEmptyParts);
            for (const QString& step : steps)
                html += QStringLiteral("<li><tt><a href=\"function:%1\">%2</a></tt></li>")
                            .arg(functionOfStep(step).toHtmlEscaped(), step.toHtmlEscaped());
            html += QStringLiteral("</ol>");
        }
    }
    body_->setHtml(html);
}

} // namespace swb
