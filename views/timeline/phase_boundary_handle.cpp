#include "timeline/phase_boundary_handle.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>

namespace swb {

PhaseBoundaryHandle::PhaseBoundaryHandle(QWidget* parent)
    : QWidget(parent) {
    setObjectName(QStringLiteral("phaseBoundaryHandle"));
    setAccessibleName(tr("Phase boundary"));
    setAccessibleDescription(tr("Drag, or press Left and Right, to move the end of initialization"));
    setToolTip(tr("Phase boundary: initialization on the left, serving on the right.\n"
                  "Drag it, or focus it and press Left/Right to move it event by event."));
    setFocusPolicy(Qt::StrongFocus);
    setCursor(Qt::SizeHorCursor);
    setAttribute(Qt::WA_TranslucentBackground);
    resize(kWidth, 0);
}

void PhaseBoundaryHandle::placeAt(double x, int top, int bottom) {
    setGeometry(qRound(x - kWidth / 2.0), top, kWidth, std::max(0, bottom - top + 1));
}

void PhaseBoundaryHandle::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QColor line = palette().color(QPalette::Highlight);
    QColor grip = line;
    grip.setAlpha(hasFocus() || dragging_ ? 230 : 140);
    // The grip at the top, where the axis is, and a line through the rows.
    p.fillRect(QRect(0, 0, kWidth, std::min(height(), 18)), grip);
    p.fillRect(QRect(kWidth / 2 - (hasFocus() ? 1 : 0), 0, hasFocus() ? 3 : 1, height()), line);
}

double PhaseBoundaryHandle::dragX(const QMouseEvent* event) const {
    // Global coordinates: the handle moves under the mouse while dragged, its own do not hold still.
    return pressCenterX_ + (event->globalPosition().x() - pressGlobalX_);
}

void PhaseBoundaryHandle::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) {
        event->ignore();
        return;
    }
    setFocus(Qt::MouseFocusReason);
    dragging_ = true;
    pressGlobalX_ = event->globalPosition().x();
    pressCenterX_ = centerX();
    update();
    event->accept();
}

void PhaseBoundaryHandle::mouseMoveEvent(QMouseEvent* event) {
    if (!dragging_) {
        event->ignore();
        return;
    }
    emit dragMoved(dragX(event));
    event->accept();
}

void PhaseBoundaryHandle::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton || !dragging_) {
        event->ignore();
        return;
    }
    dragging_ = false;
    update();
    emit dragFinished(dragX(event));
    event->accept();
}

void PhaseBoundaryHandle::keyPressEvent(QKeyEvent* event) {
    if (event->modifiers() & ~Qt::KeypadModifier) {
        QWidget::keyPressEvent(event);
        return;
    }
    switch (event->key()) {
    case Qt::Key_Left:
        emit stepRequested(-1);
        break;
    case Qt::Key_Right:
        emit stepRequested(+1);
        break;
    case Qt::Key_Escape:
        if (!dragging_) {
            QWidget::keyPressEvent(event);
            return;
        }
        dragging_ = false;
        update();
        emit dragCancelled();
        break;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    event->accept();
}

void PhaseBoundaryHandle::focusInEvent(QFocusEvent* event) {
    QWidget::focusInEvent(event);
    update();
}

void PhaseBoundaryHandle::focusOutEvent(QFocusEvent* event) {
    QWidget::focusOutEvent(event);
    update();
}

} // namespace swb
