#pragma once

// Real input for the real-window tests: events injected into the X server with the XTEST
// extension travel the same way as a physical mouse and keyboard (X server, window manager,
// Qt's xcb plugin), unlike QTest's events, which are handed to a widget directly.

#include <QPoint>
#include <QRect>
#include <QSize>
#include <QString>
#include <QTest>

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>

#include <initializer_list>
#include <optional>
#include <vector>

namespace swb::test {

class X11Input {
public:
    X11Input()
        : display_(XOpenDisplay(nullptr)) {
        int event = 0, error = 0, major = 0, minor = 0;
        xtest_ = display_ && XTestQueryExtension(display_, &event, &error, &major, &minor);
    }
    ~X11Input() {
        if (display_)
            XCloseDisplay(display_);
    }
    X11Input(const X11Input&) = delete;
    X11Input& operator=(const X11Input&) = delete;

    bool ok() const { return display_ && xtest_; }
    Display* display() const { return display_; }

    QSize screenSize() const {
        return {DisplayWidth(display_, DefaultScreen(display_)),
                DisplayHeight(display_, DefaultScreen(display_))};
    }

    // Whether a window manager runs (EWMH: _NET_SUPPORTING_WM_CHECK on the root window).
    bool windowManagerRuns() const {
        return windowProperty(DefaultRootWindow(display_), "_NET_SUPPORTING_WM_CHECK").has_value();
    }

    void moveTo(QPoint global, int settleMs = 30) {
        XTestFakeMotionEvent(display_, DefaultScreen(display_), global.x(), global.y(), CurrentTime);
        flush(settleMs);
    }
    void button(unsigned int button, bool down, int settleMs = 30) {
        XTestFakeButtonEvent(display_, button, down ? True : False, CurrentTime);
        flush(settleMs);
    }
    void click(QPoint global, unsigned int which = Button1) {
        moveTo(global);
        button(which, true);
        button(which, false);
    }
    void doubleClick(QPoint global) {
        moveTo(global);
        for (int i = 0; i < 2; ++i) {
            XTestFakeButtonEvent(display_, Button1, True, CurrentTime);
            XTestFakeButtonEvent(display_, Button1, False, CurrentTime);
        }
        flush(60);
    }
    // Press at FROM, move in STEPS to TO, release; MODIFIER (a keysym such as XK_Alt_L) held.
    void drag(QPoint from, QPoint to, int steps = 12, unsigned int which = Button1, KeySym modifier = 0) {
        if (modifier)
            key(modifier, true);
        moveTo(from);
        button(which, true, 60);
        for (int i = 1; i <= steps; ++i)
            moveTo(from + (to - from) * i / steps, 25);
        button(which, false, 60);
        if (modifier)
            key(modifier, false);
    }
    void wheel(QPoint global, bool up, int clicks = 1) {
        moveTo(global);
        for (int i = 0; i < clicks; ++i) {
            button(up ? Button4 : Button5, true, 5);
            button(up ? Button4 : Button5, false, 20);
        }
    }
    void key(KeySym sym, bool down) {
        XTestFakeKeyEvent(display_, XKeysymToKeycode(display_, sym), down ? True : False, CurrentTime);
        flush(15);
    }
    // Presses SYM with MODIFIERS held (XK_Control_L, XK_Alt_L, XK_Shift_L), then lets go.
    void shortcut(KeySym sym, std::initializer_list<KeySym> modifiers = {}) {
        for (KeySym m : modifiers)
            key(m, true);
        key(sym, true);
        key(sym, false);
        for (auto it = std::rbegin(modifiers); it != std::rend(modifiers); ++it)
            key(*it, false);
        flush(40);
    }
    void type(const QString& text) {
        for (const QChar c : text) {
            const bool upper = c.isUpper();
            const KeySym sym = XStringToKeysym(QString(c.toLower()).toLatin1().constData());
            if (upper)
                key(XK_Shift_L, true);
            key(sym, true);
            key(sym, false);
            if (upper)
                key(XK_Shift_L, false);
        }
    }

    // The smallest size the client asks the WM for (WM_NORMAL_HINTS), or nullopt when unset.
    std::optional<QSize> minimumSizeHint(unsigned long window) const {
        XSizeHints hints{};
        long supplied = 0;
        if (!XGetWMNormalHints(display_, window, &hints, &supplied) || !(hints.flags & PMinSize))
            return std::nullopt;
        return QSize(hints.min_width, hints.min_height);
    }
    // The window's outer rectangle in root coordinates, the WM's frame included.
    QRect frameRect(unsigned long window) const {
        const unsigned long frame = topLevelAncestor(window);
        Window root = 0;
        int x = 0, y = 0;
        unsigned int w = 0, h = 0, border = 0, depth = 0;
        XGetGeometry(display_, frame, &root, &x, &y, &w, &h, &border, &depth);
        int rx = 0, ry = 0;
        Window child = 0;
        XTranslateCoordinates(display_, frame, DefaultRootWindow(display_), 0, 0, &rx, &ry, &child);
        return {rx, ry, static_cast<int>(w), static_cast<int>(h)};
    }
    // Asks for a new client size the way a pager or tiling script does: through the WM.
    void resizeWindow(unsigned long window, QSize size) {
        XResizeWindow(display_, window, static_cast<unsigned int>(size.width()),
                      static_cast<unsigned int>(size.height()));
        flush(100);
    }
    // Client windows (WM_STATE set) whose _NET_WM_PID is PID.
    std::vector<unsigned long> windowsOfPid(long pid) const {
        std::vector<unsigned long> out;
        collect(DefaultRootWindow(display_), pid, out);
        return out;
    }
    std::optional<long> windowProperty(unsigned long window, const char* name) const {
        const Atom atom = XInternAtom(display_, name, True);
        if (atom == None)
            return std::nullopt;
        Atom type = None;
        int format = 0;
        unsigned long items = 0, after = 0;
        unsigned char* data = nullptr;
        if (XGetWindowProperty(display_, window, atom, 0, 1, False, AnyPropertyType, &type, &format, &items,
                               &after, &data) != Success ||
            !data || items == 0) {
            if (data)
                XFree(data);
            return std::nullopt;
        }
        long value = format == 32 ? *reinterpret_cast<long*>(data) : 0;
        XFree(data);
        return value;
    }

private:
    void flush(int settleMs) {
        XFlush(display_);
        XSync(display_, False);
        // The application under test lives in this process: let it read what the server sends.
        QTest::qWait(settleMs);
    }
    unsigned long topLevelAncestor(unsigned long window) const {
        Window current = window;
        for (;;) {
            Window root = 0, parent = 0;
            Window* children = nullptr;
            unsigned int count = 0;
            if (!XQueryTree(display_, current, &root, &parent, &children, &count))
                return current;
            if (children)
                XFree(children);
            if (parent == root || parent == 0)
                return current;
            current = parent;
        }
    }
    void collect(Window w, long pid, std::vector<unsigned long>& out) const {
        if (windowProperty(w, "WM_STATE") && windowProperty(w, "_NET_WM_PID") == pid)
            out.push_back(w);
        Window root = 0, parent = 0;
        Window* children = nullptr;
        unsigned int count = 0;
        if (!XQueryTree(display_, w, &root, &parent, &children, &count))
            return;
        for (unsigned int i = 0; i < count; ++i)
            collect(children[i], pid, out);
        if (children)
            XFree(children);
    }

    Display* display_;
    bool xtest_ = false;
};

} // namespace swb::test
