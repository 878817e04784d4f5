// The bundled resources reach the application: the window icon renders.
#include "resources_init.h"

#include <QIcon>
#include <QImage>
#include <QPixmap>
#include <QTest>

class TestResources : public QObject {
    Q_OBJECT
private slots:
    void iconRenders() {
        swb::initResources();
        const QIcon icon(QStringLiteral(":/swb/icon.svg"));
        QVERIFY(!icon.isNull());
        const QImage image = icon.pixmap(64, 64).toImage();
        QCOMPARE(image.size(), QSize(64, 64));
        // The shield fills the middle; the corners stay transparent.
        QVERIFY(qAlpha(image.pixel(32, 32)) > 200);
        QCOMPARE(qAlpha(image.pixel(0, 0)), 0);
    }
};

QTEST_MAIN(TestResources)
#include "tst_resources.moc"
