#pragma once

#include <QWidget>

namespace swb {

// The grip of the phase boundary: a thin child of the timeline that follows the mouse while
// dragged (as Qt Creator's selection range overlay) and steps with Left/Right when it has focus.
// It knows pixels only; TimelineView turns them into times and never owns the boundary value.
class PhaseBoundaryHandle : public QWidget {
    Q_OBJECT
public:
    static constexpr int kWidth = 7;

    explicit PhaseBoundaryHandle(QWidget* parent);

    bool isDragging() const { return dragging_; }
    // Centres the handle on X of the parent, over the parent's rows [TOP, BOTTOM].
    void placeAt(double x, int top, int bottom);
    double centerX() const { return geometry().x() + kWidth / 2.0; }

signals:
    // X in the parent's coordinates where the drag has the boundary now.
    void dragMoved(double x);
    void dragFinished(double x);
    void dragCancelled();
    // -1: to the previous event, +1: to the next.
    void stepRequested(int direction);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void focusInEvent(QFocusEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;

private:
    double dragX(const QMouseEvent* event) const;

    bool dragging_ = false;
    double pressGlobalX_ = 0;
    double pressCenterX_ = 0;
};

} // namespace swb
